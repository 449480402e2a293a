"""How far `PastStates` replays: once a long history is read, no later read replays far.

A read finding no kept state or snapshot within 20 versions replays the aggregate to its last
event once, keeping a state every 20 versions; every later read, at any version, then replays
fewer than 20 events. The states read are those of a replay of the first events alone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from eventsourcing.application import project_aggregate

from api.bootstrap import Dar
from application.audit.past import PastStates
from domain.delegation.grant import CollectionTerms, Convention, DelegationGrant, Validity
from domain.shared.acts import Act

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
EVENTS = 200


def long_grant(dar: Dar) -> DelegationGrant:
    """A grant of EVENTS events, amended back and forth, saved one event at a time."""
    grant = DelegationGrant.grant(
        grant_id=uuid4(),
        partner_id=uuid4(),
        house_id=uuid4(),
        convention=Convention("CONV-1", "1", date(2025, 12, 1)),
        services=frozenset({"BILL_PAYMENT"}),
        validity=Validity(date(2026, 1, 1), date(2026, 12, 31)),
        collection=CollectionTerms(allowed=False, ceiling_millimes=None),
        act=Act(actor="admin:1", command_id="g", at=START),
    )
    dar.store.save(grant)
    for i in range(1, EVENTS):
        change = frozenset({"BILL_DUPLICATE"})
        added, removed = (change, frozenset[str]()) if i % 2 else (frozenset[str](), change)
        at = START + timedelta(minutes=i)
        grant.amend(added, removed, Act(actor="admin:1", command_id=f"a{i}", at=at))
        dar.store.save(grant)
    return grant


def test_after_one_long_replay_no_read_replays_far(
    dar: Dar, monkeypatch: pytest.MonkeyPatch
) -> None:
    grant = long_grant(dar)
    history = list(dar.store.events.get(grant.id))
    replayed: list[int] = []
    get = dar.store.events.get

    def counted(*args: object, **kwargs: object) -> object:
        events = list(get(*args, **kwargs))  # type: ignore[arg-type]
        replayed.append(len(events))
        return iter(events)

    monkeypatch.setattr(dar.store.events, "get", counted)
    past = PastStates(dar.store)

    def state(version: int) -> dict[str, object]:
        return dict(vars(past.get(grant.id, version)))

    assert state(30) == dict(vars(project_aggregate(None, history[:30])))
    assert replayed == [EVENTS]  # no state kept yet: replayed to the last event, once
    for version in (199, 45, 3, 180, 121, 200):
        replayed.clear()
        assert state(version) == dict(vars(project_aggregate(None, history[:version])))
        assert replayed[0] < 20, (version, replayed)
