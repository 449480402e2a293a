"""After `eraseCitizen`, nothing Dar stores decodes to that citizen's data; others still read.

The same scan first finds the citizen's CIN and name (so it is proven to see them), on both stores.
"""

from __future__ import annotations

import pytest

from api.bootstrap import Dar
from application.citizens.commands import EraseCitizen, GrantMandate
from tests.support.citizens import agent, register
from tests.support.clock import TestClock
from tests.support.erasure_scan import ErasureScan, Found
from tests.support.spec import Scenario

ERASED_CIN, ERASED_NAME, ERASED_PHONE = "04417263", "Hedia Gharbi", "+21655103948"
KEPT_CIN, KEPT_NAME = "09185530", "Mongi Ayari"


def traces(dar: Dar, found: Found) -> dict[str, list[str]]:
    hashed = dar.vault.crypto.index_hash(f"cin:{ERASED_CIN}")
    return {
        "cin": found.contains(ERASED_CIN),
        "name": found.contains(ERASED_NAME),
        "phone": found.contains(ERASED_PHONE),
        "index": ["vault index"] if hashed in found.index_hashes else [],
    }


@pytest.fixture
def history(dar: Dar, clock: TestClock) -> Dar:
    Scenario(dar, clock).given("delegation/haidra_staffed.yaml").at("day 2 09:00")
    erased = register(dar, ERASED_CIN, ERASED_NAME, phone=ERASED_PHONE)
    kept = register(dar, KEPT_CIN, KEPT_NAME)
    for citizen in (erased, kept):
        dar.citizens.grant_mandate(
            GrantMandate(
                command_id=f"mandate-{citizen}",
                actor="agent:A17",
                citizen_id=citizen,
                house_code="haidra",
                scopes=("partner:STEG",),
                duration="1m",
                consent_kind="paper_form",
                consent_reference="F-77",
            )
        )
        dar.citizens.read(citizen, "counter_service", agent("A17"))
    dar.projections.prepare()
    dar.projections.catch_up()
    dar.__dict__["_erased"] = erased
    dar.__dict__["_kept"] = kept
    return dar


def test_the_scan_sees_the_citizen_before_erasure(history: Dar) -> None:
    found = ErasureScan(history).run()
    seen = traces(history, found)
    assert all(seen.values()), seen
    assert history.__dict__["_erased"] in found.keyed_citizens
    assert found.sealed_unopened == 0


def test_after_erasure_the_scan_finds_no_trace_and_the_other_citizen_still_reads(
    history: Dar,
) -> None:
    erased, kept = history.__dict__["_erased"], history.__dict__["_kept"]
    history.citizens.erase_citizen(
        EraseCitizen(command_id="erase", actor="admin:1", citizen_id=erased, reason="request")
    )
    history.citizens.read(erased, "data_subject_rights", agent("A17"))  # reads as erased
    history.projections.catch_up()
    found = ErasureScan(history).run()
    assert traces(history, found) == {"cin": [], "name": [], "phone": [], "index": []}
    assert erased not in found.keyed_citizens
    assert found.sealed_unopened == 3  # the erased citizen's name, CIN and phone: ciphertext only
    assert found.contains(KEPT_CIN)
    assert found.contains(KEPT_NAME)
    assert history.citizens.read(kept, "counter_service", agent("A17")).values["name"] == KEPT_NAME
