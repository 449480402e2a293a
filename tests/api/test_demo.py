"""The development demo: recorded once through the ordinary commands, replayed after that."""

from __future__ import annotations

from api.bootstrap import bootstrap
from api.cli import prepare
from application.houses.commands import RegisterHouse
from domain.inclusion.values import Topic
from infrastructure.settings import Settings


def test_the_demo_house_is_ready_to_take_payments_and_is_recorded_once(
    store_settings: Settings,
) -> None:
    prepare(store_settings, demo=True)
    dar = bootstrap(store_settings, projector=False)
    try:
        position = dar.store.position()
        permission = dar.policy.may_perform(
            house_code="haidra",
            employee_number="A17",
            partner_code="SONEDE",
            service_code="BILL_PAYMENT",
            amount_millimes=120_000,
        )
        assert permission.agent_id == dar.houses.agent("A17").id
        assert dar.houses.agent("S01").house_id == dar.houses.house("haidra").id
        assert sorted(dar.houses.house("haidra").counters) == [1, 2]
        volunteer = dar.inclusion.volunteer("haidra", "V-017")
        assert volunteer.active
        assert len(volunteer.topics) == len(Topic)
    finally:
        dar.close()
    prepare(store_settings, demo=True)  # again: everything replays
    dar = bootstrap(store_settings, projector=False)
    try:
        assert dar.store.position() == position
    finally:
        dar.close()


def test_the_demo_leaves_what_was_changed_by_hand(store_settings: Settings) -> None:
    dar = bootstrap(store_settings, projector=False)
    try:
        dar.houses.register_house(
            RegisterHouse(
                "by-hand",
                "admin:1",
                code="haidra",
                name_ar="دار الخدمات",
                name_fr="Maison de services",
                municipality="Haidra",
                governorate="Kasserine",
            )
        )
    finally:
        dar.close()
    prepare(store_settings, demo=True)  # the house exists: the rest of the demo is recorded
    dar = bootstrap(store_settings, projector=False)
    try:
        assert dar.houses.house("haidra").names.french == "Maison de services"
        assert dar.houses.agent("A17").house_id == dar.houses.house("haidra").id
    finally:
        dar.close()
