"""Digital inclusion: a house's volunteers teach citizens online until they manage alone."""
