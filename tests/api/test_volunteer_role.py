"""The `volunteer` role reaches only the inclusion operations of its own house.

Enumerated from the live schema: every other operation but the reference data is refused to a
registered volunteer (never a citizen's file, a counter, a request or a payment), and nothing is
written; a volunteer of another house sees nothing of Haidra's calendar and cannot act there; a
deactivated volunteer's token is refused.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from api.auth import Role, TokenService
from api.graphql.access import declared_roles
from api.graphql.schema import build_schema
from domain.houses.house import house_id
from infrastructure.settings import Settings
from tests.api.test_role_matrix import SAMPLES
from tests.support.api import error_codes, graphql
from tests.support.inclusion import (
    deactivate_volunteer,
    register_volunteer,
    schedule,
    volunteer_token,
)
from tests.support.staff import ensure_house

INCLUSION = frozenset(
    {
        "inclusionCalendar",
        "inclusionVolunteers",
        "scheduleSession",
        "enrollParticipant",
        "recordAttendance",
        "cancelSession",
        "recordMilestone",
    }
)
REFERENCE = frozenset(
    {"partners", "partner", "catalogue", "position", "partnersChanged", "calledTickets"}
)


def test_the_schema_opens_to_volunteers_only_inclusion_and_reference_data(
    api_settings: Settings,
) -> None:
    declared = declared_roles(build_schema(api_settings))
    open_to_volunteers = {n for n, roles in declared.items() if roles and Role.VOLUNTEER in roles}
    assert open_to_volunteers == INCLUSION | REFERENCE


def test_a_volunteer_is_refused_every_other_operation_and_nothing_is_written(
    client: TestClient, api_settings: Settings
) -> None:
    dar = client.app.state.dar  # type: ignore[attr-defined]
    token = volunteer_token(dar, api_settings)
    before = dar.store.position()
    refused = sorted(set(SAMPLES) - INCLUSION - REFERENCE)
    assert len(refused) > 60
    for name in refused:
        codes = error_codes(graphql(client, SAMPLES[name], token=token))
        assert codes == ["FORBIDDEN"], (name, codes)
    assert dar.store.position() == before


def test_a_volunteer_of_another_house_sees_and_does_nothing_there(
    client: TestClient, api_settings: Settings
) -> None:
    dar = client.app.state.dar  # type: ignore[attr-defined]
    register_volunteer(dar)
    session = schedule(dar, dar.clock.now())
    ensure_house(dar, "thala")
    from application.inclusion.commands import RegisterVolunteer  # noqa: PLC0415
    from domain.inclusion.values import Topic  # noqa: PLC0415

    dar.inclusion.register_volunteer(
        RegisterVolunteer("thala-v", "admin:1", "thala", "V-900", "T", "A", (Topic.E_PAYMENT,))
    )
    thala = TokenService(api_settings).mint("V-900", Role.VOLUNTEER, house="thala")
    haidra = house_id("haidra")
    day = dar.clock.now().date().isoformat()
    calendar = graphql(
        client,
        f'{{ inclusionCalendar(houseId: "{haidra}", from: "{day}", to: "{day}") {{ id }} }}',
        token=thala,
    )
    assert error_codes(calendar) == ["NOT_FOUND"]
    before = dar.store.position()
    for document in (
        (
            f'mutation {{ enrollParticipant(input: {{commandId: "x1", sessionId: "{session}"}}) '
            "{ id } }"
        ),
        (
            f'mutation {{ cancelSession(input: {{commandId: "x2", sessionId: "{session}", '
            'reason: "r"}) { id } }'
        ),
    ):
        assert error_codes(graphql(client, document, token=thala)) == ["NOT_FOUND"]
    assert dar.store.position() == before


def test_a_deactivated_volunteers_token_is_refused(
    client: TestClient, api_settings: Settings
) -> None:
    dar = client.app.state.dar  # type: ignore[attr-defined]
    token = volunteer_token(dar, api_settings)
    day = (dar.clock.now() + timedelta(days=1)).date().isoformat()
    query = f'{{ inclusionCalendar(houseId: "{house_id("haidra")}", from: "{day}", to: "{day}") {{ id }} }}'
    assert error_codes(graphql(client, query, token=token)) == []
    deactivate_volunteer(dar)
    response = client.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]
