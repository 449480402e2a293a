"""Delegation grants and the policy every act at the counter must pass."""
