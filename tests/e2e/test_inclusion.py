"""Issue 20 through HTTP GraphQL alone, on both stores: a volunteer's week at Haidra.

The admin registers Haidra and its supervisor; the supervisor registers a volunteer; the
volunteer, with their own token, schedules the week's sessions, enrols one anonymous participant
and one citizen by CIN (registered at the counter), records attendance and milestones, and
cancels one session. The house's calendar shows it all, with fill rates; the governance office's
`inclusionStatistics` by governorate and week counts the same week (the sessions on their days, the
milestones on the day they were recorded) and the office cannot read the calendar itself; the
volunteer is refused the citizen's file and the counter, and never sees the CIN or the citizen's
name.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from api.auth import Role, TokenService
from domain.shared.time import TUNIS
from infrastructure.settings import Settings
from tests.support.api import error_codes, graphql, serve, token_for

CIN = "08765432"
NAME = "Mabrouka Hamdi"


def call(client: httpx.Client, token: str, query: str, **variables: object) -> dict[str, Any]:
    body = graphql(client, query, variables, token)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def mutate(
    client: httpx.Client, token: str, operation: str, fields: str = "id position", **values: object
) -> dict[str, Any]:
    kind = operation[0].upper() + operation[1:] + "Input"
    query = f"mutation($input: {kind}!) {{ {operation}(input: $input) {{ {fields} }} }}"
    result: dict[str, Any] = call(client, token, query, input=values)[operation]
    return result


def monday_of_last_week() -> datetime:
    today = datetime.now(TUNIS).replace(hour=9, minute=0, second=0, microsecond=0)
    return today - timedelta(days=today.weekday() + 7)


def setup_house(client: httpx.Client, settings: Settings) -> tuple[str, str]:
    """Haidra, its supervisor S01 and agent A17 (who registers the citizen); their tokens."""
    admin = token_for(settings, Role.ADMIN)
    house = mutate(
        client,
        admin,
        "registerHouse",
        commandId="h1",
        code="haidra",
        nameAr="دار الخدمات بحيدرة",
        nameFr="Maison de services de Haidra",
        municipality="Haidra",
        governorate="Kasserine",
    )["id"]
    for number in ("S01", "A17"):
        mutate(
            client,
            admin,
            "enrollAgent",
            commandId=f"enrol-{number}",
            houseId=house,
            employeeNumber=number,
            displayName=number,
        )
    tokens = TokenService(settings)
    agent = tokens.mint("A17", Role.AGENT, house="haidra")
    mutate(
        client,
        agent,
        "registerCitizen",
        commandId="citizen-1",
        houseId=house,
        name=NAME,
        documentKind="CIN",
        documentNumber=CIN,
    )
    return house, tokens.mint("S01", Role.SUPERVISOR, house="haidra")


def test_a_volunteers_week_at_haidra_shows_in_its_calendar(  # noqa: PLR0915 - one story
    store_settings: Settings, tmp_path: Path
) -> None:
    monday = monday_of_last_week()
    with serve(store_settings, tmp_path) as server, server.client() as client:
        house, supervisor = setup_house(client, store_settings)
        mutate(
            client,
            supervisor,
            "registerVolunteer",
            commandId="v1",
            houseId=house,
            code="V-017",
            displayName="Amel Ben Salah",
            association="Jeunes de Haidra",
            topics=["INTERNET_BASICS", "E_PAYMENT", "MOBILE_ID"],
        )
        volunteer = TokenService(store_settings).mint("V-017", Role.VOLUNTEER, house="haidra")

        def session(key: str, day: int, topic: str, capacity: int) -> str:
            starts = monday + timedelta(days=day)
            return str(
                mutate(
                    client,
                    volunteer,
                    "scheduleSession",
                    commandId=key,
                    houseId=house,
                    room="Salle numérique",
                    topic=topic,
                    format="GROUP",
                    capacity=capacity,
                    startsAt=starts.isoformat(),
                    endsAt=(starts + timedelta(hours=2)).isoformat(),
                )["id"]
            )

        basics = session("s-mon", 0, "INTERNET_BASICS", 4)
        payment = session("s-wed", 2, "E_PAYMENT", 2)
        cancelled = session("s-fri", 4, "MOBILE_ID", 3)

        fields = "id participantId position replayed"
        anonymous = mutate(
            client,
            volunteer,
            "enrollParticipant",
            fields,
            commandId="e1",
            sessionId=basics,
            ageBand="FROM_60",
            gender="FEMALE",
        )
        known = mutate(
            client,
            volunteer,
            "enrollParticipant",
            fields,
            commandId="e2",
            sessionId=basics,
            cin=CIN,
        )
        retry = mutate(
            client,
            volunteer,
            "enrollParticipant",
            fields,
            commandId="e2",
            sessionId=basics,
            cin=CIN,
        )
        assert retry["replayed"] is True
        assert retry["participantId"] == known["participantId"]
        mutate(
            client,
            volunteer,
            "recordAttendance",
            commandId="a1",
            sessionId=basics,
            present=[anonymous["participantId"], known["participantId"]],
        )
        for key, participant in (("e3", anonymous), ("e4", known)):
            mutate(
                client,
                volunteer,
                "enrollParticipant",
                fields,
                commandId=key,
                sessionId=payment,
                participantId=participant["participantId"],
            )
        full = graphql(
            client,
            "mutation($i: EnrollParticipantInput!) { enrollParticipant(input: $i) { id } }",
            {"i": {"commandId": "e5", "sessionId": payment}},
            volunteer,
        )
        assert error_codes(full) == ["SESSION_FULL"]
        mutate(
            client,
            volunteer,
            "recordAttendance",
            commandId="a2",
            sessionId=payment,
            present=[known["participantId"]],
            volunteerMinutes=150,
        )
        for key, participant, milestone in (
            ("m1", known, "FIRST_E_PAYMENT_ALONE"),
            ("m2", anonymous, "FIRST_ONLINE_PROCEDURE_ALONE"),
        ):
            mutate(
                client,
                volunteer,
                "recordMilestone",
                commandId=key,
                houseId=house,
                participantId=participant["participantId"],
                milestone=milestone,
            )
        mutate(client, volunteer, "enrollParticipant", fields, commandId="e6", sessionId=cancelled)
        last = mutate(
            client, volunteer, "cancelSession", commandId="c1", sessionId=cancelled, reason="panne"
        )
        refused = graphql(
            client,
            "mutation($i: RecordAttendanceInput!) { recordAttendance(input: $i) { id } }",
            {"i": {"commandId": "a3", "sessionId": cancelled, "present": []}},
            volunteer,
        )
        assert error_codes(refused) == ["SESSION_CANCELLED"]

        calendar_query = """query($h: ID!, $f: Date!, $t: Date!, $p: Position) {
          inclusionCalendar(houseId: $h, from: $f, to: $t, atLeastPosition: $p) {
            id topic status capacity enrolled fillRate attended volunteerMinutes volunteerCode
            volunteerName participants { participantId known ageBand gender firstTime present
            milestones } } }"""
        sunday = monday + timedelta(days=6)
        week = {"h": house, "f": monday.date().isoformat(), "t": sunday.date().isoformat()}
        as_volunteer = call(client, volunteer, calendar_query, p=last["position"], **week)
        as_supervisor = call(client, supervisor, calendar_query, p=last["position"], **week)
        volunteers = call(
            client,
            supervisor,
            "query($h: ID!, $p: Position) { inclusionVolunteers(houseId: $h, atLeastPosition: $p) "
            "{ code displayName association topics active } }",
            h=house,
            p=last["position"],
        )["inclusionVolunteers"]
        governance = token_for(store_settings, Role.GOVERNANCE)
        figures = call(
            client,
            governance,
            """query($f: StatisticsFilterInput!, $p: Position) { inclusionStatistics(filter: $f,
              groupBy: GOVERNORATE, period: WEEK, atLeastPosition: $p) { groups { area { code }
              from to sessions { scheduled held cancelled enrolled attended absent firstTimers
              fillRate attendanceRate volunteerMinutes } milestones { milestone reached } } } }""",
            f={"from": week["f"], "to": datetime.now(TUNIS).date().isoformat()},
            p=last["position"],
        )["inclusionStatistics"]["groups"]
        calendar_as_governance = graphql(
            client, calendar_query, {**week, "p": last["position"]}, governance
        )
        citizen_file = graphql(
            client,
            'query($c: String!) { findCitizen(cin: $c, purpose: "counter_service") { id } }',
            {"c": CIN},
            volunteer,
        )
        counter = graphql(
            client,
            "mutation($i: IssueTicketInput!) { issueTicket(input: $i) { ticket } }",
            {"i": {"commandId": "t1", "houseId": house, "line": "A"}},
            volunteer,
        )

    assert volunteers == [
        {
            "code": "V-017",
            "displayName": "Amel Ben Salah",
            "association": "Jeunes de Haidra",
            "topics": ["E_PAYMENT", "INTERNET_BASICS", "MOBILE_ID"],
            "active": True,
        }
    ]
    sessions = as_volunteer["inclusionCalendar"]
    assert as_supervisor == as_volunteer
    assert [s["topic"] for s in sessions] == ["INTERNET_BASICS", "E_PAYMENT", "MOBILE_ID"]
    assert [s["status"] for s in sessions] == ["HELD", "HELD", "CANCELLED"]
    assert [s["enrolled"] for s in sessions] == [2, 2, 1]
    assert [s["fillRate"] for s in sessions] == [0.5, 1.0, 1 / 3]
    assert [s["attended"] for s in sessions] == [2, 1, 0]
    assert [s["volunteerMinutes"] for s in sessions] == [120, 150, None]
    assert {s["volunteerName"] for s in sessions} == {"Amel Ben Salah"}
    first = sessions[0]["participants"]
    assert [(p["known"], p["ageBand"], p["firstTime"], p["present"]) for p in first] == [
        (False, "FROM_60", True, True),
        (True, "NOT_STATED", True, True),
    ]
    second = sessions[1]["participants"]
    assert [(p["firstTime"], p["present"]) for p in second] == [(False, False), (False, True)]
    assert second[1]["milestones"] == ["FIRST_E_PAYMENT_ALONE"]
    assert second[0]["milestones"] == ["FIRST_ONLINE_PROCEDURE_ALONE"]
    # the governance office: last week's sessions on their days, this week's milestones
    (last_week, this_week) = figures
    assert [g["area"]["code"] for g in figures] == ["TN-42", "TN-42"]  # Kasserine
    assert (last_week["from"], this_week["from"]) == (
        week["f"],
        (monday + timedelta(days=7)).date().isoformat(),
    )
    assert last_week["sessions"] == {
        "scheduled": 3,
        "held": 2,
        "cancelled": 1,
        "enrolled": 5,  # 2 + 2 + the cancelled session's 1
        "attended": 3,  # both on Monday, the citizen on Wednesday
        "absent": 1,
        "firstTimers": 2,
        "fillRate": 0.6667,  # 4 enrolled of 6 places, at the sessions held
        "attendanceRate": 0.75,
        "volunteerMinutes": 270,  # Monday's two hours by default, and Wednesday's 150
    }
    assert last_week["milestones"] == []
    assert this_week["sessions"]["scheduled"] == 0
    assert sorted((m["milestone"], m["reached"]) for m in this_week["milestones"]) == [
        ("FIRST_E_PAYMENT_ALONE", 1),
        ("FIRST_ONLINE_PROCEDURE_ALONE", 1),
    ]
    assert error_codes(calendar_as_governance) == ["FORBIDDEN"]
    shown = json.dumps(as_volunteer)
    assert CIN not in shown
    assert NAME.split(maxsplit=1)[0] not in shown
    assert error_codes(citizen_file) == ["FORBIDDEN"]
    assert error_codes(counter) == ["FORBIDDEN"]
