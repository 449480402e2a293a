"""The hash chain: each kind of tampering by the database owner is found at its first position.

By `verify` over the store, by `dar audit verify`, and by the reference verifier
(tools/verify_export.py, standard library only) on an export, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from api.audit_cli import verify_store
from api.bootstrap import Dar, bootstrap
from application.citizens.commands import EraseCitizen
from application.partners.commands import RegisterPartner
from infrastructure.audit.chain import Checkpoint, StoredRow, chain_hashes
from infrastructure.eventstore.pg_setup import setup_database
from infrastructure.settings import Settings
from tests.support.audit import Owner, reference_verifier, run_dar
from tests.support.citizens import register
from tests.support.clock import TestClock
from tests.support.postgres import PostgresServer
from tests.support.spec import Scenario

EVENTS = 6
CODES = ("STEG", "SONEDE", "CNAM", "CNSS", "CNRPS", "ONP")


def change_payload(owner: Owner) -> None:
    owner.alter_payload(3)


def delete_event(owner: Owner) -> None:
    owner.run((f"DELETE FROM {owner.events} WHERE {owner.pos} = 3", ()))


def insert_event(owner: Owner) -> None:
    """A forged event slipped in at position 4, the later ones moved up to make room."""
    e, p = owner.events, owner.pos
    owner.without_chaining(
        (f"UPDATE {e} SET {p} = {p} + 100 WHERE {p} >= 4", ()),
        (f"UPDATE {e} SET {p} = {p} - 99 WHERE {p} >= 100", ()),
        (
            (
                f"INSERT INTO {e} ({p}, originator_id, originator_version, topic, state) "
                f"SELECT 4, originator_id, 2, topic, state FROM {e} WHERE {p} = 2"
            ),
            (),
        ),
    )


def swap_events(owner: Owner) -> None:
    owner.run(owner.move(2, 1000), owner.move(4, 2), owner.move(1000, 4))


def cut_tail(owner: Owner) -> None:
    owner.run(
        (f"DELETE FROM {owner.events} WHERE {owner.pos} >= 5", ()),
        (f"DELETE FROM {owner.chain} WHERE position >= 5", ()),
    )


def rewrite_chain(owner: Owner) -> None:
    """The payload at 3 changed, and every hash from 3 recomputed to match."""
    change_payload(owner)
    [(before,)] = owner.run((f"SELECT hash FROM {owner.chain} WHERE position = 2", ()))
    rows = owner.run(
        (
            (
                f"SELECT {owner.pos}, originator_id, originator_version, topic, state "
                f"FROM {owner.events} WHERE {owner.pos} >= 3 ORDER BY {owner.pos}"
            ),
            (),
        )
    )
    stored = [StoredRow(r[0], _uuid_bytes(r[1]), r[2], r[3], bytes(r[4])) for r in rows]
    owner.run(
        (f"DELETE FROM {owner.chain} WHERE position >= 3", ()),
        *[
            (f"INSERT INTO {owner.chain} (position, hash) VALUES (?, ?)", (n, h))
            for n, h in chain_hashes(bytes(before), stored)
        ],
    )


def _uuid_bytes(value: Any) -> bytes:
    return bytes(value.bytes) if hasattr(value, "bytes") else bytes.fromhex(str(value))


# (tampering, first broken position without a checkpoint, with the checkpoint at the head)
CASES: dict[str, tuple[Callable[[Owner], None], int | None, int]] = {
    "changed payload": (change_payload, 3, 3),
    "deleted event": (delete_event, 3, 3),
    "inserted event": (insert_event, 4, 4),
    "swapped events": (swap_events, 2, 2),
    "tail cut off": (cut_tail, None, 5),
    "chain rewritten": (rewrite_chain, None, EVENTS),
}


@pytest.fixture
def logged(store_settings: Settings) -> Settings:
    """A store whose log holds six events (one partner registered each)."""
    dar = bootstrap(store_settings, TestClock())
    for code in CODES:
        dar.partners.register_partner(
            RegisterPartner(
                command_id=code, actor="admin:1", code=code, name_ar="شريك", name_fr=code
            )
        )
    dar.close()
    return store_settings


def test_a_clean_log_verifies_through_its_head(logged: Settings, tmp_path: Path) -> None:
    found = verify_store(logged, [])
    assert found.intact
    assert (found.events, found.head_position) == (EVENTS, EVENTS)
    code, output = run_dar(logged, "audit", "export", "--out", str(tmp_path / "all.jsonl"))
    assert code == 0, output
    assert reference_verifier(tmp_path / "all.jsonl")[0] == 0


@pytest.mark.parametrize("case", CASES)
def test_tampering_is_named_at_its_first_broken_position(
    logged: Settings, tmp_path: Path, case: str
) -> None:
    tamper, without, with_checkpoint = CASES[case]
    checkpoint = tmp_path / "checkpoint.json"
    assert run_dar(logged, "audit", "export-checkpoint", "--out", str(checkpoint))[0] == 0
    tamper(Owner(logged))

    plain = verify_store(logged, []).broken_at
    held = verify_store(logged, [Checkpoint.from_json(checkpoint.read_text())]).broken_at
    assert (plain, held) == (without, with_checkpoint)

    code, output = run_dar(logged, "audit", "verify", "--checkpoint", str(checkpoint))
    assert code == 1
    assert f"broken at position {with_checkpoint}:" in output

    export = tmp_path / "export.jsonl"
    assert run_dar(logged, "audit", "export", "--out", str(export))[0] == 0
    code, output = reference_verifier(export, checkpoint)
    assert code == 1
    assert output.startswith(f"broken at position {with_checkpoint}:"), output


def test_erasing_a_citizen_leaves_the_chain_intact(store_settings: Settings) -> None:
    clock = TestClock()
    dar: Dar = bootstrap(store_settings, clock)
    try:
        Scenario(dar, clock).given("delegation/haidra_staffed.yaml").at("day 2 09:00")
        erased = register(dar, "01234567", "Amel Ben Salah")
        dar.citizens.erase_citizen(
            EraseCitizen(command_id="erase", actor="admin:1", citizen_id=erased, reason="request")
        )
        assert dar.citizens.read(erased, "data_subject_rights", _reader()).erased
    finally:
        dar.close()
    found = verify_store(store_settings, [])
    assert found.intact, found.reason
    assert found.events > EVENTS


def _reader() -> Any:
    from tests.support.citizens import agent  # noqa: PLC0415 - beside its one use

    return agent("A17")


def test_a_checkpoint_file_reads_back_as_written() -> None:
    written = Checkpoint(7, bytes(range(32)), datetime(2026, 1, 5, 9, 30, tzinfo=UTC))
    assert Checkpoint.from_json(written.to_json()) == written
    with pytest.raises(ValueError, match="malformed"):
        Checkpoint.from_json('{"format": "dar-checkpoint/1", "position": 0, "hash": "00"}')


def test_a_store_recorded_before_its_chain_is_chained_once_when_set_up(
    logged: Settings, request: pytest.FixtureRequest
) -> None:
    owner = Owner(logged)
    owner.run((f"DROP TABLE {owner.chain}", ()))
    if owner.postgres:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        setup_database(server.admin_url(), logged)  # `dar db setup`
    else:
        bootstrap(logged, TestClock()).close()  # the embedded store sets itself up at start
    found = verify_store(logged, [])
    assert (found.intact, found.events) == (True, EVENTS)
    tail = owner.run((f"SELECT max(position) FROM {owner.chain}", ()))
    assert tail == [(EVENTS,)]
