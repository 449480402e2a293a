"""The partners' reachability and what waits to be delivered to each partner's system."""
