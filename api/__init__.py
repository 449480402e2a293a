"""Dar's edge: the composition root, the command line, the HTTP app and its GraphQL API."""
