"""After an erasure and `dar vault vacuum`, no data file holds the erased key or index hash.

On either store; the scan first finds them, so it is proven to see them.

On PostgreSQL the erasure alone leaves them in the heap file (a dead row version): that is the
defect `dar vault vacuum` repairs, and the test shows it before the vacuum.
"""

from __future__ import annotations

from uuid import UUID

import pytest

from api.bootstrap import Dar
from application.citizens.commands import EraseCitizen
from infrastructure.eventstore.factory import is_postgres
from infrastructure.settings import Settings
from tests.support.citizens import agent, register
from tests.support.clock import TestClock
from tests.support.spec import Scenario
from tests.support.vault import run_dar, store_files, wrapped_keys

ERASED_CIN, KEPT_CIN = "04417263", "09185530"


def erase(dar: Dar, citizen: UUID) -> None:
    dar.citizens.erase_citizen(
        EraseCitizen(command_id="erase", actor="admin:1", citizen_id=citizen, reason="request")
    )


def test_after_erasure_and_vault_vacuum_no_data_file_holds_the_erased_key_or_its_index_hash(
    dar: Dar, store_settings: Settings, clock: TestClock, request: pytest.FixtureRequest
) -> None:
    files = store_files(request, store_settings)
    Scenario(dar, clock).given("delegation/haidra_staffed.yaml").at("day 2 09:00")
    kept = register(dar, KEPT_CIN, "Mongi Ayari")
    erased = register(dar, ERASED_CIN, "Hedia Gharbi")  # last: a plain VACUUM leaves its bytes
    keys = wrapped_keys(dar)
    erased_hash = dar.vault.crypto.index_hash(f"cin:{ERASED_CIN}").encode()
    assert files.holding(keys[erased]), "the scan must see a live wrapped key"
    assert files.holding(erased_hash), "the scan must see a live index hash"

    erase(dar, erased)
    if is_postgres(store_settings.database_url):
        assert files.holding(keys[erased]), "an erased key stays in a dead row version"
    result = run_dar(store_settings, "vault", "vacuum")

    assert result.exit_code == 0, result.output
    assert files.holding(keys[erased]) == []
    assert files.holding(erased_hash) == []
    assert files.holding(keys[kept]), "the other citizen's key is still there"
    assert dar.citizens.read(kept, "counter_service", agent("A17")).values["name"] == "Mongi Ayari"
