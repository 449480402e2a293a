"""Dar's edge: the composition root, the command line and (next) the GraphQL API."""
