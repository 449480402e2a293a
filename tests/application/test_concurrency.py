"""Concurrent commands on one store: one winner per aggregate, one outcome per key."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from api.bootstrap import Dar
from application.partners.commands import RegisterPartner
from application.partners.service import PartnerOutcome
from application.store import Outcome
from domain.shared.errors import AlreadyExistsError

THREADS = 6
ARABIC = "الشركة التونسية للكهرباء والغاز"


def race(dar: Dar, make: Callable[[int], RegisterPartner]) -> list[PartnerOutcome | Exception]:
    barrier = Barrier(THREADS)

    def one(i: int) -> PartnerOutcome | Exception:
        barrier.wait()
        try:
            return dar.partners.register_partner(make(i))
        except AlreadyExistsError as error:
            return error

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(one, range(THREADS)))


def test_concurrent_registrations_of_one_code_have_exactly_one_winner(dar: Dar) -> None:
    results = race(
        dar,
        lambda i: RegisterPartner(
            command_id=f"c-{i}", actor=f"admin:{i}", code="STEG", name_ar=ARABIC, name_fr="STEG"
        ),
    )
    winners = [r for r in results if isinstance(r, Outcome)]
    assert len(winners) == 1
    assert sum(isinstance(r, AlreadyExistsError) for r in results) == THREADS - 1
    assert dar.store.position() == 1


def test_concurrent_retries_of_one_command_share_its_single_outcome(dar: Dar) -> None:
    results = race(
        dar,
        lambda _: RegisterPartner(
            command_id="same", actor="admin:1", code="STEG", name_ar=ARABIC, name_fr="STEG"
        ),
    )
    assert all(isinstance(r, Outcome) for r in results), results
    outcomes = {(r.value.partner_id, r.position) for r in results if isinstance(r, Outcome)}
    assert len(outcomes) == 1, results
    assert sum(isinstance(r, Outcome) and not r.replayed for r in results) == 1
    assert dar.store.position() == 1
