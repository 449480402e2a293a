"""Who may call which operation: each operation declares its roles with `allowed(...)`.

The roles are a strawberry permission class on the operation itself, checked before its resolver
runs (UNAUTHENTICATED without a token, FORBIDDEN for another role). `declared_roles` reads them
back from a schema: the role-matrix test compares them with `docs/role-matrix.md` and enforces both.

A `Public` operation (`public_subscription`) is open to every role and to callers with no token at
all: a WebSocket whose `connection_init` payload carries no authorization may run only those
(`declared_public`; the matrix lists them under "Without a token").
"""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

import strawberry
from strawberry.permission import BasePermission
from strawberry.types import Info

from api.auth import Role

EVERYONE = frozenset(Role)
ADMIN = frozenset({Role.ADMIN})
# a partner's back office, or the house supervisor recording a partner's answer given on paper
PARTNER_SIDE = frozenset({Role.PARTNER, Role.SUPERVISOR})
STAFF_AND_OVERSIGHT = frozenset(
    {Role.ADMIN, Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, Role.GOVERNANCE}
)
# what carries staff's own words (a till's discrepancy reason, a note on a partner's outage): the
# house's staff and those who audit it, not the governance office, which reads figures only
STAFF_AND_AUDIT = frozenset({Role.ADMIN, Role.AGENT, Role.SUPERVISOR, Role.AUDITOR})


class Allowed(BasePermission):
    """The caller is authenticated and of one of the operation's roles."""

    roles: ClassVar[frozenset[Role]] = frozenset()

    def has_permission(self, source: Any, info: Info[Any, Any], **kwargs: Any) -> bool:  # noqa: ANN401, ARG002 - strawberry's signature
        """True, or the typed refusal (UNAUTHENTICATED, FORBIDDEN) raised by the context."""
        info.context.require(*self.roles)
        return True


class Public(Allowed):
    """Every caller, with a token or without (the waiting-room screen): nothing to check."""

    roles: ClassVar[frozenset[Role]] = EVERYONE

    def has_permission(self, source: Any, info: Info[Any, Any], **kwargs: Any) -> bool:  # noqa: ANN401, ARG002 - strawberry's signature
        """Always: a public operation shows nothing that needs a token."""
        return True


@cache
def _permission(roles: frozenset[Role]) -> type[Allowed]:
    names = "_".join(sorted(r.value for r in roles))
    return type(f"Allowed_{names}", (Allowed,), {"roles": roles})


def allowed(roles: frozenset[Role]) -> list[type[BasePermission]]:
    """The permission classes of an operation open to `roles` (and to nobody else)."""
    return [_permission(frozenset(roles))]


def query(roles: frozenset[Role], description: str) -> Any:  # noqa: ANN401 - strawberry's field
    """A query field (decorating its resolver) open to `roles`."""
    return strawberry.field(description=description, permission_classes=allowed(roles))


def subscription(roles: frozenset[Role], description: str) -> Any:  # noqa: ANN401 - strawberry's field
    """A subscription field (decorating its generator) open to `roles`."""
    return strawberry.subscription(description=description, permission_classes=allowed(roles))


def public_subscription(description: str) -> Any:  # noqa: ANN401 - strawberry's field
    """A subscription field open to every caller, even one with no token (`Public`)."""
    return strawberry.subscription(description=description, permission_classes=[Public])


def declared_public(schema: Any) -> frozenset[str]:  # noqa: ANN401 - a strawberry.Schema
    """The operations of the schema open to callers without a token."""
    found: set[str] = set()
    for kind in ("Query", "Mutation", "Subscription"):
        definition = schema.get_type_by_name(kind)
        for field in definition.fields if definition else ():
            if any(issubclass(p, Public) for p in field.permission_classes):
                found.add(schema.config.name_converter.get_graphql_name(field))
    return frozenset(found)


def declared_roles(schema: Any) -> dict[str, frozenset[Role] | None]:  # noqa: ANN401 - a strawberry.Schema
    """Each operation of the schema (query, mutation, subscription) with the roles it declares.

    None for an operation that declares none (the role-matrix test fails on it).
    """
    found: dict[str, frozenset[Role] | None] = {}
    for kind in ("Query", "Mutation", "Subscription"):
        definition = schema.get_type_by_name(kind)
        for field in definition.fields if definition else ():
            permissions = [p for p in field.permission_classes if issubclass(p, Allowed)]
            name = schema.config.name_converter.get_graphql_name(field)
            found[name] = permissions[0].roles if len(permissions) == 1 else None
    return found
