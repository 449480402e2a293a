"""The governance office reaches no personal data: every field of every operation it may call.

The fields are enumerated from the live schema (the operations whose declared roles include
`governance`, walked down to their leaves): none is a citizen's field (the personal categories
of `domain.citizens.categories`), none names a citizen, a mandate, a document, a receipt, a bill
or a free-text topic or reason. The statistics' own subtrees (`serviceStatistics`,
`inclusionStatistics`) hold only counts, shares, durations, money, dates, the reviewed codes and
area names below and closed enums: a new text field there fails until it is reviewed here. And
over HTTP, a governance token's `serviceStatistics` answer on the three houses' fortnight carries
none of the ids, topics, receipts or bill references of its events, and its
`inclusionStatistics` answer on the three rooms' fortnight none of the participants', sessions'
or volunteers' ids, rooms or reasons.
"""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from graphql import (
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    get_named_type,
)

from api.auth import Role
from api.graphql.access import declared_roles
from api.graphql.schema import build_schema
from domain.citizens.categories import FIELD_CATEGORIES
from infrastructure.fixtures.model import Ref
from infrastructure.settings import Settings
from tests.support.api import graphql, token_for
from tests.support.clock import TestClock
from tests.support.spec import Scenario
from tests.support.statistics import FIXTURE

PERSONAL = re.compile(
    r"citizen|mandate|document|phone|guardian|cin$|receipt|billReference|topic|reason|note",
    re.IGNORECASE,
)
# fields whose names look personal and are not, each reviewed
NOT_PERSONAL = {
    "ServiceLine.name": "a service line's name, e.g. Électricité et gaz",
    "MayPerformAnswer.reason": "the code of the rule that refuses an act (GRANT, ACCREDITATION)",
    "InclusionTopicStatistics.topic": "what a training session teaches: one of five codes",
    "InclusionGroup.topics": "the inclusion figures per training topic (that code)",
}
STATISTICS_TEXT = {
    "StatisticsArea.code",
    "StatisticsArea.nameAr",
    "StatisticsArea.nameFr",
    "ServiceRequestStatistics.partnerCode",
    "ServiceRequestStatistics.serviceCode",
    "ContactStatistics.partnerCode",
    "MoneyStatistics.partnerCode",
    "MoneyStatistics.method",
    "GrantStatistics.partnerCode",
}
STATISTICS_LEAVES = {"Int", "Float", "Date", "Money", "String"}
INCLUSION_TEXT = {"StatisticsArea.code", "StatisticsArea.nameAr", "StatisticsArea.nameFr"}
INCLUSION_ENUMS = {
    "InclusionTopic",
    "Milestone",
    "AgeBand",
    "Gender",
    "StatisticsGroupBy",
    "StatisticsPeriod",
}
INCLUSION_DOCUMENT = """query($f: StatisticsFilterInput!, $p: Position) { inclusionStatistics(
  filter: $f, groupBy: HOUSE, period: DAY, atLeastPosition: $p) { groups {
  area { kind code nameAr nameFr } from to
  sessions { scheduled held cancelled enrolled attended absent firstTimers heldCapacity
    heldEnrolled fillRate attendanceRate volunteerMinutes volunteerHours }
  topics { topic sessions { held attended firstTimers fillRate } }
  milestones { milestone reached }
  profiles { ageBand gender enrolled firstTime known } } } }"""
DOCUMENT = """query($f: StatisticsFilterInput!, $p: Position) { serviceStatistics(filter: $f,
  groupBy: HOUSE, period: DAY, atLeastPosition: $p) { groups { area { kind code nameAr nameFr } from to
  visits { visits served noShows walkedAway transferred byHour { hour visits }
    waits { count meanMinutes medianMinutes p90Minutes withinTarget withinTargetShare }
    handling { count meanMinutes medianMinutes p90Minutes } }
  requests { partnerCode serviceCode lodged onTheSpot forwarded refused decided onTime
    turnaroundMedianDays }
  contacts { partnerCode information redirections }
  outcomes { onTheSpot forwarded redirected refused onTheSpotShare }
  money { partnerCode method payments captured refunds refunded net }
  grants { partnerCode inForce granted suspended revoked } } } }"""


def reachable(roots: list[GraphQLNamedType]) -> dict[str, GraphQLNamedType]:
    """Every `Type.field` reachable from the roots, with the named type it gives."""
    fields: dict[str, GraphQLNamedType] = {}
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        kind = stack.pop()
        if kind.name in seen:
            continue
        seen.add(kind.name)
        if isinstance(kind, GraphQLUnionType):
            stack.extend(kind.types)
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            for name, field in kind.fields.items():
                named = get_named_type(field.type)
                fields[f"{kind.name}.{name}"] = named
                stack.append(named)
    return fields


