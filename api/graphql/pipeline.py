"""The one way a mutation runs: caller, roles, command, CommandRunner, metrics, typed answer.

A mutation is declared, not written: its input turns itself into its command (with the service
method that runs it), the operation declares its roles, and `mutation(...)` builds the resolver.
That resolver, the same for every mutation, checks the roles (a permission class, before anything
runs), resolves the caller once per request, asks the input for its command, runs it on a worker
thread through the service (whose `CommandRunner` makes it idempotent), counts it in
`dar_commands_total` (recorded, replayed, or the refusal's code) and maps the typed outcome to the
answer. A test enumerates the schema's mutations and fails for one not built here.

Writing one (`addCounter`)::

    @strawberry.input
    class AddCounterInput(InHouse):  # command_id and house_id, shared
        number: int
        label: str

        async def to_command(self, caller: Caller) -> Submission[AddCounter, HouseChanged]:
            command = await self.in_house(caller, AddCounter)  # key, actor, house_code, the rest
            return Submission(command, caller.dar.houses.add_counter)  # -> Outcome[HouseChanged]

    @strawberry.type
    class HouseCommands:
        add_counter = mutation(AddCounterInput, CommandResult, ADMIN, "Add a counter (admin).")

The command is built by `Caller.command(kind, input, **extras)`: the input's fields of the
command's names, the checked key, the caller as actor, and by name whatever the input names
otherwise or the caller looks up (`house_code=`, `employee_number=`); a command field none of
them supplies is an error (a test builds every mutation's command from the schema). Inputs that
share their first fields share a base: `InHouse`, `OfAgent`, and in their modules `OfService`,
`TicketOfToday`, `OnGrant`, `OfCitizen`, `OnRequest`, `OfRequest`, `OfPayment`.

The service method returns `Outcome[T]`, T a frozen dataclass of ids (`Decision(..., value=T(...))`
and `runner.run(command, decide, returns=T)` in the service). The answer type has
`of(outcome: Outcome[T])`: an `Answer[T]` (`api.graphql.rows`) takes the value's fields by name,
its position and whether it was a retry (`CommandResult` serves any T that names its object by
`id`). A closed set of values is an enum of the domain registered in `api.graphql.enums`, never
text. House staff reach only their own house: look houses, agents and ids up through the `Caller`
(`house_code_of`, `employee_of`), which answers another house's as NOT_FOUND. Rules belong to the
service's decision, not to `to_command`. Queries declare their roles the same way:
`@query(roles, description)`. One input per mutation: a step is its own mutation and command,
never a string field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, Self, TypeVar
from uuid import UUID

import strawberry

from api.auth import Role
from api.graphql.access import ADMIN, allowed
from api.graphql.caller import Caller
from api.graphql.context import Context, DarInfo
from api.graphql.rows import Answer
from api.graphql.scalars import Position
from application.commands import Command
from application.store import Outcome
from domain.shared.errors import DarError

C = TypeVar("C", bound=Command)
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
T_contra = TypeVar("T_contra", contravariant=True)

BUILT: set[Callable[..., Any]] = set()
"""Every resolver `mutation` built: the test of the one pipeline checks the schema against it."""


@dataclass(frozen=True)
class Submission(Generic[C, T_co]):
    """A command and the service method that runs it (through the `CommandRunner`)."""

    command: C
    run: Callable[[C], Outcome[T_co]]


class Submits(Protocol[T_co]):
    """A mutation's input: it turns itself into its command, for this caller."""

    async def to_command(self, caller: Caller) -> Submission[Any, T_co]:
        """The command this input asks for (houses, agents, ids: as the caller sees them)."""
        ...


class Answers(Protocol[T_contra]):
    """A mutation's result type: built from the command's typed outcome."""

    @classmethod
    def of(cls, outcome: Outcome[T_contra]) -> Self:
        """The answer to a command that did this."""
        ...


class Identified(Protocol):
    """An outcome's value that names the object the command created or changed."""

    @property
    def id(self) -> UUID:
        """The object's id."""
        ...


@strawberry.type(description="What a command did.")
class CommandResult(Answer[Identified]):
    id: strawberry.ID = strawberry.field(description="The object the command created or changed.")
    position: Position = strawberry.field(
        description="Log position of the command's last event; pass it as atLeastPosition."
    )
    replayed: bool = strawberry.field(
        description="True when this is the retry of a recorded command."
    )


@strawberry.input(description="A command in a house, with the idempotency key.")
class InHouse:
    command_id: str
    house_id: strawberry.ID

    async def in_house(self, caller: Caller, kind: type[C], /, **extras: Any) -> C:  # noqa: ANN401 - any field's value
        """The command `kind` from this input, in the house it names (staff: their own)."""
        key = caller.key(self.command_id)  # checked before the house is looked up
        house = await caller.house_code_of(self.house_id)
        return caller.command(kind, self, command_id=key, house_code=house, **extras)


@strawberry.input(description="A command on an agent, with the idempotency key.")
class OfAgent:
    command_id: str
    agent_id: strawberry.ID

    async def of_agent(self, caller: Caller, kind: type[C]) -> C:
        """The command `kind` from this input, on the agent it names (staff: of their house)."""
        employee, _ = await caller.employee_of(self.agent_id)
        return caller.command(kind, self, employee_number=employee)


async def counted(context: Context, name: str, call: Callable[[], Outcome[T]]) -> Outcome[T]:
    """Run a command on a worker thread, counting its outcome (recorded, replayed, refused)."""
    try:
        outcome = await context.blocking(call)
    except DarError as error:
        context.metrics.commands.labels(name, error.code).inc()
        raise
    context.metrics.commands.labels(name, "replayed" if outcome.replayed else "recorded").inc()
    return outcome


async def execute(info: DarInfo, input: Submits[T]) -> Outcome[T]:
    """Build the caller's command from the input, run it once, count it: its typed outcome."""
    context = info.context
    submission = await input.to_command(context.caller())
    command, run = submission.command, submission.run
    return await counted(context, info.field_name, lambda: run(command))


def mutation(
    input_type: type[Submits[T]],
    answer: type[Answers[T]],
    roles: frozenset[Role],
    description: str,
) -> Any:  # noqa: ANN401 - a strawberry field, typed as Any by strawberry itself
    """The mutation taking `input_type`, open to `roles`, answering with `answer`."""

    async def resolve(info: DarInfo, input: Submits[T]) -> Answers[T]:
        return answer.of(await execute(info, input))

    # strawberry reads the GraphQL types of the argument and the result from the annotations
    resolve.__annotations__ = {"info": DarInfo, "input": input_type, "return": answer}
    BUILT.add(resolve)
    return strawberry.mutation(
        resolver=resolve, description=description, permission_classes=allowed(roles)
    )


def admin_mutation(input_type: type[Submits[Identified]], description: str) -> Any:  # noqa: ANN401 - a strawberry field
    """An administrator's mutation, answered with the object it created or changed."""
    return mutation(input_type, CommandResult, ADMIN, description)
