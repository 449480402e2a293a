"""Given-when-then over event fixtures: replay a fixture, run one command, compare the new events.

Scenario(dar, clock).given("partners/steg.yaml").when(register_sonede).then("partners/sonede.yaml")
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from api.bootstrap import Dar
from domain.shared.acts import DarAggregate
from infrastructure.fixtures.binding import Symbols, materialise, resolve_value
from infrastructure.fixtures.loader import fixture_time, load_fixture
from infrastructure.fixtures.model import FixtureEvent, Ref
from tests.support.clock import TestClock

FIXTURES = Path(__file__).parent.parent / "fixtures"


def fixture_path(name: str) -> Path:
    """A fixture under tests/fixtures/."""
    return FIXTURES / name


class Scenario:
    """One given-when-then specification against Dar on a real store."""

    def __init__(self, dar: Dar, clock: TestClock) -> None:
        self.dar = dar
        self.clock = clock
        self.symbols = Symbols()
        self.versions: dict[UUID, int] = {}
        self._start = 0
        self._result: object = None
        self._error: BaseException | None = None

    def given(self, *names: str) -> Scenario:
        """Append the fixtures' events to the store, as history."""
        for name in names:
            events = materialise(
                load_fixture(fixture_path(name)), self.symbols, self.versions, self.clock.now()
            )
            if events:
                self.dar.store.save(*events)
        return self

    def given_command(self, action: Callable[[Dar], object]) -> Scenario:
        """Run a command as history (for what fixtures cannot hold, such as sealed values)."""
        start = self.dar.store.position()
        action(self.dar)
        for notification in self.dar.store.recorder.select_notifications(
            start=start, limit=10_000, inclusive_of_start=False
        ):
            event = self.dar.store.mapper.to_domain_event(notification)
            self.versions[event.originator_id] = event.originator_version
        return self

    def at(self, moment: str) -> Scenario:
        """Set the server clock, in fixture time ('day 2 10:30')."""
        self.clock.set(fixture_time(moment))
        return self

    def when(self, action: Callable[[Dar], object]) -> Scenario:
        """Run one command through Dar; its error, if any, is kept for `then_raises`."""
        self._start = self.dar.store.position()
        try:
            self._result = action(self.dar)
        except Exception as error:  # noqa: BLE001 - kept for then_raises to check
            self._error = error
        return self

    @property
    def result(self) -> object:
        """What the command returned."""
        return self._result

    def new_events(self) -> list[DarAggregate.Event]:
        """The events recorded since `when` started."""
        mapper = self.dar.store.mapper
        found: list[DarAggregate.Event] = []
        for notification in self.dar.store.recorder.select_notifications(
            start=self._start, limit=10_000, inclusive_of_start=False
        ):
            event = mapper.to_domain_event(notification)
            assert isinstance(event, DarAggregate.Event), event
            found.append(event)
        return found

    def then(self, name: str) -> Scenario:
        """The command succeeded and recorded exactly the fixture's events."""
        if self._error is not None:
            raise AssertionError(f"the command failed: {self._error!r}") from self._error
        expected = load_fixture(fixture_path(name))
        actual = self.new_events()
        problems = self._compare(expected, actual)
        if problems:
            raise AssertionError("\n".join(problems))
        return self

    def then_raises(self, error_type: type[BaseException]) -> BaseException:
        """The command failed with `error_type` and recorded nothing."""
        if not isinstance(self._error, error_type):
            raise AssertionError(f"expected {error_type.__name__}, got {self._error!r}")  # noqa: TRY004 - a failed expectation
        assert self.new_events() == [], "a refused command recorded events"
        return self._error

    def _compare(self, expected: list[FixtureEvent], actual: list[DarAggregate.Event]) -> list[str]:
        if len(expected) != len(actual):
            names = [type(e).__qualname__ for e in actual]
            return [f"expected {len(expected)} new events, got {len(actual)}: {names}"]
        problems: list[str] = []
        for want, got in zip(expected, actual, strict=True):
            problems.extend(self._compare_one(want, got))
        return problems

    def _compare_one(self, want: FixtureEvent, got: DarAggregate.Event) -> list[str]:
        where = f"{want.source}:{want.line}"
        if type(got) is not want.event_class:
            return [f"{where}: expected {want.type_name}, got {type(got).__qualname__}"]
        problems: list[str] = []
        if not self.symbols.matches(want.subject, got.originator_id):
            name = self.symbols.name_of(got.originator_id)
            problems.append(f"{where}: id: expected {want.subject.symbol}, got {name}")
        version = self.versions.get(got.originator_id, 0) + 1
        self.versions[got.originator_id] = version
        if got.originator_version != version:
            problems.append(f"{where}: version: expected {version}, got {got.originator_version}")
        if got.actor != want.actor:
            problems.append(f"{where}: actor: expected {want.actor!r}, got {got.actor!r}")
        if want.command_id is not None and got.command_id != want.command_id:
            problems.append(f"{where}: command: expected {want.command_id}, got {got.command_id}")
        if want.at is not None and got.timestamp != want.at:
            problems.append(f"{where}: at: expected {want.at}, got {got.timestamp}")
        for field, value in want.fields.items():
            problems.extend(self._compare_field(want, field, value, getattr(got, field)))
        return problems

    def _compare_field(
        self,
        want: FixtureEvent,
        field: str,
        value: Any,
        actual: Any,
    ) -> list[str]:
        where = f"{want.source}:{want.field_lines[field]}"
        if isinstance(value, Ref) and isinstance(actual, UUID):
            if self.symbols.matches(value, actual):
                return []
            return [f"{where}: {field}: expected {value.symbol}, got {actual}"]
        expected = resolve_value(value, self.symbols)
        if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
            expected, actual = list(expected), list(actual)  # JSON keeps tuples as lists
        if expected != actual:
            return [f"{where}: {field}: expected {value!r}, got {actual!r}"]
        return []
