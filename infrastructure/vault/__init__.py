"""The key vault: per-citizen data keys wrapped by the master key, and the identity index."""
