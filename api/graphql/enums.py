"""The domain's closed sets of values, exposed as GraphQL enums (their members' names).

Each is the domain's own enum registered with strawberry, so a resolver passes it on unchanged
and a command receives the domain value (a `StrEnum` is its text).
"""

from __future__ import annotations

import strawberry

from domain.catalogue.service import FeeRule, Mode
from domain.delegation.grant import GrantState
from domain.houses.calendar import Season

strawberry.enum(Season, description="Which opening hours apply on a day.")
strawberry.enum(Mode, description="Served at the counter, or forwarded to the partner.")
strawberry.enum(FeeRule, description="How a service's fee is set.")
strawberry.enum(
    GrantState, description="A grant's recorded state (its dates decide whether it is in force)."
)

__all__ = ["FeeRule", "GrantState", "Mode", "Season"]
