"""A citizen, known by a random id. Events hold their personal data only as ciphertext.

The application seals each value with the citizen's own key (kept in the key vault, outside the
event store) before it reaches an event; destroying that key erases the citizen for good while
the events, and the log's integrity, stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import DarError, ValidationError

SEALED_PREFIX = "sealed:v1:"


class CitizenErasedError(DarError):
    """The citizen's data was erased: nothing more is recorded about them."""

    code = "CITIZEN_ERASED"


def sealed(token: str | None, field: str) -> str | None:
    """A sealed value, or None; plaintext never passes (a defect, not an input error)."""
    if token is not None and not token.startswith(SEALED_PREFIX):
        msg = f"{field} must be sealed before it is recorded"
        raise ValueError(msg)
    return token


@dataclass(frozen=True)
class SealedParticulars:
    """A citizen's particulars, each sealed with the citizen's key."""

    name: str
    document_kind: str | None
    document_number: str | None
    phone: str | None
    guardian_id: UUID | None

    def __post_init__(self) -> None:
        sealed(self.name, "name")
        sealed(self.document_number, "documentNumber")
        sealed(self.phone, "phone")
        if (self.document_number is None) == (self.guardian_id is None):
            raise ValidationError(
                "document", "a citizen has an identity document, or (a minor) a guardian"
            )


class Citizen(DarAggregate):
    """A citizen served by the houses."""

    class Registered(DarAggregate.Created):
        name: str
        document_kind: str | None
        document_number: str | None
        phone: str | None
        guardian_id: UUID | None
        house_id: UUID | None

    class Erased(DarAggregate.Event):
        reason: str

        def apply(self, aggregate: Citizen) -> None:
            """The key is destroyed: the sealed values can no longer be read."""
            aggregate.erased = True

    def __init__(  # noqa: PLR0913, PLR0917 - the particulars as the event carries them
        self,
        name: str,
        document_kind: str | None,
        document_number: str | None,
        phone: str | None,
        guardian_id: UUID | None,
        house_id: UUID | None,
    ) -> None:
        self.name = name
        self.document_kind = document_kind
        self.document_number = document_number
        self.phone = phone
        self.guardian_id = guardian_id
        self.house_id = house_id
        self.erased = False

    @classmethod
    def register(
        cls, citizen_id: UUID, particulars: SealedParticulars, house_id: UUID | None, act: Act
    ) -> Citizen:
        """Record a citizen whose particulars are already sealed."""
        return cls._create(
            cls.Registered,
            id=citizen_id,
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            name=particulars.name,
            document_kind=particulars.document_kind,
            document_number=particulars.document_number,
            phone=particulars.phone,
            guardian_id=particulars.guardian_id,
            house_id=house_id,
        )

    @property
    def minor(self) -> bool:
        """Known through a guardian."""
        return self.guardian_id is not None

    def erase(self, reason: str, act: Act) -> None:
        """Record the erasure, with its reason (the key has been destroyed first)."""
        self.refuse_if_erased()
        if not reason.strip() or len(reason) > 500:
            raise ValidationError("reason", "must be 1 to 500 characters")
        self._record(self.Erased, act, reason=reason.strip())

    def refuse_if_erased(self) -> None:
        """Nothing is done for an erased citizen."""
        if self.erased:
            raise CitizenErasedError("this citizen's data was erased")
