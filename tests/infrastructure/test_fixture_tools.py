"""`dar fixtures`: export then load reproduces the read models; load is safe; check names lines.

The round trip records four days at Haidra through the real commands (the shipped scenario's
generator, smaller days), exports the whole log, loads it into a fresh store of the same kind,
and compares every read model's rows, ids mapped through the symbols.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api import scenario_generator
from api.bootstrap import Dar, bootstrap, projections
from api.cli import app
from api.demo import seed_demo
from api.scenario_generator import EPOCH, FirstWeek, ScenarioClock
from api.scenarios import scenario_epoch, scenario_path
from domain.houses.house import house_id
from domain.partners.partner import Partner, partner_id
from infrastructure.eventstore.factory import is_postgres
from infrastructure.fixtures.append import FixtureConflictError, Loaded, load_into
from infrastructure.fixtures.export import Selection, export_fixture, tunis_day_start
from infrastructure.fixtures.loader import fixture_time, read_fixture
from infrastructure.fixtures.model import FixtureError, Ref
from infrastructure.reference import load_reference_partners, load_reference_services
from infrastructure.settings import Settings
from tests.support.api import environment, in_production
from tests.support.clock import TestClock
from tests.support.spec import fixture_path
from tests.support.stores import PostgresDatabases

Rows = dict[str, list[tuple[str, ...]]]
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def fresh_settings(
    store_settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Settings]:
    """A second empty store of the same kind as `store_settings`."""
    if is_postgres(store_settings.database_url):
        databases: PostgresDatabases = request.getfixturevalue("pg_databases")
        settings = databases.create()
        yield settings
        databases.drop(settings)
    else:
        (tmp_path / "fresh").mkdir()
        yield Settings(database_url=f"sqlite:///{tmp_path / 'fresh' / 'dar.sqlite'}")


def contents(dar: Dar) -> Rows:
    """Every row of every read model, as text."""
    found: Rows = {}
    for registered in projections():
        for table in registered.tables:
            with dar.read.db.read() as cur:
                cur.execute(f"SELECT * FROM {dar.read.db.table(table)}")
                found[table] = [tuple(str(v) for v in row) for row in cur.fetchall()]
    return found


def caught_up(dar: Dar) -> Rows:
    """The read models once the projections have applied the whole log."""
    dar.projections.prepare()
    dar.projections.catch_up()
    return contents(dar)


def loaded_and_read(settings: Settings, clock: ScenarioClock, path: Path) -> tuple[Loaded, Rows]:
    """Load the fixture at `path` into the store of `settings`; the load and the read models."""
    target = bootstrap(settings, clock)
    try:
        loaded = load_into(target.store, path, clock.now())
        return loaded, caught_up(target)
    finally:
        target.close()


def mapped(rows: Rows, ids: dict[str, str]) -> Rows:
    """The rows with every id replaced by its counterpart, sorted."""

    def cell(text: str) -> str:
        return _ID.sub(lambda m: ids.get(m.group(0), m.group(0)), text)

    return {t: sorted(tuple(cell(v) for v in row) for row in found) for t, found in rows.items()}


def recorded_days(dar: Dar, clock: ScenarioClock, days: int, week: FirstWeek | None = None) -> None:
    """The demo, then `days` days of the first week, through the commands."""
    load_reference_partners(dar.partners)
    load_reference_services(dar.catalogue)
    seed_demo(dar)
    week = week or FirstWeek(dar, clock)
    week.prepare()
    for day in range(1, days + 1):
        week.day(day)


def test_a_history_exported_then_loaded_into_a_fresh_store_gives_the_same_read_models(
    store_settings: Settings,
    fresh_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(scenario_generator, "FULL_DAY_TICKETS", 10)
    clock = ScenarioClock()
    source = bootstrap(store_settings, clock)
    try:
        recorded_days(source, clock, days=4)
        exported = export_fixture(source.store, Selection())
        expected = caught_up(source)
    finally:
        source.close()
    path = tmp_path / "history.yaml"
    path.write_text(exported.text, encoding="utf-8")
    loaded, found = loaded_and_read(fresh_settings, clock, path)

    # natural keys and uuid: give the same ids in both stores; free symbols get new ones
    free = {old: s for old, s in exported.symbols.items() if ":" not in s}
    ids = {str(old): str(loaded.symbols.resolve(Ref(s))) for old, s in free.items()}
    assert len(ids) > 50
    assert loaded.events == exported.events > 400
    assert sum(len(rows) for rows in expected.values()) > 200
    assert all(expected[t] for t in ("requests_v3", "payments_v1")), sorted(expected)
    assert mapped(expected, ids) == mapped(found, {})


def test_a_fixture_already_loaded_is_not_loaded_again(dar: Dar, clock: TestClock) -> None:
    clock.set(fixture_time("day 30 12:00"))
    path = fixture_path("delegation/haidra_staffed.yaml")
    first = load_into(dar.store, path, clock.now())
    head = dar.store.position()

    again = load_into(dar.store, path, clock.now())

    assert (first.already_loaded, first.events > 0) == (False, True)
    assert (again.already_loaded, again.events, again.position) == (True, 0, head)
    assert dar.store.position() == head


def test_a_fixture_at_odds_with_the_store_is_refused_and_changes_nothing(
    dar: Dar, clock: TestClock, tmp_path: Path
) -> None:
    clock.set(fixture_time("day 30 12:00"))
    load_into(dar.store, fixture_path("partners/steg_registered.yaml"), clock.now())
    head = dar.store.position()
    conflicting = tmp_path / "conflicting.yaml"
    conflicting.write_text(
        "events:\n"
        "  - at: day 1 08:00\n"
        "    event: Partner.Registered\n"
        "    id: partner:SONEDE\n"
        "    actor: admin:1\n"
        "    fields: {code: SONEDE, name_ar: الصوناد, name_fr: SONEDE}\n"
        "  - at: day 1 08:01\n"
        "    event: Partner.Registered\n"
        "    id: partner:STEG\n"
        "    actor: admin:1\n"
        "    fields: {code: STEG, name_ar: الستاغ, name_fr: STEG}\n",
        encoding="utf-8",
    )

    with pytest.raises(FixtureConflictError) as refused:
        load_into(dar.store, conflicting, clock.now())

    message = str(refused.value)
    assert "partner:STEG" in message, message
    assert "at version 1 in the store, the fixture expects 0" in message, message
    assert dar.store.position() == head
    assert dar.store.find(partner_id("SONEDE"), Partner) is None


def test_an_aggregate_continued_without_saying_from_which_version_is_refused(
    dar: Dar, clock: TestClock
) -> None:
    clock.set(fixture_time("day 30 12:00"))
    with pytest.raises(FixtureError) as refused:
        load_into(dar.store, fixture_path("partners/steg_renamed.yaml"), clock.now())

    assert "steg_renamed.yaml:" in str(refused.value)
    assert "id: partner:STEG is not created in this fixture" in str(refused.value)
    assert dar.store.position() == 0


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bad_symbol.yaml", "bad_symbol.yaml:3: id: 'Not A Symbol' is not a symbol"),
        ("bad_time.yaml", "bad_time.yaml:2: at: 'day 1 25:00' is neither"),
        ("missing_field.yaml", "missing_field.yaml:7: name_ar: missing"),
        ("unknown_event.yaml", "unknown_event.yaml:4: event: unknown event 'Partner.Registred'"),
        ("unknown_field.yaml", "unknown_field.yaml:10: colour: not a field of Partner.Registered"),
    ],
)
def test_check_names_the_file_the_line_and_the_field(name: str, expected: str) -> None:
    result = CliRunner().invoke(app, ["fixtures", "check", str(fixture_path(f"invalid/{name}"))])

    assert result.exit_code == 1
    assert expected in result.output, result.output


def test_check_refuses_a_bad_continued_version_and_passes_a_valid_file(tmp_path: Path) -> None:
    bad = tmp_path / "continues.yaml"
    bad.write_text("continues:\n  house:haidra: zero\nevents: []\n", encoding="utf-8")

    refused = CliRunner().invoke(app, ["fixtures", "check", str(bad)])
    passed = CliRunner().invoke(
        app, ["fixtures", "check", str(fixture_path("partners/steg_registered.yaml"))]
    )

    assert refused.exit_code == 1
    assert "continues.yaml:2: house:haidra: 'zero' is not a int" in refused.output
    assert passed.exit_code == 0, passed.output
    assert "1 events, valid" in passed.output


def test_a_houses_later_days_exported_continue_a_copy_of_the_store_taken_before_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--house haidra --from day 3`: what follows a backup of the store, loaded onto it."""
    monkeypatch.setattr(scenario_generator, "FULL_DAY_TICKETS", 6)
    (tmp_path / "live").mkdir()
    live = Settings(database_url=f"sqlite:///{tmp_path / 'live' / 'dar.sqlite'}")
    backup = Settings(database_url=f"sqlite:///{tmp_path / 'backup' / 'dar.sqlite'}")
    clock = ScenarioClock()
    first = bootstrap(live, clock)
    week = FirstWeek(first, clock)
    recorded_days(first, clock, days=0, week=week)
    for day in (1, 2):
        week.day(day)
    first.close()
    shutil.copytree(tmp_path / "live", tmp_path / "backup")
    source = bootstrap(live, clock)
    week.dar = source
    try:
        for day in (3, 4):
            week.day(day)
        selection = Selection(
            house_id=house_id("haidra"), start=tunis_day_start(EPOCH + timedelta(days=2))
        )
        exported = export_fixture(source.store, selection)
        expected = caught_up(source)
    finally:
        source.close()
    path = tmp_path / "days-3-4.yaml"
    path.write_text(exported.text, encoding="utf-8")
    loaded, found = loaded_and_read(backup, clock, path)

    free = {old: s for old, s in exported.symbols.items() if ":" not in s}
    ids = {str(old): str(loaded.symbols.resolve(Ref(s))) for old, s in free.items()}
    assert "continues:" in exported.text
    assert "uuid:" in exported.text  # the citizens and grants recorded before day 3
    assert loaded.events == exported.events > 100
    assert mapped(expected, ids) == mapped(found, {})