def governance_roots(settings: Settings) -> list[GraphQLNamedType]:
    schema = build_schema(settings)
    roles = declared_roles(schema)
    graph = schema._schema
    roots = []
    for operations in (graph.query_type, graph.subscription_type):
        for name, field in operations.fields.items() if operations else ():
            allowed = roles.get(name)
            if allowed is not None and Role.GOVERNANCE in allowed:
                roots.append(get_named_type(field.type))
    return roots


def test_no_field_the_governance_role_reaches_is_personal(api_settings: Settings) -> None:
    fields = reachable(governance_roots(api_settings))
    assert "ServiceStatistics.groups" in fields  # the walk reaches the statistics
    personal = {
        f for f in fields if f.split(".")[1] in FIELD_CATEGORIES or PERSONAL.search(f.split(".")[1])
    }
    assert personal == set(NOT_PERSONAL)
    assert not {"Citizen", "Mandate", "Request", "Payment"} & {f.split(".")[0] for f in fields}


def test_the_statistics_hold_only_figures_codes_and_area_names(api_settings: Settings) -> None:
    graph = build_schema(api_settings)._schema
    fields = reachable([graph.type_map["ServiceStatistics"]])
    leaves = {
        f: t.name
        for f, t in fields.items()
        if isinstance(t, GraphQLScalarType) and not isinstance(t, GraphQLEnumType)
    }
    assert set(leaves.values()) <= STATISTICS_LEAVES
    assert {f for f, t in leaves.items() if t == "String"} == STATISTICS_TEXT


def test_the_inclusion_statistics_hold_only_figures_area_names_and_closed_enums(
    api_settings: Settings,
) -> None:
    graph = build_schema(api_settings)._schema
    fields = reachable([graph.type_map["InclusionStatistics"]])
    leaves = {f: t for f, t in fields.items() if isinstance(t, GraphQLScalarType)}
    scalars = {f: t.name for f, t in leaves.items() if not isinstance(t, GraphQLEnumType)}
    assert set(scalars.values()) <= STATISTICS_LEAVES - {"Money"}
    assert {f for f, t in scalars.items() if t == "String"} == INCLUSION_TEXT
    enums = {t.name for t in fields.values() if isinstance(t, GraphQLEnumType)}
    assert enums == INCLUSION_ENUMS


def test_a_governance_inclusion_answer_carries_nothing_of_the_people_behind_the_figures(
    client: TestClient, api_settings: Settings
) -> None:
    dar = client.app.state.dar  # type: ignore[attr-defined]
    scenario = Scenario(dar, TestClock()).given("inclusion/three_rooms.yaml")
    behind = [f"learner-{n}" for n in range(1, 6)] + [f"session-{n}" for n in range(1, 7)]
    behind += ["volunteer-1", "volunteer-2", "volunteer-3"]
    ids = [scenario.symbols.resolve(Ref(symbol=s)) for s in behind]
    token = token_for(api_settings, Role.GOVERNANCE)
    head = dar.store.recorder.max_notification_id() or 0
    variables = {"f": {"from": "2026-01-05", "to": "2026-01-18"}, "p": head}
    answer = graphql(client, INCLUSION_DOCUMENT, variables, token=token)
    assert "errors" not in answer, answer
    text = json.dumps(answer, ensure_ascii=False)
    groups = answer["data"]["inclusionStatistics"]["groups"]
    assert sum(g["sessions"]["firstTimers"] for g in groups) == 4
    secrets = ["Salle", "volunteer ill", "room unavailable", "V-017"]
    assert [s for s in secrets if s in text] == []
    assert [str(i) for i in ids if str(i) in text] == []


def test_a_governance_answer_carries_nothing_of_the_citizens_behind_the_figures(
    client: TestClient, api_settings: Settings
) -> None:
    dar = client.app.state.dar  # type: ignore[attr-defined]
    scenario = Scenario(dar, TestClock()).given(FIXTURE)
    behind = ["citizen-1", "citizen-2", "request-1", "request-2", "payment-1", "agent:A17"]
    behind += ["visit:haidra/2026-01-06/A001", "grant-steg"]
    ids = [scenario.symbols.resolve(Ref(symbol=s)) for s in behind]
    token = token_for(api_settings, Role.GOVERNANCE)
    head = dar.store.recorder.max_notification_id() or 0
    variables = {"f": {"from": "2026-01-05", "to": "2026-01-18"}, "p": head}
    answer = graphql(client, DOCUMENT, variables, token=token)
    assert "errors" not in answer, answer
    text = json.dumps(answer, ensure_ascii=False)
    assert "حيدرة" in text or "Haidra" in text
    groups = answer["data"]["serviceStatistics"]["groups"]
    assert sum(g["visits"]["visits"] for g in groups if g["visits"]) == 6
    secrets = ["meter replacement", "reimbursement rates", "HAIDRA-2026-P000001", "4001-2333"]
    secrets += ["HAIDRA-20260106-A001-1", "agent:A17", "fee charged twice", "convention ended"]
    assert [s for s in secrets if s in text] == []
    assert [str(i) for i in ids if str(i) in text] == []
