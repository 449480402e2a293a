"""The register of one partner's grants to one house: no two may overlap in time.

Granting writes the register and the grant together, so of two concurrent grants for the same
partner and house exactly one is recorded (the other finds the register changed, decides again,
and is refused for the overlap).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.delegation.grant import Validity
from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import DarError
from domain.shared.ids import natural_id


class OverlappingGrantError(DarError):
    """Another grant of this partner to this house covers some of the same days."""

    code = "OVERLAPPING_GRANT"


def register_id(house_id: UUID, partner_id: UUID) -> UUID:
    """One register per house and partner."""
    return natural_id("grant-register", str(house_id), str(partner_id))


@dataclass(frozen=True)
class Entry:
    """A grant's days, while it is not revoked."""

    grant_id: UUID
    validity: Validity


class GrantRegister(DarAggregate):
    """Which days are already covered by a grant of this partner to this house."""

    class Opened(DarAggregate.Created):
        house_id: UUID
        partner_id: UUID

    class Entered(DarAggregate.Event):
        grant_id: UUID
        starts_on: date
        ends_on: date

        def apply(self, aggregate: GrantRegister) -> None:
            """The grant's days are taken."""
            aggregate.entries[self.grant_id] = Entry(
                self.grant_id, Validity(self.starts_on, self.ends_on)
            )

    class Extended(DarAggregate.Event):
        grant_id: UUID
        ends_on: date

        def apply(self, aggregate: GrantRegister) -> None:
            """A renewal takes more days."""
            entry = aggregate.entries[self.grant_id]
            validity = Validity(entry.validity.starts_on, self.ends_on)
            aggregate.entries[self.grant_id] = Entry(self.grant_id, validity)

    class Released(DarAggregate.Event):
        grant_id: UUID

        def apply(self, aggregate: GrantRegister) -> None:
            """A revoked grant's days are free again."""
            del aggregate.entries[self.grant_id]

    def __init__(self, house_id: UUID, partner_id: UUID) -> None:
        self.house_id = house_id
        self.partner_id = partner_id
        self.entries: dict[UUID, Entry] = {}

    @classmethod
    def open(cls, house_id: UUID, partner_id: UUID, act: Act) -> GrantRegister:
        """The register of a partner and a house, before their first grant."""
        return cls._create(
            cls.Opened,
            id=register_id(house_id, partner_id),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            house_id=house_id,
            partner_id=partner_id,
        )

    def enter(self, grant_id: UUID, validity: Validity, act: Act) -> None:
        """Take the grant's days, unless another grant covers any of them."""
        self._refuse_overlap(grant_id, validity)
        self._record(
            self.Entered,
            act,
            grant_id=grant_id,
            starts_on=validity.starts_on,
            ends_on=validity.ends_on,
        )

    def extend(self, grant_id: UUID, ends_on: date, act: Act) -> None:
        """A renewal: the extra days must be free too."""
        entry = self.entries[grant_id]
        self._refuse_overlap(grant_id, Validity(entry.validity.starts_on, ends_on))
        self._record(self.Extended, act, grant_id=grant_id, ends_on=ends_on)

    def release(self, grant_id: UUID, act: Act) -> None:
        """A revocation frees the grant's days."""
        if grant_id in self.entries:
            self._record(self.Released, act, grant_id=grant_id)

    def _refuse_overlap(self, grant_id: UUID, validity: Validity) -> None:
        for other in self.entries.values():
            if other.grant_id == grant_id:
                continue
            if (
                validity.starts_on <= other.validity.ends_on
                and other.validity.starts_on <= validity.ends_on
            ):
                msg = (
                    f"grant {other.grant_id} already covers {other.validity.starts_on} "
                    f"to {other.validity.ends_on}"
                )
                raise OverlappingGrantError(msg)
