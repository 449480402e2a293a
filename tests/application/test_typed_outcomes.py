"""A command's outcome is a typed value, recorded as text and read back as its type on a retry."""

from __future__ import annotations

from uuid import UUID

import pytest

from api.bootstrap import Dar
from application.houses.commands import HouseChanged, RegisterHouse
from application.store import Outcome, recorded, restored
from domain.houses.house import house_id


def register(command_id: str = "h-1") -> RegisterHouse:
    return RegisterHouse(
        command_id=command_id,
        actor="admin:1",
        code="haidra",
        name_ar="دار الخدمات بحيدرة",
        name_fr="Maison de services de Haidra",
        municipality="Haidra",
        governorate="Kasserine",
    )


def test_a_retried_command_answers_its_first_outcome_as_its_type(dar: Dar) -> None:
    first = dar.houses.register_house(register())
    again = dar.houses.register_house(register())
    assert (first.replayed, again.replayed) == (False, True)
    assert again.value == first.value == HouseChanged(house_id("haidra"))
    assert isinstance(again.value.house_id, UUID)


def test_the_command_log_keeps_the_value_as_text_under_its_field_names() -> None:
    value = HouseChanged(house_id("haidra"))
    assert recorded(value) == {"house_id": str(house_id("haidra"))}
    assert restored(HouseChanged, recorded(value)) == value
    assert Outcome(position=3, value=value).values == recorded(value)


def test_an_outcome_of_no_declared_shape_is_refused() -> None:
    with pytest.raises(TypeError, match="dataclass"):
        recorded(object())