def test_the_cli_loads_once_refuses_a_conflict_and_exports_what_it_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAR_DATABASE_URL", f"sqlite:///{tmp_path / 'dar.sqlite'}")
    cli = CliRunner()
    staffed = str(fixture_path("delegation/haidra_staffed.yaml"))
    exported = tmp_path / "haidra.yaml"

    first = cli.invoke(app, ["fixtures", "load", staffed, "--epoch", "2026-02-02"])
    again = cli.invoke(app, ["fixtures", "load", staffed, "--epoch", "2026-02-02"])
    moved = cli.invoke(app, ["fixtures", "load", staffed, "--epoch", "2026-03-02"])
    export = cli.invoke(
        app,
        ["fixtures", "export", "--house", "haidra", "--from", "2026-02-02", "--out", str(exported)],
    )
    check = cli.invoke(app, ["fixtures", "check", str(exported)])

    assert first.exit_code == 0, first.output
    assert "events loaded" in first.output
    assert again.exit_code == 0, again.output
    assert "already loaded" in again.output
    assert moved.exit_code == 1
    assert "is at version" in moved.output, moved.output
    assert "nothing was loaded" in moved.output
    assert export.exit_code == 0, export.output
    assert "epoch: 2026-02-02" in exported.read_text(encoding="utf-8")
    assert check.exit_code == 0, check.output


