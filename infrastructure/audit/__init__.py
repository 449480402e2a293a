"""Tamper evidence over the event log: the hash chain, its verifier and exports."""
