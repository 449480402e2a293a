"""What of a citizen's personal data an audit read may show, and the record of what it showed.

Payloads and states are shown as recorded, except personal data: a citizen's particulars (name,
document, phone, guardian) and the scopes of a mandate (health scopes: CNAM). Each is shown only
if the reader's role and the declared purpose both admit its category (`CitizenService.allowed`,
the same rule as `citizen(id, purpose)`); otherwise it is replaced by a marker naming the
category that withholds it. Sealed values are opened with the citizen's key only when admitted.
A read that names a purpose is recorded, per citizen it touched, as every read of personal data
is (`PersonalDataAccess.Recorded`), before anything is returned.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from application.citizens.ports import KeyVault
from application.citizens.purposes import Purpose
from application.citizens.service import CitizenService, Reader
from domain.citizens.categories import FIELD_CATEGORIES, HEALTH_PARTNER, DataCategory
from domain.citizens.citizen import SEALED_PREFIX
from domain.citizens.mandate import scope_partner

MANDATE_FIELDS = frozenset({"scopes", "scope", "coveredBy"})


def withheld_marker(category: DataCategory) -> dict[str, object]:
    """What stands in place of a value the reader may not see."""
    return {"sealed": category.value}


ERASED: dict[str, object] = {"erased": True}


def scope_category(value: str) -> DataCategory:
    """A mandate scope is mandate data; a CNAM scope is health data."""
    return DataCategory.HEALTH if scope_partner(value) == HEALTH_PARTNER else DataCategory.MANDATES


class Disclosure:
    """One audit read: the categories it may show, and the citizens whose data it touched."""

    def __init__(
        self,
        citizens: CitizenService,
        vault: KeyVault,
        reader: Reader,
        purpose_code: str | None,
        operation: str,
    ) -> None:
        self._citizens = citizens
        self._vault = vault
        self._reader = reader
        self._operation = operation
        self._purpose: Purpose | None = (
            citizens.purposes.get(purpose_code) if purpose_code is not None else None
        )
        self.allowed: frozenset[DataCategory] = (
            citizens.allowed(self._purpose, reader) if self._purpose else frozenset()
        )
        self._touched: dict[UUID, set[str]] = {}

    def particulars(self, citizen_id: UUID, values: dict[str, object]) -> list[str]:
        """Replace, in a citizen's payload, each particular not admitted; the names withheld."""
        withheld: list[str] = []
        for field, category in FIELD_CATEGORIES.items():
            value = values.get(field)
            if value is None:
                continue
            shown = self._touch(citizen_id, field, category)
            if not shown:
                values[field] = withheld_marker(category)
                withheld.append(field)
            elif isinstance(value, str) and value.startswith(SEALED_PREFIX):
                opened = self._vault.open(citizen_id, field, value)
                values[field] = ERASED if opened is None else opened
        return withheld

    def scopes(self, citizen_id: UUID, values: dict[str, object]) -> list[str]:
        """Replace, in a mandate's payload, each scope not admitted; the fields withheld from."""
        withheld: list[str] = []
        for field in sorted(MANDATE_FIELDS & values.keys()):
            value = values[field]
            hidden = self._hide_scopes(citizen_id, value)
            if hidden is not value:
                values[field] = hidden
                withheld.append(field)
        return withheld

    def _hide_scopes(self, citizen_id: UUID, value: object) -> object:
        if isinstance(value, str):
            category = scope_category(value)
            shown = self._touch(citizen_id, category.value, category)
            return value if shown else withheld_marker(category)
        if isinstance(value, list):
            items = [self._hide_scopes(citizen_id, v) for v in value]
            changed = any(a is not b for a, b in zip(items, value, strict=True))
            return items if changed else value
        if isinstance(value, dict) and "scope" in value:
            inner = self._hide_scopes(citizen_id, value["scope"])
            return value if inner is value["scope"] else {**value, "scope": inner}
        return value

    def _touch(self, citizen_id: UUID, field: str, category: DataCategory) -> bool:
        """Whether the category is admitted; an admitted field is remembered as revealed."""
        revealed = self._touched.setdefault(citizen_id, set())
        if category in self.allowed:
            revealed.add(field)
            return True
        return False

    def record(self) -> None:
        """Record the read of each citizen touched, if a purpose was declared (else none opened)."""
        if self._purpose is None:
            return
        for citizen_id, fields in self._touched.items():
            self._citizens.record_access(
                citizen_id, self._purpose, self._reader, self._operation, tuple(sorted(fields))
            )


Disclose = Callable[[UUID, dict[str, object]], list[str]]
