"""Payments per request and per house, pending payments, refunds, and each day's collections."""
