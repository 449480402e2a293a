"""Read models built from the event log: directory, partners, queue, requests, payments, citizens.

Each projection turns events into rows through a port (`projections/ports.py`); the runner in
`infrastructure/readmodels` feeds them all in one pass and commits their tracking positions
with the rows.
"""
