"""Every operation of the schema by every role: allowed or refused exactly as documented.

The expectation is the reviewed matrix `docs/role-matrix.md`, written from the documented rules,
not the roles the operations declare: a change to the enforcement alone fails here. The tests
enumerate the live schema, so an operation added without a row in the matrix, its declared roles
(`allowed(...)` on the operation) and a sample here fails the suite.
"""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient

from api.auth import STAFF, Principal, Role
from api.graphql.access import declared_public, declared_roles
from api.graphql.context import Context
from api.graphql.schema import build_schema
from domain.houses.house import house_id
from infrastructure.settings import Settings
from tests.support.api import error_codes, graphql, token_for
from tests.support.inclusion import volunteer_token
from tests.support.role_matrix import load_role_matrix
from tests.support.staff import HOUSE, ensure_house, staff_token

EXPECTED = load_role_matrix()

SAMPLES: dict[str, str] = {
    "partners": "{ partners { code } }",
    "partner": '{ partner(code: "STEG") { code } }',
    "position": "{ position }",
    "registerPartner": (
        'mutation { registerPartner(input: {commandId: "m", code: "MATRIX", '
        'nameAr: "شريك", nameFr: "Matrice"}) { position } }'
    ),
    "renamePartner": (
        'mutation { renamePartner(input: {commandId: "r", code: "MATRIX", '
        'nameAr: "شريك", nameFr: "Autre"}) { position } }'
    ),
}
NOBODY = "00000000-0000-0000-0000-000000000001"
_KEY = 'commandId: "m"'
SAMPLES.update(
    {
        "houses": "{ houses { code } }",
        "events": "{ events { position type } }",
        "verifyJournal": "{ verifyJournal { intact } }",
        "history": f'{{ history(aggregateId: "{NOBODY}") {{ endPosition }} }}',
        "journal": "{ journal(first: 1) { endPosition } }",
        "asOf": f'{{ asOf(aggregateId: "{NOBODY}", version: 1) {{ version }} }}',
        "inForce": (
            f'{{ inForce(houseId: "{NOBODY}", at: "2026-01-05T10:00:00+01:00") {{ at }} }}'
        ),
        "complianceReport": (
            '{ complianceReport(from: "2026-01-05", to: "2026-01-05") { uncovered { missing } } }'
        ),
        "serviceStatistics": (
            '{ serviceStatistics(filter: {from: "2026-01-05", to: "2026-01-11"}) { period } }'
        ),
        "inclusionStatistics": (
            '{ inclusionStatistics(filter: {from: "2026-01-05", to: "2026-01-11"}) { period } }'
        ),
        "moneyReport": (
            '{ moneyReport(from: "2026-01-05", to: "2026-01-05") { disagreements { partnerCode } } }'
        ),
        "house": f'{{ house(id: "{NOBODY}") {{ code }} }}',
        "agents": f'{{ agents(houseId: "{NOBODY}") {{ id }} }}',
        "catalogue": '{ catalogue(partnerCode: "STEG") { code } }',
        "delegations": f'{{ delegations(houseId: "{NOBODY}") {{ id }} }}',
        "delegationsExpiring": "{ delegationsExpiring { id } }",
        "mayPerform": (
            f'{{ mayPerform(houseId: "{NOBODY}", agentId: "{NOBODY}", partnerCode: "STEG", '
            'serviceCode: "BILL_PAYMENT") { allowed } }'
        ),
        "registerHouse": (
            f'mutation {{ registerHouse(input: {{{_KEY}, code: "matrix", nameAr: "دار", '
            'nameFr: "Matrice", municipality: "M", governorate: "G"}) { id } }'
        ),
        "addCounter": f'mutation {{ addCounter(input: {{{_KEY}, houseId: "{NOBODY}", number: 1, label: "G1"}}) {{ id }} }}',
        "openCounter": f'mutation {{ openCounter(input: {{{_KEY}, houseId: "{NOBODY}", number: 1}}) {{ id }} }}',
        "closeCounter": f'mutation {{ closeCounter(input: {{{_KEY}, houseId: "{NOBODY}", number: 1}}) {{ id }} }}',
        "addServiceLine": (
            f'mutation {{ addServiceLine(input: {{{_KEY}, houseId: "{NOBODY}", prefix: "A", '
            'name: "L", services: ["S1"], priority: false}) { id } }'
        ),
        "changeServiceLine": (
            f'mutation {{ changeServiceLine(input: {{{_KEY}, houseId: "{NOBODY}", prefix: "A", '
            'services: ["S1"], priority: true}) { id } }'
        ),
        "setOpeningHours": (
            f'mutation {{ setOpeningHours(input: {{{_KEY}, houseId: "{NOBODY}", season: SUMMER, '
            'opens: "07:00", closes: "13:00"}) { id } }'
        ),
        "addLocalHoliday": (
            f'mutation {{ addLocalHoliday(input: {{{_KEY}, houseId: "{NOBODY}", day: "2026-06-05", '
            'name: "Festival"}) { id } }'
        ),
        "enrollAgent": (
            f'mutation {{ enrollAgent(input: {{{_KEY}, houseId: "{NOBODY}", '
            'employeeNumber: "M1", displayName: "M"}) { id } }'
        ),
        "accreditAgent": (
            f'mutation {{ accreditAgent(input: {{{_KEY}, agentId: "{NOBODY}", '
            'partnerCode: "STEG", expiresOn: "2030-01-01"}) { id } }'
        ),
        "revokeAccreditation": (
            f'mutation {{ revokeAccreditation(input: {{{_KEY}, agentId: "{NOBODY}", '
            'partnerCode: "STEG", reason: "r"}) { id } }'
        ),
        "deactivateAgent": f'mutation {{ deactivateAgent(input: {{{_KEY}, agentId: "{NOBODY}", reason: "r"}}) {{ id }} }}',
        "publishService": (
            f'mutation {{ publishService(input: {{{_KEY}, partnerCode: "NOBODY", code: "S1", '
            'nameAr: "خدمة", nameFr: "S", mode: IMMEDIATE, documents: [], fee_rule: NONE}) { id } }'
        ).replace("fee_rule", "feeRule"),
        "changeServiceFee": (
            f'mutation {{ changeServiceFee(input: {{{_KEY}, partnerCode: "STEG", code: "S1", '
            "feeRule: NONE}) { id } }"
        ),
        "withdrawService": (
            f'mutation {{ withdrawService(input: {{{_KEY}, partnerCode: "STEG", code: "S1", '
            'reason: "r"}) { id } }'
        ),
        "grantDelegation": (
            f'mutation {{ grantDelegation(input: {{{_KEY}, houseId: "{NOBODY}", partnerCode: "STEG", '
            'conventionReference: "C", conventionVersion: "1", signedOn: "2026-01-01", '
            'services: ["S1"], startsOn: "2026-01-01", endsOn: "2026-12-31", mayCollect: false}) { id } }'
        ),
        "amendDelegation": f'mutation {{ amendDelegation(input: {{{_KEY}, grantId: "{NOBODY}", added: ["S2"], removed: []}}) {{ id }} }}',
        "suspendDelegation": f'mutation {{ suspendDelegation(input: {{{_KEY}, grantId: "{NOBODY}", reason: "r"}}) {{ id }} }}',
        "reinstateDelegation": f'mutation {{ reinstateDelegation(input: {{{_KEY}, grantId: "{NOBODY}"}}) {{ id }} }}',
        "renewDelegation": (
            f'mutation {{ renewDelegation(input: {{{_KEY}, grantId: "{NOBODY}", endsOn: "2030-01-01", '
            'conventionReference: "C", conventionVersion: "2", signedOn: "2026-01-01"}) { id } }'
        ),
        "revokeDelegation": f'mutation {{ revokeDelegation(input: {{{_KEY}, grantId: "{NOBODY}", reason: "r"}}) {{ id }} }}',
    }
)
_PURPOSE = 'purpose: "counter_service"'
SAMPLES.update(
    {
        "findCitizen": f'{{ findCitizen(cin: "01234567", {_PURPOSE}) {{ id }} }}',
        "citizen": f'{{ citizen(id: "{NOBODY}", {_PURPOSE}) {{ id }} }}',
        "mandates": f'{{ mandates(citizenId: "{NOBODY}", {_PURPOSE}) {{ id }} }}',
        "purposes": "{ purposes { code } }",
        "personalDataAccesses": f'{{ personalDataAccesses(citizenId: "{NOBODY}") {{ id }} }}',
        "personalDataAccess": "{ personalDataAccess(first: 1) { endPosition } }",
        "registerCitizen": (
            f'mutation {{ registerCitizen(input: {{{_KEY}, houseId: "{NOBODY}", name: "N", '
            'documentKind: CIN, documentNumber: "01234567"}) { id } }'
        ),
        "grantMandate": (
            f'mutation {{ grantMandate(input: {{{_KEY}, citizenId: "{NOBODY}", houseId: "{NOBODY}", '
            'scopes: ["payments"], duration: ONE_DAY, consentKind: PAPER_FORM, '
            'consentReference: "F1"}) { id } }'
        ),
        "revokeMandate": (
            f'mutation {{ revokeMandate(input: {{{_KEY}, citizenId: "{NOBODY}", houseId: "{NOBODY}", '
            'scope: "payments"}) { receipt } }'
        ),
        "eraseCitizen": (
            f'mutation {{ eraseCitizen(input: {{{_KEY}, citizenId: "{NOBODY}", reason: "r"}}) {{ id }} }}'
        ),
    }
)
_TICKET = f'{_KEY}, houseId: "{NOBODY}", ticket: "A001"'
SAMPLES.update(
    {
        "queue": f'{{ queue(houseId: "{NOBODY}") {{ day }} }}',
        "counterDashboard": f'{{ counterDashboard(houseId: "{NOBODY}") {{ businessDate }} }}',
        "issueTicket": (
            f'mutation {{ issueTicket(input: {{{_KEY}, houseId: "{NOBODY}", line: "A"}}) '
            "{ ticket } }"
        ),
        "callNextTicket": (
            f'mutation {{ callNextTicket(input: {{{_KEY}, houseId: "{NOBODY}", counter: 1}}) '
            "{ ticket } }"
        ),
        "resumeTicket": (
            f"mutation {{ resumeTicket(input: {{{_TICKET}, counter: 1}}) {{ ticket }} }}"
        ),
        "transferTicket": (
            f"mutation {{ transferTicket(input: {{{_TICKET}, toCounter: 2}}) {{ ticket }} }}"
        ),
        **{
            name: f"mutation {{ {name}(input: {{{_TICKET}}}) {{ ticket }} }}"
            for name in (
                "recallTicket",
                "markNoShow",
                "parkTicket",
                "recycleTicket",
                "recordWalkAway",
                "endVisit",
            )
        },
    }
)
SAMPLES.update(
    {
        "remittances": (
            '{ remittances(partnerCode: "STEG", from: "2026-01-06", to: "2026-01-06") { net } }'
        ),
        "reconciliation": (
            '{ reconciliation(partnerCode: "STEG", businessDate: "2026-01-06") { difference } }'
        ),
        "closeRemittance": (
            f'mutation {{ closeRemittance(input: {{{_KEY}, houseId: "{NOBODY}", '
            'partnerCode: "STEG", businessDate: "2026-01-06"}) { id } }'
        ),
        "importStatement": (
            f'mutation {{ importStatement(input: {{{_KEY}, partnerCode: "STEG", '
            'source: PARTNER, statement: "business_date,house_code,reference,kind,'
            'amount_millimes,partner_reference\\n2026-01-06,matrix,M-1,capture,1,\\n"}) { id } }'
        ),
    }
)
_REQUEST = f'{_KEY}, requestId: "{NOBODY}"'
SAMPLES.update(
    {
        "recordContact": (
            f"mutation {{ recordContact(input: {{{_TICKET}, kind: INFORMATION, "
            'partnerCode: "STEG", topic: "t"}) { position } }'
        ),
        "lodgeRequest": (
            f'mutation {{ lodgeRequest(input: {{{_TICKET}, citizenId: "{NOBODY}", '
            'partnerCode: "STEG", serviceCode: "BILL_DUPLICATE", documents: []}) { receipt } }'
        ),
        "completeRequest": f"mutation {{ completeRequest(input: {{{_REQUEST}}}) {{ id }} }}",
        "forwardRequest": f"mutation {{ forwardRequest(input: {{{_REQUEST}}}) {{ id }} }}",
        "resubmitRequest": f"mutation {{ resubmitRequest(input: {{{_REQUEST}}}) {{ id }} }}",
        "withdrawRequest": (
            f'mutation {{ withdrawRequest(input: {{{_REQUEST}, reason: "r"}}) {{ id }} }}'
        ),
        "acknowledgeRequest": (
            f'mutation {{ acknowledgeRequest(input: {{{_REQUEST}, partnerReference: "R"}}) '
            "{ id } }"
        ),
        "returnForCorrection": (
            f'mutation {{ returnForCorrection(input: {{{_REQUEST}, reason: "r"}}) {{ id }} }}'
        ),
        "recordPartnerDecision": (
            f"mutation {{ recordPartnerDecision(input: {{{_REQUEST}, decision: ACCEPTED, "
            'reason: "r"}) { id } }'
        ),
        "request": f'{{ request(id: "{NOBODY}") {{ id }} }}',
        "requestByReceipt": '{ requestByReceipt(number: "HAIDRA-20260106-A001-1") { id } }',
        "requests": f'{{ requests(houseId: "{NOBODY}") {{ hasNextPage }} }}',
        "partnerInbox": '{ partnerInbox(partnerCode: "STEG") { id } }',
        "partnerDecisions": '{ partnerDecisions(partnerCode: "STEG") { hasNextPage } }',
        "partnerOverdue": '{ partnerOverdue(partnerCode: "STEG") { id } }',
        "citizenFiles": f'{{ citizenFiles(citizenId: "{NOBODY}", {_PURPOSE}) {{ id }} }}',
        "billInquiry": '{ billInquiry(partnerCode: "STEG", reference: "1230000") { amount } }',
        "payments": f'{{ payments(requestId: "{NOBODY}") {{ id }} }}',
        "collections": (
            f'{{ collections(houseId: "{NOBODY}", businessDate: "2026-01-06") {{ net }} }}'
        ),
        "pendingPayments": f'{{ pendingPayments(houseId: "{NOBODY}") {{ id }} }}',
        "initiatePayment": (
            f'mutation {{ initiatePayment(input: {{{_KEY}, requestId: "{NOBODY}", '
            "method: CARD}) { id } }"
        ),
        "recordCashPayment": (
            f'mutation {{ recordCashPayment(input: {{{_KEY}, requestId: "{NOBODY}"}}) {{ id }} }}'
        ),
        "cancelPayment": (
            f'mutation {{ cancelPayment(input: {{{_KEY}, paymentId: "{NOBODY}", '
            'reason: "r"}) { id } }'
        ),
        "requestRefund": (
            f'mutation {{ requestRefund(input: {{{_KEY}, paymentId: "{NOBODY}", '
            'amount: "1.000", reason: "r"}) { refundId } }'
        ),
        "approveRefund": (
            f'mutation {{ approveRefund(input: {{{_KEY}, paymentId: "{NOBODY}", '
            'refundId: "r"}) { id } }'
        ),
        "settlePayment": (
            f'mutation {{ settlePayment(input: {{paymentId: "{NOBODY}"}}) {{ id }} }}'
        ),
        "tills": f'{{ tills(houseId: "{NOBODY}", businessDate: "2026-01-06") {{ id }} }}',
        "refundsAwaitingApproval": f'{{ refundsAwaitingApproval(houseId: "{NOBODY}") {{ refundId }} }}',
        "openTill": f'mutation {{ openTill(input: {{{_KEY}, float: "50.000"}}) {{ id }} }}',
        "closeTill": (
            f'mutation {{ closeTill(input: {{{_KEY}, tillId: "{NOBODY}", '
            'count: [{value: "20.000", pieces: 1}]}) { id } }'
        ),
        "reviewTillDiscrepancy": (
            f'mutation {{ reviewTillDiscrepancy(input: {{{_KEY}, tillId: "{NOBODY}", '
            'note: "n"}) { id } }'
        ),
    }
)
SAMPLES.update(
    {
        "partnerStatus": f'{{ partnerStatus(houseId: "{NOBODY}") {{ partnerCode }} }}',
        "reportPartnerStatus": (
            f'mutation {{ reportPartnerStatus(input: {{{_KEY}, partnerCode: "NOBODY", '
            "status: UNREACHABLE}) { id } }"
        ),
    }
)
SAMPLES.update(
    {
        "inclusionCalendar": (
            f'{{ inclusionCalendar(houseId: "{NOBODY}", from: "2026-01-05", to: "2026-01-11") '
            "{ id fillRate } }"
        ),
        "inclusionVolunteers": f'{{ inclusionVolunteers(houseId: "{NOBODY}") {{ id code }} }}',
        "registerVolunteer": (
            f'mutation {{ registerVolunteer(input: {{{_KEY}, houseId: "{NOBODY}", code: "V-1", '
            'displayName: "V", association: "A", topics: [INTERNET_BASICS]}) { id } }'
        ),
        "accreditVolunteer": (
            f'mutation {{ accreditVolunteer(input: {{{_KEY}, volunteerId: "{NOBODY}", '
            "topics: [E_PAYMENT]}) { id } }"
        ),
        "deactivateVolunteer": (
            f'mutation {{ deactivateVolunteer(input: {{{_KEY}, volunteerId: "{NOBODY}", '
            'reason: "r"}) { id } }'
        ),
        "reactivateVolunteer": (
            f'mutation {{ reactivateVolunteer(input: {{{_KEY}, volunteerId: "{NOBODY}"}}) {{ id }} }}'
        ),
        "scheduleSession": (
            f'mutation {{ scheduleSession(input: {{{_KEY}, houseId: "{NOBODY}", room: "R", '
            "topic: INTERNET_BASICS, format: GROUP, capacity: 4, "
            'startsAt: "2026-01-06T09:00:00+01:00", endsAt: "2026-01-06T10:00:00+01:00", '
            f'volunteerId: "{NOBODY}"}}) {{ id }} }}'
        ),
        "enrollParticipant": (
            f'mutation {{ enrollParticipant(input: {{{_KEY}, sessionId: "{NOBODY}"}}) '
            "{ id participantId } }"
        ),
        "recordAttendance": (
            f'mutation {{ recordAttendance(input: {{{_KEY}, sessionId: "{NOBODY}", present: []}}) '
            "{ id } }"
        ),
        "cancelSession": (
            f'mutation {{ cancelSession(input: {{{_KEY}, sessionId: "{NOBODY}", reason: "r"}}) '
            "{ id } }"
        ),
        "recordMilestone": (
            f'mutation {{ recordMilestone(input: {{{_KEY}, houseId: "{NOBODY}", '
            f'participantId: "{NOBODY}", milestone: MOBILE_ID_ACTIVATED}}) {{ id }} }}'
        ),
    }
)
SAMPLES = {name: doc.replace(_KEY, f'commandId: "m-{name}"') for name, doc in SAMPLES.items()}
SUBSCRIPTIONS: dict[str, str] = {
    "partnersChanged": "subscription { partnersChanged { position } }",
    "partnerFilesArriving": (
        'subscription { partnerFilesArriving(partnerCode: "STEG") { position } }'
    ),
    "calledTickets": (
        f'subscription {{ calledTickets(houseId: "{house_id(HOUSE)}") {{ position }} }}'
    ),
    "counterDashboard": f'subscription {{ counterDashboard(houseId: "{NOBODY}") {{ position }} }}',
}
REFUSED = {"FORBIDDEN", "UNAUTHENTICATED"}
# what an allowed caller may still be told by the samples (the rules, not the matrix, refuse)
DOMAIN_ANSWERS = {"NOT_FOUND", "ALREADY_EXISTS", "UNCHANGED", "VALIDATION"}


