"""What every context of Dar shares: the act (who, which command), errors, ids."""
