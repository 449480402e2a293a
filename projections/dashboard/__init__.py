"""Each house's counter dashboard: queues, counters, the day's figures, money, files."""
