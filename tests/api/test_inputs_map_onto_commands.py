"""Every mutation's input builds its command: each field of the command comes from somewhere.

Enumerated from the schema: each mutation's input is filled with sample values and asked for its
command by a caller that needs no store. The command must build (a field neither in the input,
nor given by the caller or an explicit extra, is an error of `Caller.command`), and each of its
values must have the type the command declares (a text id copied where a UUID is due fails).
"""

from __future__ import annotations

import asyncio
import dataclasses
import types
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar, Union, cast, get_args, get_origin, get_type_hints

import pytest
import strawberry
from strawberry.types.base import StrawberryList, StrawberryOptional
from strawberry.types.enum import StrawberryEnumDefinition

from api.auth import Principal, Role
from api.bootstrap import Dar
from api.graphql.caller import Caller
from api.graphql.schema import build_schema
from application.commands import Command
from domain.shared.money import Money
from infrastructure.settings import Settings

T = TypeVar("T")

SAMPLES: dict[object, object] = {
    str: "XY",
    int: 1,
    bool: True,
    date: date(2026, 3, 2),
    datetime: datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    strawberry.ID: "7d1c3b8e-0f5e-4c43-9a57-1d2f8f0c2a11",
    Money: Money.parse("1.000"),
}


class Anything:
    """Stands for the store and the services: every attribute and call answers itself."""

    def __getattr__(self, name: str) -> Anything:
        return self

    def __call__(self, *_: object, **__: object) -> Anything:
        return self


class OfflineCaller(Caller):
    """A supervisor of house `h` whose houses and agents exist without a store."""

    async def house_code_of(self, house: str, field: str = "houseId") -> str:  # noqa: ARG002
        return "h"

    async def employee_of(self, agent: str, field: str = "agentId") -> tuple[str, str]:  # noqa: ARG002
        return "E1", "h"

    async def volunteer_of(self, volunteer: str, field: str = "volunteerId") -> tuple[str, str]:  # noqa: ARG002
        return "h", "V1"


async def _run_here(call: Callable[[], T]) -> T:
    return call()


def _caller() -> OfflineCaller:
    principal = Principal(subject="S1", role=Role.SUPERVISOR, house="h")
    return OfflineCaller(principal, cast("Dar", Anything()), _run_here)


def _sample(kind: object) -> object:
    if isinstance(kind, StrawberryOptional):
        return _sample(kind.of_type)
    if isinstance(kind, StrawberryList):
        return [_sample(kind.of_type)]
    if isinstance(kind, StrawberryEnumDefinition):
        return next(iter(kind.wrapped_cls))
    if hasattr(kind, "__strawberry_definition__"):  # an input nested in an input
        return _filled(cast("type", kind))
    return SAMPLES[kind]


def _filled(input_type: type) -> Any:
    definition = input_type.__strawberry_definition__  # type: ignore[attr-defined]
    return input_type(**{f.python_name: _sample(f.type) for f in definition.fields})


def _conforms(value: object, hint: object) -> bool:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_conforms(value, arm) for arm in get_args(hint))
    if origin is tuple:
        return isinstance(value, tuple) and all(_conforms(v, get_args(hint)[0]) for v in value)
    if hint is type(None):
        return value is None
    return isinstance(value, cast("type", origin or hint))


def _mutation_inputs() -> dict[str, type]:
    schema = build_schema(Settings())
    mutation = schema.get_type_by_name("Mutation")
    assert mutation is not None
    return {
        field.python_name: cast("type", field.arguments[0].type)
        for field in mutation.fields  # type: ignore[union-attr]
    }


INPUTS = _mutation_inputs()


def _command_of(input_type: type) -> Command:
    submission = asyncio.run(_filled(input_type).to_command(_caller()))
    return cast("Command", submission.command)


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_each_mutation_input_builds_a_command_of_the_declared_types(name: str) -> None:
    command = _command_of(INPUTS[name])
    hints = get_type_hints(type(command))
    wrong = {
        f.name: getattr(command, f.name)
        for f in dataclasses.fields(command)
        if not _conforms(getattr(command, f.name), hints[f.name])
    }
    assert wrong == {}, f"{type(command).__name__}: values not of the declared types"


def test_there_are_mutations_to_check() -> None:
    assert len(INPUTS) > 40


@dataclasses.dataclass(frozen=True)
class Rename(Command):
    code: str
    name_fr: str


@strawberry.input
class MisnamedInput:
    command_id: str
    code: str
    name_fir: str


@strawberry.input
class WellNamedInput:
    command_id: str
    code: str
    name_fr: str
    tags: list[str]


def test_a_command_field_the_input_misnames_is_an_error() -> None:
    misnamed = MisnamedInput(command_id="k-1", code="ariana", name_fir="Ariana")
    with pytest.raises(TypeError, match=r"Rename\.name_fr: neither in MisnamedInput nor given"):
        _caller().command(Rename, misnamed)


def test_a_field_given_explicitly_completes_the_command() -> None:
    misnamed = MisnamedInput(command_id="k-1", code="ariana", name_fir="Ariana")
    command = _caller().command(Rename, misnamed, name_fr=misnamed.name_fir)
    assert command == Rename("k-1", "supervisor:S1", "ariana", "Ariana")


def test_same_named_fields_key_and_actor_come_from_the_input_and_the_caller() -> None:
    given = WellNamedInput(command_id="k-2", code="ariana", name_fr="Ariana", tags=["a"])
    assert _caller().command(Rename, given) == Rename("k-2", "supervisor:S1", "ariana", "Ariana")
