"""Collecting money for partners: payments, their gateway and the partners' billers."""
