"""Projects the counter's, the requests', the payments' and the grants' events into statistics.

Each event adds to the cell of its house and business day (Africa/Tunis); the writer keeps each
house's, municipality's, governorate's and the nation's finished figures of a day beside the
cells; figures for a week, a month or a filtered question are merges of cells made when asked.
An event the statistics cannot place (a ticket of a queue never opened, a refund never asked
for) is counted in `skipped` and changes no cell: no event stops this read model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from eventsourcing.domain import DomainEventProtocol

from domain.counter.queue import Queue
from domain.counter.request import CitizenRequest, RequestStatus
from domain.counter.visit import ContactKind, Visit
from domain.delegation.grant import DelegationGrant
from domain.houses.calendar import BusinessCalendar
from domain.houses.house import House
from domain.partners.partner import Partner
from domain.payments.payment import Payment
from domain.shared.time import TUNIS, tunis_day
from projections.ports import Reads
from projections.rows import changed
from projections.statistics.histogram import HANDLING, HOUR, TURNAROUND, WAIT
from projections.statistics.reads import STATISTICS_READS
from projections.statistics.view import (
    GrantRow,
    HouseRow,
    PartnerRow,
    PaymentRow,
    QueueRow,
    RequestRow,
    StatisticsWriter,
    TicketRow,
    VisitRow,
)

_MILLISECOND = timedelta(milliseconds=1)
_NO_PARTNER = ("", "")  # waits, handling times, hours: the queue knows no partner
Step = Callable[[Any, int, StatisticsWriter], None]
DECISIONS = {
    RequestStatus.ACCEPTED.value: "accepted",
    RequestStatus.REFUSED.value: "refused",
    RequestStatus.CLOSED.value: "closed",
}
GRANT_CHANGES = {
    DelegationGrant.Amended: "amended",
    DelegationGrant.Suspended: "suspended",
    DelegationGrant.Reinstated: "reinstated",
    DelegationGrant.Renewed: "renewed",
    DelegationGrant.Revoked: "revoked",
}


class StatisticsProjection:
    """The governance office's cells; no personal data is read into them."""

    name = "statistics"
    version = 4  # 2: a histogram in one row, not one per bucket; 3: areas' day figures kept;
    # 4: each kept day beside its summed cells (added to, not merged again, at a batch's end)
    # the aggregates whose events it applies: the runner decodes no other event for it
    subscribes_to: ClassVar[tuple[type, ...]] = (
        House,
        Partner,
        Queue,
        Visit,
        CitizenRequest,
        Payment,
        DelegationGrant,
    )
    # the fields of each event its steps read: no other is decoded for it (projections/ports.py)
    reads: ClassVar[Reads] = STATISTICS_READS

    def __init__(self, calendar: BusinessCalendar) -> None:
        self._calendar = calendar
        self._steps: dict[type, Step] = {
            House.Registered: _house_registered,
            House.LocalHolidayAdded: _holiday,
            Partner.Registered: _partner_registered,
            Queue.Opened: _queue_opened,
            Queue.TicketIssued: _issued,
            Queue.TicketCalled: _called,
            Queue.TicketMarkedNoShow: _no_show,
            Queue.TicketTransferredOut: _transferred,
            Queue.TicketWalkedAway: _walked_away,
            Queue.VisitEnded: _ended,
            Visit.Opened: _visit_opened,
            Visit.ContactRecorded: _contact,
            CitizenRequest.Lodged: _lodged,
            CitizenRequest.Completed: _request_count("on_the_spot"),
            CitizenRequest.Forwarded: _forwarded,
            CitizenRequest.ReturnedForCorrection: _request_count("returned"),
            CitizenRequest.Decided: self._decided,
            CitizenRequest.Withdrawn: _request_count("withdrawn"),
            Payment.Initiated: _payment_initiated,
            Payment.Captured: _captured,
            Payment.RefundRequested: _refund_requested,
            Payment.Refunded: _refunded,
            DelegationGrant.Granted: _granted,
            **dict.fromkeys(GRANT_CHANGES, _grant_changed),
        }

    @property
    def key(self) -> str:
        """Tracking key and table suffix."""
        return f"{self.name}_v{self.version}"

    def apply(self, event: DomainEventProtocol[Any], position: int, w: StatisticsWriter) -> None:
        """Add the event to its cell; an event that says nothing the statistics count is passed."""
        step = self._steps.get(type(event))
        if step is not None:
            step(event, position, w)

    def _decided(self, e: Any, position: int, w: StatisticsWriter) -> None:  # noqa: ANN401
        """A partner's decision, and the working days it took from the first forwarding."""
        request = w.request(e.originator_id)
        field = DECISIONS.get(e.decision)
        if request is None or field is None:
            w.skip(type(e).__qualname__, "unknown request or decision", position)
            return
        day = tunis_day(e.timestamp)
        values = {field: 1, "decided": 1}
        if request.due_on is not None:
            values["with_deadline"] = 1
            values["on_time"] = int(day <= request.due_on)
        if request.forwarded_on is not None:
            days = self._working_days(w.house(request.house_id), request.forwarded_on, day)
            values["turnaround_days"] = days
            where = (request.partner_code, request.service_code)
            w.sample(request.house_id, day, TURNAROUND.name, where, TURNAROUND.of(days), 1)
        w.add_service((request.house_id, day, request.partner_code, request.service_code), values)

    def _working_days(self, house: HouseRow | None, first: date, last: date) -> int:
        """Working days after `first` up to `last`, the house's own holidays included."""
        calendar = self._calendar
        if house is not None and house.holidays:
            own = frozenset(date.fromisoformat(d) for d in house.holidays)
            calendar = replace(calendar, holidays=calendar.holidays | own)
        return calendar.working_days_between(first, last)


