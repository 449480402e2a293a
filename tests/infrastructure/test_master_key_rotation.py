"""`dar vault rotate-master-key`: every live key and index row moved to the new master key.

What an old copy holds (backup, WAL, a stolen file) then no longer opens with the current key.

Run on both stores through the command line, as an operator runs it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from uuid import UUID

import psycopg
import pytest

from api.bootstrap import Dar, bootstrap
from application.citizens.commands import EraseCitizen
from infrastructure.eventstore.factory import is_postgres
from infrastructure.eventstore.pg_setup import vault_schema
from infrastructure.settings import Settings
from infrastructure.vault.crypto import VaultCrypto, VaultIntegrityError
from infrastructure.vault.maintenance import rotate_master_key
from infrastructure.vault.storage import INDEX, IndexEntry, StoredKey
from infrastructure.vault.vault import sqlite_vault_path
from tests.support.citizens import agent, register
from tests.support.clock import TestClock
from tests.support.spec import Scenario
from tests.support.vault import (
    NEW_MASTER_KEY,
    OLD_MASTER_KEY,
    rotated,
    rotating,
    run_dar,
    store_files,
    wrapped_keys,
)

CITIZENS = {"09185530": "Mongi Ayari", "04417263": "Hedia Gharbi", "07731904": "Sonia Trabelsi"}
ERASED_CIN = "07731904"
ROTATED = f"{len(CITIZENS) - 1} keys re-wrapped, {len(CITIZENS) - 1} index rows re-hashed."


@pytest.fixture
def registered(dar: Dar, clock: TestClock) -> dict[str, UUID]:
    """Three citizens under the old master key; the last one erased."""
    Scenario(dar, clock).given("delegation/haidra_staffed.yaml").at("day 2 09:00")
    ids = {cin: register(dar, cin, name) for cin, name in CITIZENS.items()}
    dar.citizens.erase_citizen(
        EraseCitizen(
            command_id="erase", actor="admin:1", citizen_id=ids[ERASED_CIN], reason="request"
        )
    )
    return ids


@pytest.fixture
def after_rotation(store_settings: Settings, clock: TestClock) -> Iterator[Dar]:
    """Dar configured with the new master key alone (the old one removed)."""
    dar = bootstrap(rotated(store_settings), clock, projector=False)
    yield dar
    dar.close()


def reads_everyone(dar: Dar, ids: dict[str, UUID]) -> None:
    """Every live citizen reads and is found by document; the erased one stays erased."""
    for cin, name in CITIZENS.items():
        file = dar.citizens.find_by_document("cin", cin, "counter_service", agent("A17"))
        shown = dar.citizens.read(ids[cin], "counter_service", agent("A17"))
        if cin == ERASED_CIN:
            assert file is None
            assert shown.erased
            assert "name" not in shown.values
        else:
            assert file is not None
            assert file.citizen_id == ids[cin]
            assert shown.values["name"] == name


def test_after_rotation_a_key_copied_before_no_longer_opens_and_every_live_citizen_still_reads(
    dar: Dar,
    registered: dict[str, UUID],
    store_settings: Settings,
    request: pytest.FixtureRequest,
) -> None:
    copied = wrapped_keys(dar)
    result = run_dar(rotating(store_settings), "vault", "rotate-master-key")
    assert result.exit_code == 0, result.output
    assert ROTATED in result.output

    rotated_dar = request.getfixturevalue("after_rotation")
    reads_everyone(rotated_dar, registered)
    now, files = wrapped_keys(rotated_dar), store_files(request, store_settings)
    for citizen, old_copy in copied.items():
        with pytest.raises(VaultIntegrityError):
            VaultCrypto(NEW_MASTER_KEY).unwrap(citizen, old_copy)
        with pytest.raises(VaultIntegrityError):
            VaultCrypto(OLD_MASTER_KEY).unwrap(citizen, now[citizen])
        assert files.holding(old_copy) == [], "the rotation's vacuum leaves no old copy"
    old_hashes = [VaultCrypto(OLD_MASTER_KEY).index_hash(f"cin:{cin}") for cin in CITIZENS]
    assert all(files.holding(h.encode()) == [] for h in old_hashes)


@pytest.mark.usefixtures("registered")
def test_a_second_rotation_changes_nothing(dar: Dar, store_settings: Settings) -> None:
    assert run_dar(rotating(store_settings), "vault", "rotate-master-key").exit_code == 0
    before = wrapped_keys(dar)
    again = run_dar(rotating(store_settings), "vault", "rotate-master-key")
    assert again.exit_code == 0, again.output
    assert "0 keys re-wrapped, 0 index rows re-hashed." in again.output
    assert wrapped_keys(dar) == before


class CrashedError(Exception):
    """The rotation process dies."""


def test_an_interrupted_rotation_leaves_everyone_readable_and_a_second_run_finishes(
    dar: Dar,
    registered: dict[str, UUID],
    store_settings: Settings,
    clock: TestClock,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    during = bootstrap(rotating(store_settings), clock, projector=False)
    request.addfinalizer(during.close)
    swap = during.vault.storage.replace_key
    swapped: list[UUID] = []

    def crash_after_one(citizen_id: UUID, old: bytes, new: StoredKey) -> bool:
        if swapped:
            raise CrashedError
        swapped.append(citizen_id)
        return swap(citizen_id, old, new)

    monkeypatch.setattr(during.vault.storage, "replace_key", crash_after_one)
    with pytest.raises(CrashedError):
        rotate_master_key(during.vault)
    monkeypatch.undo()
    left = during.vault.storage.keys_not_under(during.vault.crypto.key_id, None, 10)
    assert [citizen for citizen, _ in left] != swapped
    assert len(left) == 1, "one key re-wrapped, one left under the old master key"
    reads_everyone(during, registered)
    late_old = register(dar, "05550123", "Amel Ben Salah")  # a process not restarted yet
    late_new = register(during, "05550124", "Karim Jaziri")  # a process restarted already

    result = run_dar(rotating(store_settings), "vault", "rotate-master-key")
    assert result.exit_code == 0, result.output
    assert "2 keys re-wrapped, 3 index rows re-hashed." in result.output
    rotated_dar = request.getfixturevalue("after_rotation")
    reads_everyone(rotated_dar, registered)
    for citizen, name in ((late_old, "Amel Ben Salah"), (late_new, "Karim Jaziri")):
        shown = rotated_dar.citizens.read(citizen, "counter_service", agent("A17"))
        assert shown.values["name"] == name


def test_without_the_retired_key_the_rotation_refuses_and_changes_nothing(
    dar: Dar, registered: dict[str, UUID], store_settings: Settings
) -> None:
    before = wrapped_keys(dar)
    result = run_dar(rotated(store_settings), "vault", "rotate-master-key")
    assert result.exit_code != 0
    assert wrapped_keys(dar) == before
    assert len(before) == len(registered) - 1


def test_a_citizen_erased_while_the_rotation_runs_stays_erased(
    registered: dict[str, UUID],
    store_settings: Settings,
    clock: TestClock,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    during = bootstrap(rotating(store_settings), clock, projector=False)
    request.addfinalizer(during.close)
    swap, target = during.vault.storage.replace_key, registered["09185530"]

    def erase_first(citizen_id: UUID, old: bytes, new: StoredKey) -> bool:
        if citizen_id == target:
            during.citizens.erase_citizen(
                EraseCitizen(command_id="e2", actor="admin:1", citizen_id=target, reason="asked")
            )
        return swap(citizen_id, old, new)

    monkeypatch.setattr(during.vault.storage, "replace_key", erase_first)
    rotation = rotate_master_key(during.vault)

    assert (rotation.rewrapped, rotation.rehashed, rotation.complete) == (1, 1, True)
    assert not during.vault.has_key(target)
    assert (
        during.citizens.find_by_document("cin", "09185530", "counter_service", agent("A17")) is None
    )
    assert during.citizens.read(target, "counter_service", agent("A17")).erased


def test_an_index_row_without_a_sealed_lookup_keeps_the_old_key_from_being_declared_retired(
    dar: Dar, registered: dict[str, UUID], store_settings: Settings
) -> None:
    legacy = IndexEntry(
        "a-row-indexed-before-lookups-were-sealed", registered["04417263"], None, None
    )
    dar.vault.storage.claim(legacy)
    result = run_dar(rotating(store_settings), "vault", "rotate-master-key")
    assert result.exit_code == 1
    assert "1 index rows predate sealed lookups" in result.output
    assert "Remove the old key" not in result.output


def forget_sealed_lookups(settings: Settings) -> None:
    """Make every index row as a vault made before lookups were sealed left it."""
    statement = f"UPDATE {{}}{INDEX} SET sealed_lookup = NULL"
    if is_postgres(settings.database_url):
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(statement.format(f"{vault_schema(settings)}.").encode())
        return
    with closing(sqlite3.connect(sqlite_vault_path(settings), isolation_level=None)) as conn:
        conn.execute(statement.format(""))


def test_reindex_seals_the_lookups_of_rows_made_before_and_the_rotation_then_completes(
    dar: Dar,
    registered: dict[str, UUID],
    store_settings: Settings,
    request: pytest.FixtureRequest,
) -> None:
    forget_sealed_lookups(store_settings)
    assert dar.vault.storage.unsealed_index_rows() == len(registered) - 1
    copied = wrapped_keys(dar)
    refused = run_dar(rotating(store_settings), "vault", "rotate-master-key")
    assert refused.exit_code == 1, refused.output  # the keys are re-wrapped, the rows cannot be
    assert "run dar vault reindex" in refused.output

    done = run_dar(rotating(store_settings), "vault", "reindex")  # as the operator is configured
    assert done.exit_code == 0, done.output
    assert f"{len(registered) - 1} index rows given a sealed lookup." in done.output
    assert dar.vault.storage.unsealed_index_rows() == 0
    result = run_dar(rotating(store_settings), "vault", "rotate-master-key")
    assert result.exit_code == 0, result.output
    assert f"0 keys re-wrapped, {len(registered) - 1} index rows re-hashed." in result.output
    assert "Remove the old key" in result.output

    rotated_dar = request.getfixturevalue("after_rotation")
    reads_everyone(rotated_dar, registered)
    now = wrapped_keys(rotated_dar)
    for citizen, old_copy in copied.items():
        with pytest.raises(VaultIntegrityError):
            VaultCrypto(OLD_MASTER_KEY).unwrap(citizen, now[citizen])
        with pytest.raises(VaultIntegrityError):
            VaultCrypto(NEW_MASTER_KEY).unwrap(citizen, old_copy)


def test_reindex_leaves_a_row_whose_hash_no_registered_document_gives(
    dar: Dar, registered: dict[str, UUID], store_settings: Settings
) -> None:
    forged = IndexEntry("a-hash-of-some-other-document", registered["04417263"], None, None)
    dar.vault.storage.claim(forged)
    done = run_dar(store_settings, "vault", "reindex")
    assert done.exit_code == 1, done.output
    assert "1 index rows match no registered citizen's document" in done.output
    [left] = dar.vault.storage.unsealed_index(None, 10)
    assert left.lookup_hash == forged.lookup_hash
    assert dar.vault.storage.unsealed_index_rows() == 1
