"""Citizens, their audited personal data and their mandates to houses."""