# --- houses and partners ----------------------------------------------------------------------


def _house_registered(e: Any, _: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    w.put_house(
        HouseRow(e.originator_id, e.code, e.name_ar, e.name_fr, e.municipality, e.governorate, ())
    )


def _holiday(e: Any, position: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    house = w.house(e.originator_id)
    if house is None:
        w.skip(type(e).__qualname__, "unknown house", position)
        return
    w.put_house(changed(house, holidays=(*house.holidays, e.day.isoformat())))


def _partner_registered(e: Any, _: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    w.put_partner(PartnerRow(e.originator_id, e.code))


# --- queues: visits, waits, handling ----------------------------------------------------------


def _millis(delta: timedelta) -> int:
    return delta // _MILLISECOND


def _queue_opened(e: Any, _: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    w.put_queue(QueueRow(e.originator_id, e.house_id, e.prefix, e.day))


def _issued(e: Any, position: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    queue = w.queue(e.originator_id)
    if queue is None:
        w.skip(type(e).__qualname__, "unknown queue", position)
        return
    house, day = queue.house_id, queue.day
    w.issue_ticket(TicketRow(house, day, e.label, queue.prefix, e.timestamp, None, False, None))  # noqa: FBT003
    w.add_line((house, day, queue.prefix), {"visits": 1})
    w.sample(house, day, HOUR.name, _NO_PARTNER, _hour(e.timestamp), 1)


def _hour(moment: datetime) -> int:
    return moment.astimezone(TUNIS).hour


def _ticket(e: Any, position: int, w: StatisticsWriter) -> TicketRow | None:  # noqa: ANN401
    """The ticket the queue event names, or None (counted as skipped)."""
    queue = w.queue(e.originator_id)
    ticket = None if queue is None else w.ticket(queue.house_id, queue.day, e.label)
    if ticket is None:
        w.skip(type(e).__qualname__, "unknown ticket", position)
    return ticket


def _called(e: Any, position: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    """The first call ends the wait; a call after a no-show ends it again (its sample replaced)."""
    ticket = _ticket(e, position, w)
    if ticket is None:
        return
    if ticket.wait_millis is None or ticket.no_show:
        wait = max(0, _millis(e.timestamp - ticket.issued_at))
        house, day = ticket.house_id, ticket.day
        waits, total = 1, wait
        if ticket.wait_millis is not None:  # the earlier wait, ended by the call missed
            w.sample(house, day, WAIT.name, _NO_PARTNER, WAIT.of(ticket.wait_millis), -1)
            waits, total = 0, wait - ticket.wait_millis
        w.sample(house, day, WAIT.name, _NO_PARTNER, WAIT.of(wait), 1)
        w.add_line((house, day, ticket.line), {"waits": waits, "wait_millis": total})
        ticket = changed(ticket, wait_millis=wait)
    w.put_ticket(changed(ticket, called_at=e.timestamp, no_show=False))


def _no_show(e: Any, position: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    ticket = _ticket(e, position, w)
    if ticket is None:
        return
    w.put_ticket(changed(ticket, no_show=True))
    w.add_line((ticket.house_id, ticket.day, ticket.line), {"no_shows": 1})


def _transferred(e: Any, position: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    """Sent to another line: the same visit goes on there (its ticket keeps its label)."""
    ticket = _ticket(e, position, w)
    if ticket is None:
        return
    w.add_line((ticket.house_id, ticket.day, ticket.line), {"transferred": 1})


def _walked_away(e: Any, position: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    ticket = _ticket(e, position, w)
    if ticket is None:
        return
    w.drop_ticket(ticket.house_id, ticket.day, ticket.label)
    w.add_line((ticket.house_id, ticket.day, ticket.line), {"walked_away": 1})


def _ended(e: Any, position: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    """Served: the handling time runs from the call that started the service."""
    ticket = _ticket(e, position, w)
    if ticket is None:
        return
    w.drop_ticket(ticket.house_id, ticket.day, ticket.label)
    line = (ticket.house_id, ticket.day, ticket.line)
    if ticket.called_at is None:  # pragma: no cover - the queue ends called tickets only
        w.add_line(line, {"served": 1})
        return
    handling = max(0, _millis(e.timestamp - ticket.called_at))
    bucket = HANDLING.of(handling)
    w.sample(ticket.house_id, ticket.day, HANDLING.name, _NO_PARTNER, bucket, 1)
    w.add_line(line, {"served": 1, "handled": 1, "handling_millis": handling})


# --- visits' contacts, requests ---------------------------------------------------------------


def _visit_opened(e: Any, _: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    w.put_visit(VisitRow(e.originator_id, e.house_id))


def _contact(e: Any, position: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    visit = w.visit(e.originator_id)
    if visit is None:
        w.skip(type(e).__qualname__, "unknown visit", position)
        return
    key = (visit.house_id, tunis_day(e.timestamp), e.partner_code)
    if e.kind == ContactKind.REDIRECTION.value:
        w.add_contact(key, {"redirections": 1})
    else:
        w.add_contact(key, {"information": 1})


def _lodged(e: Any, _: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    row = RequestRow(e.originator_id, e.house_id, e.partner_code, e.service_code, e.due_on, None)
    w.put_request(row)
    key = (e.house_id, tunis_day(e.timestamp), e.partner_code, e.service_code)
    w.add_service(key, {"lodged": 1})


def _request_count(field: str) -> Step:
    """A step that counts the request's event in `field` of its cell of the day."""

    def step(e: Any, position: int, w: StatisticsWriter) -> None:  # noqa: ANN401
        request = w.request(e.originator_id)
        if request is None:
            w.skip(type(e).__qualname__, "unknown request", position)
            return
        day = tunis_day(e.timestamp)
        key = (request.house_id, day, request.partner_code, request.service_code)
        w.add_service(key, {field: 1})

    return step


_count_forwarded = _request_count("forwarded")


def _forwarded(e: Any, position: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    _count_forwarded(e, position, w)
    request = w.request(e.originator_id)
    if request is not None and request.forwarded_on is None:
        w.put_request(changed(request, forwarded_on=tunis_day(e.timestamp)))


# --- money ------------------------------------------------------------------------------------


def _payment_initiated(e: Any, _: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    w.put_payment(
        PaymentRow(e.originator_id, e.house_id, e.partner_code, e.service_code, e.method, ())
    )


def _payment(e: Any, position: int, w: StatisticsWriter) -> PaymentRow | None:  # noqa: ANN401
    payment = w.payment(e.originator_id)
    if payment is None:
        w.skip(type(e).__qualname__, "unknown payment", position)
    return payment


def _captured(e: Any, position: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    payment = _payment(e, position, w)
    if payment is None:
        return
    w.add_money(payment, e.business_date, {"captured": 1, "captured_millimes": e.amount_millimes})


def _refund_requested(e: Any, position: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    payment = _payment(e, position, w)
    if payment is not None:
        asked = f"{e.refund_id}={e.amount_millimes}"
        w.put_payment(changed(payment, refunds=(*payment.refunds, asked)))


def _refunded(e: Any, position: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    payment = _payment(e, position, w)
    if payment is None:
        return
    amounts = dict(r.rpartition("=")[::2] for r in payment.refunds)
    amount = amounts.get(e.refund_id)
    if amount is None:
        w.skip(type(e).__qualname__, "unknown refund", position)
        return
    w.add_money(payment, e.business_date, {"refunds": 1, "refunded_millimes": int(amount)})


# --- grants -----------------------------------------------------------------------------------


def _granted(e: Any, _: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    partner = w.partner(e.partner_id)
    code = partner.code if partner is not None else str(e.partner_id)
    day = tunis_day(e.timestamp)
    change = f"{day.isoformat()} granted {e.starts_on.isoformat()} {e.ends_on.isoformat()}"
    w.put_grant(GrantRow(e.originator_id, e.house_id, code, (change,)))
    w.add_grant_day((e.house_id, day, code), {"granted": 1})


def _grant_changed(e: Any, position: int, w: StatisticsWriter) -> None:  # noqa: ANN401
    grant = w.grant(e.originator_id)
    if grant is None:
        w.skip(type(e).__qualname__, "unknown grant", position)
        return
    kind, day = GRANT_CHANGES[type(e)], tunis_day(e.timestamp)
    change = f"{day.isoformat()} {kind}"
    if kind == "renewed":
        change += f" {e.ends_on.isoformat()}"
    if kind != "amended":
        w.put_grant(changed(grant, changes=(*grant.changes, change)))
    w.add_grant_day((grant.house_id, day, grant.partner_code), {kind: 1})
