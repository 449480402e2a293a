"""Who may call which operation: the documented role matrix, enforced by every resolver.

A test enumerates the live schema, so an operation missing here fails the suite.
"""

from __future__ import annotations

from api.auth import Role

EVERYONE = frozenset(Role)
ADMIN = frozenset({Role.ADMIN})

ACCESS: dict[str, frozenset[Role]] = {
    # queries
    "partners": EVERYONE,
    "partner": EVERYONE,
    "position": EVERYONE,
    # mutations
    "registerPartner": ADMIN,
    "renamePartner": ADMIN,
    # subscriptions
    "partnersChanged": EVERYONE,
}
