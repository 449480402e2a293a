"""The GraphQL API: one schema for counter front-ends, auditors and the governance office."""
