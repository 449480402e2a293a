"""Contacts and requests in GraphQL: lodged at the counter, followed at the partner.

House staff act in their own house; a `partner` user acts on its own partner's forwarded files;
a supervisor may record a partner's answers given on paper. Reads of a citizen's files name a
purpose and are recorded.
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from uuid import UUID

import strawberry

from api.auth import STAFF, Principal, Role
from api.graphql.access import ADMIN, PARTNER_SIDE, allowed, query
from api.graphql.commands import checked_command_id, counted, own_house_only, parse_id
from api.graphql.context import Context, DarInfo
from api.graphql.freshness import wait_for_position
from api.graphql.houses import house_code_of
from api.graphql.privacy import reader_of
from api.graphql.scalars import Position
from application.counter.commands import LodgeRequest, RecordContact, RequestStep
from application.store import Outcome
from domain.citizens.categories import HEALTH_PARTNER, DataCategory
from domain.citizens.citizen import Citizen
from domain.counter.request import FINAL, RequestStatus
from domain.houses.calendar import BusinessCalendar
from domain.houses.house import house_id as house_id_of
from domain.shared.errors import ValidationError
from domain.shared.time import tunis_day
from projections.requests.view import (
    FINAL_STATUSES,
    RequestFilter,
    RequestRow,
    Standing,
    standing,
)

OPEN_AT_PARTNER = tuple(
    s.value for s in (RequestStatus.SUBMITTED, RequestStatus.AT_PARTNER, RequestStatus.RESUBMITTED)
)
OPEN = tuple(s.value for s in RequestStatus if s not in FINAL)


@strawberry.type(description="A citizen's request (the citizen by id only).")
class Request:
    id: strawberry.ID
    receipt: str
    house_id: strawberry.ID
    visit_id: strawberry.ID
    citizen_id: strawberry.ID
    partner_code: str
    service_code: str
    mode: str
    status: str
    documents: list[str]
    lodged_at: datetime
    due_on: date | None
    overdue_working_days: int = strawberry.field(
        description="Working days past the partner's deadline (0 when not overdue)."
    )
    working_days_left: int | None = strawberry.field(
        description="Working days until the partner's deadline (null when none runs)."
    )
    age_days: int = strawberry.field(description="Calendar days since it was lodged.")
    partner_reference: str | None
    note: str | None = strawberry.field(description="The last reason given.")
    position: Position


@strawberry.type(description="A page of requests, latest lodged first.")
class RequestPage:
    items: list[Request]
    end_cursor: str | None
    has_next_page: bool


@strawberry.type(description="What a request command did.")
class RequestResult:
    id: strawberry.ID
    receipt: str
    position: Position
    replayed: bool


@strawberry.type(description="A contact recorded during a visit.")
class ContactResult:
    visit_id: strawberry.ID
    position: Position
    replayed: bool


@strawberry.input
class RecordContactInput:
    command_id: str
    house_id: strawberry.ID
    ticket: str
    kind: str = strawberry.field(description="information or redirection")
    partner_code: str
    topic: str


@strawberry.input
class LodgeRequestInput:
    command_id: str
    house_id: strawberry.ID
    ticket: str = strawberry.field(description="The ticket being served at the caller's counter.")
    citizen_id: strawberry.ID
    partner_code: str
    service_code: str
    documents: list[str]
    citizen_present: bool = True


@strawberry.input
class RequestInput:
    command_id: str
    request_id: strawberry.ID


@strawberry.input
class RequestReasonInput:
    command_id: str
    request_id: strawberry.ID
    reason: str


@strawberry.input
class ResubmitRequestInput:
    command_id: str
    request_id: strawberry.ID
    documents: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class AcknowledgeRequestInput:
    command_id: str
    request_id: strawberry.ID
    partner_reference: str


@strawberry.input
class PartnerDecisionInput:
    command_id: str
    request_id: strawberry.ID
    decision: str = strawberry.field(description="accepted, refused or closed")
    reason: str


def request_of(row: RequestRow, calendar: BusinessCalendar | None, today: date) -> Request:
    """The GraphQL view of a row, with its standing against its deadline on `today`.

    `calendar` (the house's, from the requests read model) is needed only for a file whose
    deadline runs: one not final with a deadline.
    """
    figures = standing(row, calendar, today) if calendar else Standing(0, None)
    return Request(
        id=strawberry.ID(str(row.request_id)),
        receipt=row.receipt,
        house_id=strawberry.ID(str(row.house_id)),
        visit_id=strawberry.ID(str(row.visit_id)),
        citizen_id=strawberry.ID(str(row.citizen_id)),
        partner_code=row.partner_code,
        service_code=row.service_code,
        mode=row.mode,
        status=row.status,
        documents=list(row.documents),
        lodged_at=row.lodged_at,
        due_on=row.due_on,
        overdue_working_days=figures.overdue_working_days,
        working_days_left=figures.working_days_left,
        age_days=(today - tunis_day(row.lodged_at)).days,
        partner_reference=row.partner_reference,
        note=row.note,
        position=Position(row.position),
    )


def _requests_of(context: Context, rows: list[RequestRow]) -> list[Request]:
    """The rows' views on the injected clock's Tunis day, their houses' calendars read at once."""
    today = tunis_day(context.dar.clock.now())
    running = {r.house_id for r in rows if r.due_on is not None and r.status not in FINAL_STATUSES}
    calendars = context.dar.read.requests.calendars(running)
    return [request_of(r, calendars.get(r.house_id), today) for r in rows]


def _house_of(principal: Principal) -> UUID | None:
    """The id of a staff member's house (None for other roles); its code gives it, unread."""
    if principal.role not in STAFF or not principal.house:
        return None
    return house_id_of(principal.house)


def _visible(principal: Principal, row: RequestRow) -> bool:
    """Staff: their house; a partner: its own requests; admin and auditor: all."""
    if principal.role in STAFF:
        return _house_of(principal) == row.house_id
    if principal.role is Role.PARTNER:
        return principal.partner == row.partner_code
    return True


async def _shown(context: Context, row: RequestRow | None) -> Request | None:
    if row is None or not _visible(context.authenticate(), row):
        return None
    return (await context.blocking(lambda: _requests_of(context, [row])))[0]


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"lodged:{position}".encode()).decode()


