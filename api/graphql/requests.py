"""Contacts and requests in GraphQL: lodged at the counter, followed at the partner.

House staff act in their own house; a `partner` user acts on its own partner's forwarded files;
a supervisor may record a partner's answers given on paper. Reads of a citizen's files name a
purpose and are recorded.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

import strawberry

from api.auth import STAFF, Principal, Role
from api.graphql.access import ADMIN, PARTNER_SIDE, query
from api.graphql.caller import C, Caller, parse_id
from api.graphql.context import Context, DarInfo
from api.graphql.counter import TicketOfToday
from api.graphql.cursors import cursor, position_after
from api.graphql.enums import ContactKind, Mode, PartnerDecision, RequestStatus
from api.graphql.pipeline import InHouse, Submission, Submits, mutation
from api.graphql.privacy import reader_of
from api.graphql.rows import Answer, from_row
from api.graphql.scalars import Position
from application.counter.commands import (
    AcknowledgeRequest,
    CompleteRequest,
    ContactRecorded,
    ForwardRequest,
    HouseRequestCommand,
    LodgeRequest,
    PartnerRequestCommand,
    RecordContact,
    RecordPartnerDecision,
    RequestChanged,
    ResubmitRequest,
    ReturnForCorrection,
    WithdrawRequest,
)
from domain.citizens.categories import HEALTH_PARTNER, DataCategory
from domain.citizens.citizen import Citizen
from domain.counter.request import FINAL
from domain.houses.calendar import BusinessCalendar
from domain.houses.house import house_id as house_id_of
from domain.shared.errors import ForbiddenError, ValidationError
from domain.shared.time import tunis_day
from projections.requests.view import (
    FINAL_STATUSES,
    RequestFilter,
    RequestRow,
    Standing,
    standing,
)

H = TypeVar("H", bound=HouseRequestCommand)
P = TypeVar("P", bound=PartnerRequestCommand)

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
    mode: Mode
    status: RequestStatus
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
    decided_at: datetime | None = strawberry.field(
        description="When the partner decided it (null until then)."
    )
    position: Position


@strawberry.type(description="A page of requests, latest lodged first.")
class RequestPage:
    items: list[Request]
    end_cursor: str | None
    has_next_page: bool


@strawberry.type(description="What a request command did.")
class RequestResult(Answer[RequestChanged]):
    id: strawberry.ID
    receipt: str
    position: Position
    replayed: bool


@strawberry.type(description="A contact recorded during a visit.")
class ContactResult(Answer[ContactRecorded]):
    visit_id: strawberry.ID
    position: Position
    replayed: bool


def request_of(row: RequestRow, calendar: BusinessCalendar | None, today: date) -> Request:
    """The GraphQL view of a row, with its standing against its deadline on `today`.

    `calendar` (the house's, from the requests read model) is needed only for a file whose
    deadline runs: one not final with a deadline.
    """
    figures = standing(row, calendar, today) if calendar else Standing(0, None)
    return from_row(
        Request,
        row,
        id=row.request_id,
        overdue_working_days=figures.overdue_working_days,
        working_days_left=figures.working_days_left,
        age_days=(today - tunis_day(row.lodged_at)).days,
    )


def requests_of(context: Context, rows: list[RequestRow]) -> list[Request]:
    """The rows' views on the injected clock's Tunis day, their houses' calendars read at once."""
    today = tunis_day(context.dar.clock.now())
    running = {r.house_id for r in rows if r.due_on is not None and r.status not in FINAL_STATUSES}
    calendars = context.dar.read.requests.calendars(running)
    return [request_of(r, calendars.get(r.house_id), today) for r in rows]


def house_of(principal: Principal) -> UUID | None:
    """The id of a staff member's house (None for other roles); its code gives it, unread."""
    if principal.role not in STAFF or not principal.house:
        return None
    return house_id_of(principal.house)


def _visible(principal: Principal, row: RequestRow) -> bool:
    """Staff: their house; a partner: its own requests; admin and auditor: all."""
    if principal.role in STAFF:
        return house_of(principal) == row.house_id
    if principal.role is Role.PARTNER:
        return principal.partner == row.partner_code
    return True


async def _shown(context: Context, row: RequestRow | None) -> Request | None:
    if row is None or not _visible(context.authenticate(), row):
        return None
    return (await context.blocking(lambda: requests_of(context, [row])))[0]


@strawberry.type
class RequestQueries:
    @query(
        STAFF | ADMIN | frozenset({Role.AUDITOR, Role.PARTNER}),
        "One request, or null (each caller sees only its own).",
    )
    async def request(
        self, info: DarInfo, id: strawberry.ID, at_least_position: Position | None = None
    ) -> Request | None:
        row = await info.context.read(
            "requests", at_least_position, lambda r: r.requests.get(parse_id(id, "id"))
        )
        return await _shown(info.context, row)

    @query(
        STAFF | ADMIN | frozenset({Role.AUDITOR, Role.PARTNER}),
        "The request with this receipt number, or null.",
    )
    async def request_by_receipt(
        self, info: DarInfo, number: str, at_least_position: Position | None = None
    ) -> Request | None:
        row = await info.context.read(
            "requests", at_least_position, lambda r: r.requests.by_receipt(number.strip())
        )
        return await _shown(info.context, row)

    @query(
        STAFF | ADMIN | frozenset({Role.AUDITOR}),
        "A house's requests, latest first, a page at a time.",
    )
    async def requests(  # noqa: PLR0913, PLR0917 - the list's filters
        self,
        info: DarInfo,
        house_id: strawberry.ID,
        status: RequestStatus | None = None,
        partner_code: str | None = None,
        first: int = 50,
        after: str | None = None,
        at_least_position: Position | None = None,
    ) -> RequestPage:
        dar = info.context.dar
        if not 1 <= first <= dar.settings.max_page_size:
            raise ValidationError("first", f"1 to {dar.settings.max_page_size}")
        code = await info.context.caller().house_code_of(house_id)
        where = RequestFilter(
            house_id=parse_id(house_id, "houseId") if code else None,
            partner_code=partner_code,
            statuses=(status.value,) if status else (),
            before=position_after("lodged", after),
        )
        return await info.context.read(
            "requests",
            at_least_position,
            lambda r: _page(info.context, r.requests.page(where, limit=first + 1), first),
        )

    @query(PARTNER_SIDE, "Forwarded files waiting at a partner (partner: its own).")
    async def partner_inbox(
        self, info: DarInfo, partner_code: str, at_least_position: Position | None = None
    ) -> list[Request]:
        principal = info.context.authenticate()
        if principal.role is Role.PARTNER and principal.partner != partner_code:
            return []
        limit = info.context.dar.settings.max_page_size
        house = house_of(principal)
        where = RequestFilter(house_id=house, partner_code=partner_code, statuses=OPEN_AT_PARTNER)
        return await info.context.read(
            "requests",
            at_least_position,
            lambda r: requests_of(info.context, r.requests.page(where, limit=limit)),
        )

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
        await info.context.read(
            "requests", at_least_position, lambda _: dar.store.load(uuid, Citizen, "citizen")
        )
        reader = reader_of(principal)
        citizens = dar.citizens
        chosen = citizens.purposes.get(purpose)
        allowed = await info.context.blocking(lambda: citizens.allowed(chosen, reader))
        where = RequestFilter(citizen_id=uuid, statuses=OPEN)
        rows = await info.context.blocking(
            lambda: dar.read.requests.page(where, limit=dar.settings.max_page_size)
        )
        if principal.role in STAFF:
            rows = [r for r in rows if r.house_id == house_of(principal)]
        if DataCategory.HEALTH not in allowed:
            rows = [r for r in rows if r.partner_code != HEALTH_PARTNER]
        fields = ("files", "health") if DataCategory.HEALTH in allowed else ("files",)
        await info.context.blocking(
            lambda: citizens.record_access(uuid, chosen, reader, "citizenFiles", fields)
        )
        return await info.context.blocking(lambda: requests_of(info.context, rows))


def _page(context: Context, rows: list[RequestRow], first: int) -> RequestPage:
    shown = rows[:first]
    return RequestPage(
        items=requests_of(context, shown),
        end_cursor=cursor("lodged", shown[-1].lodged_position) if shown else None,
        has_next_page=len(rows) > first,
    )


@strawberry.input(description="Information given, or a redirection, during a visit.")
class RecordContactInput(TicketOfToday):
    kind: ContactKind
    partner_code: str
    topic: str

    async def to_command(self, caller: Caller) -> Submission[RecordContact, ContactRecorded]:
        """Record the contact on the ticket's visit."""
        command = await self.on_ticket(caller, RecordContact, kind=self.kind.value)
        return Submission(command, caller.dar.requests.record_contact)


@strawberry.input(description="A request to lodge for the citizen served at the caller's counter.")
class LodgeRequestInput(InHouse):
    ticket: str = strawberry.field(description="The ticket being served at the caller's counter.")
    citizen_id: strawberry.ID
    partner_code: str
    service_code: str
    documents: list[str]
    citizen_present: bool = True

    async def to_command(self, caller: Caller) -> Submission[LodgeRequest, RequestChanged]:
        """Lodge the request, under the caller's employee number."""
        citizen, staff = parse_id(self.citizen_id, "citizenId"), caller.principal.subject
        command = await self.in_house(
            caller, LodgeRequest, label=self.ticket, employee_number=staff, citizen_id=citizen
        )
        return Submission(command, caller.dar.requests.lodge)


@strawberry.input(description="A command on a request, with the idempotency key.")
class OnRequest:
    command_id: str
    request_id: strawberry.ID

    def by_house(self, caller: Caller, kind: type[H], /, **extras: Any) -> H:  # noqa: ANN401 - any field's value
        """A house's step `kind` on the request: the staff member's house acts."""
        if caller.house_code is None:  # pragma: no cover - the operations are open to staff only
            raise ForbiddenError("house staff act on their house's requests")
        return self._on(caller, kind, house_code=caller.house_code, **extras)

    def by_partner_side(self, caller: Caller, kind: type[P], /, **extras: Any) -> P:  # noqa: ANN401 - any field's value
        """A partner's step `kind` on the request: the partner, or the supervisor's house."""
        return self._on(
            caller, kind, house_code=caller.house_code, partner_code=caller.partner, **extras
        )

    def _on(self, caller: Caller, kind: type[C], /, **extras: Any) -> C:  # noqa: ANN401 - any field's value
        key = caller.key(self.command_id)  # checked before the request's id
        request = parse_id(self.request_id, "requestId")
        return caller.command(kind, self, command_id=key, request_id=request, **extras)


@strawberry.input(description="An immediate service done at the counter.")
class CompleteRequestInput(OnRequest):
    async def to_command(self, caller: Caller) -> Submission[CompleteRequest, RequestChanged]:
        """Complete the request."""
        return Submission(self.by_house(caller, CompleteRequest), caller.dar.requests.complete)


@strawberry.input(description="A forwarded service's file to send to the partner.")
class ForwardRequestInput(OnRequest):
    async def to_command(self, caller: Caller) -> Submission[ForwardRequest, RequestChanged]:
        """Forward the request."""
        return Submission(self.by_house(caller, ForwardRequest), caller.dar.requests.forward)


@strawberry.input(description="The corrected file, with any documents added.")
class ResubmitRequestInput(OnRequest):
    documents: list[str] = strawberry.field(default_factory=list)

    async def to_command(self, caller: Caller) -> Submission[ResubmitRequest, RequestChanged]:
        """Resubmit the request."""
        return Submission(self.by_house(caller, ResubmitRequest), caller.dar.requests.resubmit)


@strawberry.input(description="A request the citizen withdraws, and why.")
class WithdrawRequestInput(OnRequest):
    reason: str

    async def to_command(self, caller: Caller) -> Submission[WithdrawRequest, RequestChanged]:
        """Withdraw the request."""
        return Submission(self.by_house(caller, WithdrawRequest), caller.dar.requests.withdraw)


@strawberry.input(description="The partner's receipt of a file, under its own reference.")
class AcknowledgeRequestInput(OnRequest):
    partner_reference: str

    async def to_command(self, caller: Caller) -> Submission[AcknowledgeRequest, RequestChanged]:
        """Acknowledge the request (the partner, or the supervisor recording its answer)."""
        command = self.by_partner_side(caller, AcknowledgeRequest)
        return Submission(command, caller.dar.requests.acknowledge)


@strawberry.input(description="A file the partner returns to be corrected, and why.")
class ReturnForCorrectionInput(OnRequest):
    reason: str

    async def to_command(self, caller: Caller) -> Submission[ReturnForCorrection, RequestChanged]:
        """Return the request for correction."""
        command = self.by_partner_side(caller, ReturnForCorrection)
        return Submission(command, caller.dar.requests.return_for_correction)


@strawberry.input(description="The partner's decision on a file, and why.")
class PartnerDecisionInput(OnRequest):
    decision: PartnerDecision
    reason: str

    async def to_command(self, caller: Caller) -> Submission[RecordPartnerDecision, RequestChanged]:
        """Record the partner's decision."""
        decision = self.decision.value
        command = self.by_partner_side(caller, RecordPartnerDecision, decision=decision)
        return Submission(command, caller.dar.requests.record_decision)


def _request_mutation(
    input_type: type[Submits[RequestChanged]], roles: frozenset[Role], description: str
) -> Any:  # noqa: ANN401 - a strawberry field
    """A mutation of a request, answered with the request and its receipt."""
    return mutation(input_type, RequestResult, roles, description)


@strawberry.type
class RequestMutations:
    record_contact = mutation(
        RecordContactInput,
        ContactResult,
        STAFF,
        "Record information given, or a redirection (no file).",
    )
    lodge_request = _request_mutation(
        LodgeRequestInput,
        STAFF,
        "Lodge a request for the citizen served at the caller's counter; receipt.",
    )
    complete_request = _request_mutation(
        CompleteRequestInput, STAFF, "An immediate service is done at the counter."
    )
    forward_request = _request_mutation(
        ForwardRequestInput, STAFF, "Send a forwarded service's file to the partner."
    )
    acknowledge_request = _request_mutation(
        AcknowledgeRequestInput, PARTNER_SIDE, "The partner received the file, under its reference."
    )
    return_for_correction = _request_mutation(
        ReturnForCorrectionInput, PARTNER_SIDE, "The partner returns the file to be corrected."
    )
    resubmit_request = _request_mutation(
        ResubmitRequestInput, STAFF, "Send the corrected file again."
    )
    record_partner_decision = _request_mutation(
        PartnerDecisionInput, PARTNER_SIDE, "The partner's decision: accepted, refused or closed."
    )
    withdraw_request = _request_mutation(
        WithdrawRequestInput, STAFF, "The citizen withdraws a request not yet decided."
    )
