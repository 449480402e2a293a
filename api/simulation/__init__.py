"""`dar simulate`: history of many houses generated through the real command path.

`world` says which houses, staff, lines and grants there are; `plan` draws each house's business
day from the seed alone; `run` drives the plans through the application services on a simulated
clock and a seeded id source; `gateway` plays the payment gateway for card payments; `digest`
fingerprints the resulting log.
"""
