"""Helpers for tests about citizens: readers by role, registration commands."""

from __future__ import annotations

import itertools
from uuid import UUID

from api.bootstrap import Dar
from application.citizens.commands import GrantMandate, RegisterCitizen
from application.citizens.service import Reader
from domain.citizens.categories import DataCategory

ALL = frozenset(DataCategory)
_keys = itertools.count(1)


def agent(employee: str, house: str = "haidra") -> Reader:
    """An agent of the house, reading with every category their role admits."""
    return Reader(
        actor=f"agent:{employee}", categories=ALL, house_code=house, employee_number=employee
    )


def register(
    dar: Dar, cin: str, name: str, *, key: str | None = None, phone: str | None = "+21698123456"
) -> UUID:
    """Register a citizen by CIN at Haidra; their id.

    The default key is a running number, never derived from the
    CIN or name: a commandId is stored as given and outlives an erasure.
    """
    outcome = dar.citizens.register_citizen(
        RegisterCitizen(
            command_id=key or f"register-{next(_keys)}",
            actor="agent:A17",
            name=name,
            document_kind="cin",
            document_number=cin,
            phone=phone,
            house_code="haidra",
        )
    )
    return UUID(outcome.values["citizen_id"])


def grant_mandate(
    dar: Dar, citizen: UUID, *scopes: str, duration: str = "1m", key: str = "g"
) -> str:
    """A17 records the citizen's mandate to Haidra for these scopes (consent by code); its id."""
    outcome = dar.citizens.grant_mandate(
        GrantMandate(
            command_id=key,
            actor="agent:A17",
            citizen_id=citizen,
            house_code="haidra",
            scopes=scopes,
            duration=duration,
            consent_kind="confirmation_code",
            consent_reference="482913",
        )
    )
    return outcome.values["mandate_id"]
