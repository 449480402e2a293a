"""Who calls: resolved once per request, and the objects of Dar as this caller may see them.

House staff (agents, supervisors) see and act only in their own house: another house, or an
agent or grant of another house, looks to them like no such thing (NOT_FOUND), never FORBIDDEN.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import MISSING, dataclass, field, fields
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from uuid import UUID

from api.auth import STAFF, Principal, Role
from api.graphql.inputs import CommandIdInput, validated
from application.commands import Command
from domain.houses.house import House, house_id
from domain.shared.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from api.bootstrap import Dar

T = TypeVar("T")
C = TypeVar("C", bound=Command)


class Blocking(Protocol):
    """Runs a blocking store call on a worker thread (the request's `Context.blocking`)."""

    def __call__(self, call: Callable[[], T], /) -> Awaitable[T]:
        """The call's result, awaited off the event loop."""
        ...


def parse_id(value: str, field: str) -> UUID:
    """A UUID argument, or a VALIDATION error naming the field."""
    try:
        return UUID(str(value))
    except ValueError:
        raise ValidationError(field, "is not an id") from None


def checked_command_id(value: str) -> str:
    """A client's idempotency key, well formed."""
    return validated(CommandIdInput, command_id=value).command_id


HOUSE_BOUND = STAFF | {Role.VOLUNTEER}
"""The roles whose token names their house: they see and act only there."""


def own_house_only(principal: Principal, house_code: str | None) -> None:
    """House staff and volunteers see and act only in their own house; another is no house."""
    if principal.role in HOUSE_BOUND and principal.house != house_code:
        raise NotFoundError("no such house")


@dataclass
class Caller:
    """The authenticated caller of a request: actor, role, house, employee number, partner."""

    principal: Principal
    dar: Dar
    blocking: Blocking
    _houses: dict[UUID, House | None] = field(default_factory=dict, repr=False)

    @property
    def actor(self) -> str:
        """How the events of this caller's commands name it."""
        return self.principal.actor

    @property
    def role(self) -> Role:
        """The caller's role."""
        return self.principal.role

    @property
    def house_code(self) -> str | None:
        """The house of house staff and volunteers (None for everyone else)."""
        return self.principal.house if self.role in HOUSE_BOUND else None

    @property
    def house_id(self) -> UUID | None:
        """The id of the house of house staff and volunteers (None for everyone else)."""
        return house_id(self.house_code) if self.house_code else None

    @property
    def employee(self) -> str | None:
        """An agent's or supervisor's employee number (None for everyone else)."""
        return self.principal.subject if self.role in STAFF else None

    @property
    def partner(self) -> str | None:
        """The partner a partner user works for (None for everyone else)."""
        return self.principal.partner if self.role is Role.PARTNER else None

    def key(self, command_id: str) -> str:
        """The command's idempotency key, well formed."""
        return checked_command_id(command_id)

    def command(self, kind: type[C], source: object, /, **extras: Any) -> C:  # noqa: ANN401 - any field's value
        """The command `kind` built from the input `source`, field by field.

        Its key is the input's `command_id` (checked) and its actor the caller's; any other
        field is the input's field of the same name (a list becomes a tuple), unless `extras`
        gives it (a house's code looked up, a field the input names otherwise). A field of the
        command none of them supplies, and that has no default, is an error here, not a
        command built short.
        """
        inputs = vars(source)
        values: dict[str, Any] = {"actor": self.actor}
        if "command_id" not in extras:
            values["command_id"] = self.key(inputs["command_id"])
        for each in fields(kind):
            if each.name in values or each.name in extras:
                continue
            if each.name in inputs:
                value = inputs[each.name]
                values[each.name] = tuple(value) if isinstance(value, list) else value
            elif each.default is MISSING and each.default_factory is MISSING:
                given = type(source).__name__
                raise TypeError(f"{kind.__name__}.{each.name}: neither in {given} nor given")
        return kind(**values, **extras)

    async def house_code_of(self, house: str, field: str = "houseId") -> str:
        """The code of a registered house this caller may see, else NOT_FOUND.

        House staff name their own house by its id: the token names its code, and the gate found
        the subject enrolled there, so nothing is loaded; any other house is none to them.
        """
        uuid = parse_id(house, field)
        if self.house_code is not None:
            if uuid != self.house_id:
                raise NotFoundError("no such house")
            return self.house_code
        found = await self._house(uuid)
        if found is None:
            raise NotFoundError("no such house")
        own_house_only(self.principal, found.code)
        return found.code

    async def employee_of(self, agent: str, field: str = "agentId") -> tuple[str, str]:
        """An agent's employee number and house code (staff: only of their own house)."""
        uuid = parse_id(agent, field)
        houses = self.dar.houses
        found = await self.blocking(lambda: houses.agent_by_id(uuid))
        house = await self._house(found.house_id) if found is not None else None
        if found is None or house is None:
            raise NotFoundError("no such agent")
        own_house_only(self.principal, house.code)
        return found.employee_number, house.code

    async def volunteer_of(self, volunteer: str, field: str = "volunteerId") -> tuple[str, str]:
        """A volunteer's house code and code (house-bound callers: only of their own house)."""
        uuid = parse_id(volunteer, field)
        inclusion = self.dar.inclusion
        found = await self.blocking(lambda: inclusion.volunteer_by_id(uuid))
        house = await self._house(found.house_id) if found is not None else None
        if found is None or house is None:
            raise NotFoundError("no such volunteer")
        own_house_only(self.principal, house.code)
        return house.code, found.code

    async def _house(self, uuid: UUID) -> House | None:
        if uuid not in self._houses:
            houses = self.dar.houses
            self._houses[uuid] = await self.blocking(lambda: houses.house_by_id(uuid))
        return self._houses[uuid]
