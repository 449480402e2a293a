"""Every read of a citizen's personal data is recorded: who, when, whom, for what purpose."""

from __future__ import annotations

from uuid import UUID, uuid4

from domain.shared.acts import Act, DarAggregate


class PersonalDataAccess(DarAggregate):
    """One read of one citizen's personal data (its own aggregate, so that reads never contend)."""

    class Recorded(DarAggregate.Created):
        citizen_id: UUID
        purpose: str
        operation: str
        fields: tuple[str, ...]
        house_id: UUID | None

    def __init__(
        self,
        citizen_id: UUID,
        purpose: str,
        operation: str,
        fields: tuple[str, ...],
        house_id: UUID | None,
    ) -> None:
        self.citizen_id = citizen_id
        self.purpose = purpose
        self.operation = operation
        self.fields = fields
        self.house_id = house_id

    @classmethod
    def record(  # noqa: PLR0913 - the access log's columns
        cls,
        *,
        citizen_id: UUID,
        purpose: str,
        operation: str,
        fields: tuple[str, ...],
        house_id: UUID | None,
        act: Act,
    ) -> PersonalDataAccess:
        """The fields revealed to the actor, for the purpose, by the operation."""
        return cls._create(
            cls.Recorded,
            id=uuid4(),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            citizen_id=citizen_id,
            purpose=purpose,
            operation=operation,
            fields=tuple(sorted(fields)),
            house_id=house_id,
        )
