"""Settlement: statements of partners and the acquirer, matched against the remittances."""
