"""Today's queues: tickets per line with their state, and what each counter is serving."""