def _after(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        _, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        position = int(value)
    except ValueError:
        position = -1
    if position >= 0 and cursor == _cursor(position):
        return position
    raise ValidationError("after", "not a cursor of this list")


@strawberry.type
class RequestQueries:
    @query(
        STAFF | ADMIN | frozenset({Role.AUDITOR, Role.PARTNER}),
        "One request, or null (each caller sees only its own).",
    )
    async def request(
        self, info: DarInfo, id: strawberry.ID, at_least_position: Position | None = None
    ) -> Request | None:
        dar = info.context.dar
        await wait_for_position(dar, [dar.read.requests_key], at_least_position)
        uuid = parse_id(id, "id")
        row = await info.context.blocking(lambda: dar.read.requests.get(uuid))
        return await _shown(info.context, row)

    @query(
        STAFF | ADMIN | frozenset({Role.AUDITOR, Role.PARTNER}),
        "The request with this receipt number, or null.",
    )
    async def request_by_receipt(
        self, info: DarInfo, number: str, at_least_position: Position | None = None
    ) -> Request | None:
        dar = info.context.dar
        await wait_for_position(dar, [dar.read.requests_key], at_least_position)
        row = await info.context.blocking(lambda: dar.read.requests.by_receipt(number.strip()))
        return await _shown(info.context, row)

    @query(
        STAFF | ADMIN | frozenset({Role.AUDITOR}),
        "A house's requests, latest first, a page at a time.",
    )
    async def requests(  # noqa: PLR0913, PLR0917 - the list's filters
        self,
        info: DarInfo,
        house_id: strawberry.ID,
        status: str | None = None,
        partner_code: str | None = None,
        first: int = 50,
        after: str | None = None,
        at_least_position: Position | None = None,
    ) -> RequestPage:
        dar = info.context.dar
        if not 1 <= first <= dar.settings.max_page_size:
            raise ValidationError("first", f"1 to {dar.settings.max_page_size}")
        code = await house_code_of(info.context, house_id)
        await wait_for_position(dar, [dar.read.requests_key], at_least_position)
        where = RequestFilter(
            house_id=parse_id(house_id, "houseId") if code else None,
            partner_code=partner_code,
            statuses=(status,) if status else (),
            before=_after(after),
        )
        rows = await info.context.blocking(lambda: dar.read.requests.page(where, limit=first + 1))
        return await info.context.blocking(lambda: _page(info.context, rows, first))

    @query(PARTNER_SIDE, "Forwarded files waiting at a partner (partner: its own).")
    async def partner_inbox(
        self, info: DarInfo, partner_code: str, at_least_position: Position | None = None
    ) -> list[Request]:
        principal = info.context.authenticate()
        if principal.role is Role.PARTNER and principal.partner != partner_code:
            return []
        dar = info.context.dar
        await wait_for_position(dar, [dar.read.requests_key], at_least_position)
        house = _house_of(principal)
        where = RequestFilter(house_id=house, partner_code=partner_code, statuses=OPEN_AT_PARTNER)
        rows = await info.context.blocking(
            lambda: dar.read.requests.page(where, limit=dar.settings.max_page_size)
        )
        return await info.context.blocking(lambda: _requests_of(info.context, rows))

    @query(
        STAFF | ADMIN, "A citizen's open files across partners (read recorded; CNAM files: health)."
    )
    async def citizen_files(
        self,
        info: DarInfo,
        citizen_id: strawberry.ID,
        purpose: str,
        at_least_position: Position | None = None,
    ) -> list[Request]:
        principal = info.context.authenticate()
        dar = info.context.dar
        uuid = parse_id(citizen_id, "citizenId")
        await wait_for_position(dar, [dar.read.requests_key], at_least_position)
        await info.context.blocking(lambda: dar.store.load(uuid, Citizen, "citizen"))
        reader = reader_of(principal)
        citizens = dar.citizens
        chosen = citizens.purposes.get(purpose)
        allowed = await info.context.blocking(lambda: citizens.allowed(chosen, reader))
        where = RequestFilter(citizen_id=uuid, statuses=OPEN)
        rows = await info.context.blocking(
            lambda: dar.read.requests.page(where, limit=dar.settings.max_page_size)
        )
        if principal.role in STAFF:
            rows = [r for r in rows if r.house_id == _house_of(principal)]
        if DataCategory.HEALTH not in allowed:
            rows = [r for r in rows if r.partner_code != HEALTH_PARTNER]
        fields = ("files", "health") if DataCategory.HEALTH in allowed else ("files",)
        await info.context.blocking(
            lambda: citizens.record_access(uuid, chosen, reader, "citizenFiles", fields)
        )
        return await info.context.blocking(lambda: _requests_of(info.context, rows))


def _page(context: Context, rows: list[RequestRow], first: int) -> RequestPage:
    shown = rows[:first]
    return RequestPage(
        items=_requests_of(context, shown),
        end_cursor=_cursor(shown[-1].lodged_position) if shown else None,
        has_next_page=len(rows) > first,
    )


def _result(outcome: Outcome) -> RequestResult:
    return RequestResult(
        id=strawberry.ID(outcome.values["request_id"]),
        receipt=outcome.values["receipt"],
        position=Position(outcome.position),
        replayed=outcome.replayed,
    )


async def _step(
    info: DarInfo,
    name: str,
    step: str,
    command_id: str,
    request_id: strawberry.ID,
    **fields: object,
) -> RequestResult:
    principal = info.context.authenticate()
    partner = principal.partner if principal.role is Role.PARTNER else None
    house = principal.house if principal.role in STAFF else None
    if partner is None and house is None:
        raise ValidationError("role", "a house's staff or a partner acts on requests")
    command = RequestStep(
        command_id=checked_command_id(command_id),
        actor=principal.actor,
        request_id=parse_id(request_id, "requestId"),
        step=step,
        house_code=house,
        partner_code=partner,
        reason=str(fields.get("reason", "")),
        partner_reference=str(fields.get("partner_reference", "")),
        decision=str(fields.get("decision", "")),
        documents=tuple(fields.get("documents", ()) or ()),  # type: ignore[arg-type]
    )
    requests = info.context.dar.requests
    outcome = await counted(info.context, name, lambda: requests.step(command))
    return _result(outcome)


@strawberry.type
class RequestMutations:
    @strawberry.mutation(
        description="Record information given, or a redirection (no file).",
        permission_classes=allowed(STAFF),
    )
    async def record_contact(self, info: DarInfo, input: RecordContactInput) -> ContactResult:
        principal = info.context.authenticate()
        code = await house_code_of(info.context, input.house_id)
        command = RecordContact(
            command_id=checked_command_id(input.command_id),
            actor=principal.actor,
            house_code=code,
            label=input.ticket,
            kind=input.kind,
            partner_code=input.partner_code,
            topic=input.topic,
        )
        requests = info.context.dar.requests
        outcome = await counted(
            info.context, "recordContact", lambda: requests.record_contact(command)
        )
        return ContactResult(
            visit_id=strawberry.ID(outcome.values["visit_id"]),
            position=Position(outcome.position),
            replayed=outcome.replayed,
        )

    @strawberry.mutation(
        description="Lodge a request for the citizen served at the caller's counter; receipt.",
        permission_classes=allowed(STAFF),
    )
    async def lodge_request(self, info: DarInfo, input: LodgeRequestInput) -> RequestResult:
        principal = info.context.authenticate()
        code = await house_code_of(info.context, input.house_id)
        own_house_only(principal, code)
        command = LodgeRequest(
            command_id=checked_command_id(input.command_id),
            actor=principal.actor,
            house_code=code,
            label=input.ticket,
            employee_number=principal.subject,
            citizen_id=parse_id(input.citizen_id, "citizenId"),
            partner_code=input.partner_code,
            service_code=input.service_code,
            documents=tuple(input.documents),
            citizen_present=input.citizen_present,
        )
        requests = info.context.dar.requests
        outcome = await counted(info.context, "lodgeRequest", lambda: requests.lodge(command))
        return _result(outcome)

    @strawberry.mutation(
        description="An immediate service is done at the counter.",
        permission_classes=allowed(STAFF),
    )
    async def complete_request(self, info: DarInfo, input: RequestInput) -> RequestResult:
        return await _step(info, "completeRequest", "complete", input.command_id, input.request_id)

    @strawberry.mutation(
        description="Send a forwarded service's file to the partner.",
        permission_classes=allowed(STAFF),
    )
    async def forward_request(self, info: DarInfo, input: RequestInput) -> RequestResult:
        return await _step(info, "forwardRequest", "forward", input.command_id, input.request_id)

    @strawberry.mutation(
        description="The partner received the file, under its reference.",
        permission_classes=allowed(PARTNER_SIDE),
    )
    async def acknowledge_request(
        self, info: DarInfo, input: AcknowledgeRequestInput
    ) -> RequestResult:
        return await _step(
            info,
            "acknowledgeRequest",
            "acknowledge",
            input.command_id,
            input.request_id,
            partner_reference=input.partner_reference,
        )

    @strawberry.mutation(
        description="The partner returns the file to be corrected.",
        permission_classes=allowed(PARTNER_SIDE),
    )
    async def return_for_correction(
        self, info: DarInfo, input: RequestReasonInput
    ) -> RequestResult:
        return await _step(
            info,
            "returnForCorrection",
            "return_for_correction",
            input.command_id,
            input.request_id,
            reason=input.reason,
        )

    @strawberry.mutation(
        description="Send the corrected file again.", permission_classes=allowed(STAFF)
    )
    async def resubmit_request(self, info: DarInfo, input: ResubmitRequestInput) -> RequestResult:
        return await _step(
            info,
            "resubmitRequest",
            "resubmit",
            input.command_id,
            input.request_id,
            documents=tuple(input.documents),
        )

    @strawberry.mutation(
        description="The partner's decision: accepted, refused or closed.",
        permission_classes=allowed(PARTNER_SIDE),
    )
    async def record_partner_decision(
        self, info: DarInfo, input: PartnerDecisionInput
    ) -> RequestResult:
        return await _step(
            info,
            "recordPartnerDecision",
            "decide",
            input.command_id,
            input.request_id,
            decision=input.decision,
            reason=input.reason,
        )

    @strawberry.mutation(
        description="The citizen withdraws a request not yet decided.",
        permission_classes=allowed(STAFF),
    )
    async def withdraw_request(self, info: DarInfo, input: RequestReasonInput) -> RequestResult:
        return await _step(
            info,
            "withdrawRequest",
            "withdraw",
            input.command_id,
            input.request_id,
            reason=input.reason,
        )
