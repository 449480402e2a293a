"""Fixture files are validated on load, with errors that name the file, the line and the field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.partners.partner import Partner
from infrastructure.fixtures.loader import fixture_time, load_fixture
from infrastructure.fixtures.model import FixtureError, Ref
from tests.support.spec import fixture_path


def test_a_valid_fixture_is_read_with_its_symbols_times_and_fields() -> None:
    [event] = load_fixture(fixture_path("partners/steg_registered.yaml"))
    assert event.event_class is Partner.Registered
    assert event.subject == Ref("partner:STEG")
    assert event.at == datetime(2026, 1, 5, 8, 5, tzinfo=UTC)  # 09:05 in Tunis is 08:05 UTC
    assert event.actor == "admin:1"
    assert event.command_id == "reg-steg"
    assert event.fields["name_fr"] == "Société tunisienne de l'électricité et du gaz"
    assert event.line == 3


@pytest.mark.parametrize(
    ("name", "line", "field", "words"),
    [
        ("unknown_field.yaml", 10, "colour", "not a field of Partner.Registered"),
        ("missing_field.yaml", 7, "name_ar", "missing"),
        ("bad_time.yaml", 2, "at", "neither 'day N HH:MM' nor ISO 8601"),
        ("unknown_event.yaml", 4, "event", "unknown event 'Partner.Registred'"),
        ("bad_symbol.yaml", 3, "id", "is not a symbol"),
    ],
)
def test_an_invalid_fixture_is_refused_with_file_line_and_field(
    name: str, line: int, field: str, words: str
) -> None:
    path = fixture_path(f"invalid/{name}")
    with pytest.raises(FixtureError) as caught:
        load_fixture(path)
    assert (caught.value.source, caught.value.line, caught.value.field) == (str(path), line, field)
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"{path}:{line}: {field}: ")


def test_values_are_read_as_written_not_as_yaml_guesses(tmp_path: Path) -> None:
    path = tmp_path / "guess.yaml"
    path.write_text(
        "events:\n"
        "  - {event: Partner.Renamed, id: partner:NO, actor: admin:1,\n"
        "     fields: {name_ar: 'اسم', name_fr: 09:05}}\n",
        encoding="utf-8",
    )
    [event] = load_fixture(path)
    assert event.fields["name_fr"] == "09:05"  # YAML 1.1 would have read 545


def test_broken_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("events:\n  - event: [unclosed\n", encoding="utf-8")
    with pytest.raises(FixtureError, match=r"broken.yaml:\d+: -: not valid YAML"):
        load_fixture(path)


def test_relative_times_are_tunis_local_times_from_the_epoch() -> None:
    assert fixture_time("day 3 14:00") == datetime(2026, 1, 7, 13, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="counted from 1"):
        fixture_time("day 0 09:00")
    with pytest.raises(ValueError, match="offset"):
        fixture_time("2026-01-05T09:00:00")
