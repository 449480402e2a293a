"""Settlement: remittances closed, statements imported and reconciled."""
