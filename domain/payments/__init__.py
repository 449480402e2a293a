"""Payments collected at a house for its partners: payments, receipt books and bill holds."""
