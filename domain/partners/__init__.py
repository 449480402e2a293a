"""The national bodies that delegate services to the houses."""
