"""The partners read model, built in batches with its tracking position, on both stores."""

from __future__ import annotations

from api.bootstrap import Dar
from application.partners.commands import RenamePartner
from infrastructure.reference import load_reference_partners
from tests.support.clock import TestClock
from tests.support.spec import Scenario


def test_catching_up_projects_every_partner_once(dar: Dar) -> None:
    load_reference_partners(dar.partners)
    dar.projections.prepare()
    assert dar.projections.catch_up() == 9 * len(dar.read.tracking_keys())  # every read model
    assert dar.projections.catch_up() == 0
    rows = dar.read.partners.list(limit=100)
    assert [r.code for r in rows] == sorted(r.code for r in rows)
    assert len(rows) == 9
    assert dar.read.db.tracked(dar.read.partners_key) == dar.store.position() == 9


def test_renaming_updates_the_row(dar: Dar, clock: TestClock) -> None:
    Scenario(dar, clock).given("partners/steg_registered.yaml")
    dar.partners.rename_partner(
        RenamePartner(
            command_id="r", actor="admin:1", code="STEG", name_ar="الستاغ", name_fr="STEG"
        )
    )
    dar.projections.prepare()
    dar.projections.catch_up()
    row = dar.read.partners.by_code("STEG")
    assert row is not None
    assert (row.name_ar, row.name_fr, row.position) == ("الستاغ", "STEG", 2)


def test_pages_follow_the_codes(dar: Dar) -> None:
    load_reference_partners(dar.partners)
    dar.projections.prepare()
    dar.projections.catch_up()
    first = dar.read.partners.list(limit=4)
    rest = dar.read.partners.list(limit=100, after_code=first[-1].code)
    assert len(first) == 4
    assert len(rest) == 5
    assert {r.code for r in first}.isdisjoint({r.code for r in rest})


def test_a_running_follower_applies_new_events(dar: Dar) -> None:
    dar.projections.start()
    load_reference_partners(dar.partners)
    for _ in range(200):
        if dar.read.db.tracked(dar.read.partners_key) == 9:
            break
        dar.new_events.wait(0.05)
    assert dar.read.db.tracked(dar.read.partners_key) == 9
    assert dar.projections.failures() == {}
