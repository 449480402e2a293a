"""Money never loses a millime, and reads only the decimal-string form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.shared.errors import ValidationError
from domain.shared.money import MAX_MILLIMES, Money, total

amounts = st.integers(min_value=-MAX_MILLIMES, max_value=MAX_MILLIMES)


@given(st.lists(st.integers(min_value=0, max_value=MAX_MILLIMES // 10_000), max_size=5_000))
def test_sums_of_many_amounts_are_exact(millimes: list[int]) -> None:
    parsed = [Money.parse(str(Money(m))) for m in millimes]
    assert total(parsed).millimes == sum(millimes)


@given(amounts)
def test_the_decimal_form_reads_back_to_the_same_millimes(millimes: int) -> None:
    assert Money.parse(str(Money(millimes)), negative=True) == Money(millimes)


@given(amounts, amounts)
def test_adding_and_subtracting_are_exact(a: int, b: int) -> None:
    if abs(a + b) <= MAX_MILLIMES and abs(a - b) <= MAX_MILLIMES:
        assert (Money(a) + Money(b)).millimes == a + b
        assert (Money(a) - Money(b)).millimes == a - b


@pytest.mark.parametrize(
    ("text", "millimes"),
    [("0", 0), ("0.5", 500), ("0.05", 50), ("12.345", 12_345), ("1000000000", MAX_MILLIMES)],
)
def test_well_formed_amounts_read_exactly(text: str, millimes: int) -> None:
    assert Money.parse(text).millimes == millimes


@pytest.mark.parametrize(
    "text",
    [
        "1e3",
        "1E3",
        "NaN",
        "nan",
        "inf",
        "-1",
        "+1",
        "1.2345",
        "01.5",
        " 1.5",
        "1.5 ",
        "1,5",
        "1 000",
        "",
        "1.",
        ".5",
        "0x10",
        "١٢",  # Arabic-Indic digits: counters type Western digits
        "1000000000.001",
        "99999999999",
    ],
)
def test_every_other_form_is_refused(text: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Money.parse(text)
    assert refused.value.field == "amount"


@pytest.mark.parametrize("value", [12, 12.345, float("nan"), None, True])
def test_numbers_are_refused_whatever_their_value(value: object) -> None:
    with pytest.raises(ValidationError):
        Money.parse(value)  # type: ignore[arg-type]


def test_negatives_only_where_allowed() -> None:
    assert Money.parse("-0.500", negative=True).millimes == -500
    assert str(Money(-500)) == "-0.500"
