"""The partners read model: code and names of every registered partner."""
