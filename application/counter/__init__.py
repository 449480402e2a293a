"""The counter's day: tickets and visits (requests and contacts come next)."""