def schema_operations(settings: Settings) -> dict[str, set[str]]:
    schema = build_schema(settings)._schema
    kinds = {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }
    return {kind: set(t.fields) if t else set() for kind, t in kinds.items()}


def test_every_operation_has_a_row_in_the_reviewed_matrix(store_settings: Settings) -> None:
    operations = schema_operations(store_settings)
    every = operations["query"] | operations["mutation"] | operations["subscription"]
    assert every - set(EXPECTED.allowed) == set(), "operations without a row in docs/role-matrix.md"
    assert set(EXPECTED.allowed) - every == set(), "rows of docs/role-matrix.md for no operation"


def test_every_operation_has_an_access_rule_and_a_sample(store_settings: Settings) -> None:
    operations = schema_operations(store_settings)
    every = operations["query"] | operations["mutation"] | operations["subscription"]
    declared = declared_roles(build_schema(store_settings))
    assert every == set(declared), "declared roles and schema differ"
    undeclared = {name for name, roles in declared.items() if roles is None}
    assert undeclared == set(), "operations that declare no roles"
    differ = {name for name, roles in declared.items() if roles != EXPECTED.allowed.get(name)}
    assert differ == set(), "declared roles that differ from docs/role-matrix.md"
    assert operations["query"] | operations["mutation"] == set(SAMPLES)
    assert operations["subscription"] == set(SUBSCRIPTIONS)


