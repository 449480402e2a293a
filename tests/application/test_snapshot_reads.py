"""A load looks for a snapshot only when the class it expects is ever snapshotted (both stores)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from api.bootstrap import Dar
from application.houses.commands import RegisterHouse
from application.partners.commands import RegisterPartner
from domain.houses.house import House, house_id
from domain.partners.partner import Partner, partner_id


@contextmanager
def snapshot_reads(dar: Dar) -> Iterator[list[UUID]]:
    """The ids whose snapshot the store reads while the block runs."""
    read: list[UUID] = []
    recorder: Any = dar.store.snapshots.recorder  # type: ignore[union-attr]
    original = recorder.select_events

    def select_events(originator_id: UUID, **kwargs: Any) -> Any:
        read.append(originator_id)
        return original(originator_id, **kwargs)

    recorder.select_events = select_events
    try:
        yield read
    finally:
        del recorder.select_events


def test_a_partner_is_loaded_without_looking_for_a_snapshot_and_a_house_with(dar: Dar) -> None:
    dar.partners.register_partner(RegisterPartner("k1", "admin:1", "STEG", "الستاغ", "STEG"))
    dar.houses.register_house(
        RegisterHouse("k2", "admin:1", "haidra", "دار حيدرة", "Haidra", "Haidra", "Kasserine")
    )
    with snapshot_reads(dar) as read:
        partner = dar.store.find(partner_id("STEG"), Partner)
        house = dar.store.load(house_id("haidra"), House, "house")
        assert dar.store.find(partner_id("STEG"), House) is None  # replayed, not a house
        assert dar.store.find(house_id("haidra"), Partner) is None
    assert partner is not None
    assert partner.code == "STEG"
    assert house.id == house_id("haidra")
    assert read == [house_id("haidra"), partner_id("STEG")]