def test_the_shipped_scenario_follows_the_demo_on_each_store(dar: Dar) -> None:
    """The scenario continues the demo: a change to the demo or the reference data shows here."""
    load_reference_partners(dar.partners)
    load_reference_services(dar.catalogue)
    seed_demo(dar)
    path = scenario_path("haidra-first-week")
    now = datetime.now(tz=UTC)
    epoch = scenario_epoch(path, now)

    loaded = load_into(dar.store, path, now, epoch)

    assert loaded.events == len(read_fixture(path).events) > 1_000
    assert dar.store.position() == loaded.position


def test_the_cli_loads_nothing_into_a_production_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    production = in_production(f"sqlite:///{tmp_path / 'dar.sqlite'}")
    for name, value in environment(production).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DAR_ENVIRONMENT", "production")
    monkeypatch.setenv("DAR_MASTER_KEY", production.master_key.get_secret_value())
    monkeypatch.setenv("DAR_GATEWAY_SECRET", production.gateway_secret.get_secret_value())
    staffed = str(fixture_path("delegation/haidra_staffed.yaml"))

    refused = CliRunner().invoke(app, ["fixtures", "load", staffed])

    assert refused.exit_code == 2
    assert "development stores only" in refused.output
    assert not (tmp_path / "dar.sqlite").exists()