@pytest.mark.parametrize("role", list(Role))
def test_queries_and_mutations_follow_the_matrix(
    client: TestClient, api_settings: Settings, role: Role
) -> None:
    dar = client.app.state.dar  # type: ignore[attr-defined]
    if role in STAFF:
        token = staff_token(dar, api_settings, role)
    elif role is Role.VOLUNTEER:
        token = volunteer_token(dar, api_settings)
    else:
        token = token_for(api_settings, role, partner="STEG" if role is Role.PARTNER else None)
    for name, document in SAMPLES.items():
        codes = set(error_codes(graphql(client, document, token=token)))
        if role in EXPECTED.allowed[name]:
            assert codes <= DOMAIN_ANSWERS, f"{role.value} should be allowed {name}: {codes}"
        else:
            assert codes == {"FORBIDDEN"}, f"{role.value} should be refused {name}: {codes}"


def test_the_auditor_is_refused_every_mutation_of_the_live_schema_and_nothing_is_written(
    client: TestClient, api_settings: Settings
) -> None:
    """Auditors are read-only, over the live schema's mutations (not the matrix's rows).

    A mutation added later is refused to them too, or this fails.
    """
    dar = client.app.state.dar  # type: ignore[attr-defined]
    ensure_house(dar)  # a house for the mutations to act on, were they let through
    mutations = schema_operations(api_settings)["mutation"]
    assert len(mutations) > 20
    assert mutations <= set(SAMPLES), "a mutation without a sample"
    token = token_for(api_settings, Role.AUDITOR)
    before = dar.store.position()
    for name in sorted(mutations):
        codes = error_codes(graphql(client, SAMPLES[name], token=token))
        assert codes == ["FORBIDDEN"], (name, codes)
    assert dar.store.position() == before, "an auditor's call wrote to the log"
    assert not any(Role.AUDITOR in EXPECTED.allowed[name] for name in mutations)


