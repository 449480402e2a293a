"""Read models built from the event log (the first arrives with the API platform)."""
