"""The counter: queues of tickets per line and day, desks serving one ticket at a time."""