@pytest.mark.parametrize("role", list(Role))
def test_subscriptions_follow_the_matrix(
    client: TestClient, api_settings: Settings, role: Role
) -> None:
    schema = build_schema(api_settings)
    state = client.app.state  # type: ignore[attr-defined]
    ensure_house(state.dar)  # the screen's house (any other is NOT_FOUND)
    for name, document in SUBSCRIPTIONS.items():
        context = Context(
            dar=state.dar, tokens=state.tokens, metrics=state.metrics, watchers=state.watchers
        )
        context.principal = Principal(subject="s", role=role, partner="STEG")
        code = asyncio.run(_first_error(schema.subscribe(document, context_value=context)))
        if role in EXPECTED.allowed[name]:
            assert code is None or code in DOMAIN_ANSWERS, (role, name, code)
        else:
            assert code == "FORBIDDEN", (role, name, code)


async def _first_error(stream: object) -> str | None:
    """The first error code of a subscription, or None if it is still running after 0.5 s."""
    iterator = await stream  # type: ignore[misc]
    if hasattr(iterator, "errors"):
        return str(iterator.errors[0].extensions["code"])
    try:
        result = await asyncio.wait_for(anext(iterator), timeout=0.5)
    except TimeoutError:
        return None
    finally:
        await iterator.aclose()
    return str(result.errors[0].extensions["code"]) if result.errors else None


def test_an_anonymous_subscription_is_refused_unless_public(
    client: TestClient, api_settings: Settings
) -> None:
    schema = build_schema(api_settings)
    state = client.app.state  # type: ignore[attr-defined]
    context = Context(
        dar=state.dar, tokens=state.tokens, metrics=state.metrics, watchers=state.watchers
    )
    ensure_house(state.dar)
    for name, document in SUBSCRIPTIONS.items():
        code = asyncio.run(_first_error(schema.subscribe(document, context_value=context)))
        assert code == (None if name in EXPECTED.public else "UNAUTHENTICATED"), (name, code)


def test_only_the_operations_listed_as_public_declare_it(store_settings: Settings) -> None:
    assert declared_public(build_schema(store_settings)) == EXPECTED.public
