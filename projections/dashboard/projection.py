"""Projects the counter's, the requests', the payments' and the authorities' events per house.

What the dashboard counts, per house and business day (Africa/Tunis):
- visits: tickets issued (a ticket starts a visit; a transfer to another line is not a new one);
  served: visits ended at a counter; no-shows: each time a called citizen was marked absent.
- contacts: information given or redirections recorded during visits.
- requests done on the spot: requests completed at the counter; forwarded: requests sent to the
  partner's back office; refused: the partners' refusals recorded that day on the house's files
  (a file's refusal is the only refusal in Dar's record: a request the counter cannot take —
  missing documents, no grant — records nothing).
- money: captures of that business day per partner and method, less the refunds paid back on
  that day (the payments' own business dates).
Handling time runs from the call that started the service to the visit's end (a parked ticket
resumed keeps its call), as the queue measures it; each line keeps the last `RECENT_HANDLING`.
Counters open come from the day's counter room (the house's own counter events, recorded before
rooms existed, say nothing of today).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from domain.counter.queue import Queue, TicketStatus
from domain.counter.request import CitizenRequest, RequestStatus
from domain.counter.visit import Visit
from domain.delegation.grant import DelegationGrant
from domain.houses.agent import Agent
from domain.houses.house import House
from domain.houses.room import CounterRoom
from domain.partners.partner import Partner
from domain.payments.payment import Payment
from domain.shared.time import tunis_day
from projections.dashboard.actors import agent_of
from projections.dashboard.view import (
    RECENT_HANDLING,
    AgentRow,
    AuthorityRow,
    CounterRow,
    DashboardWriter,
    LineRow,
    PartnerRow,
    PaymentRow,
    QueueRow,
    RefundRow,
    RequestRow,
    TicketRow,
    VisitRow,
)
from projections.rows import changed

GRANT, ACCREDITATION = "GRANT", "ACCREDITATION"
WAITING, CALLED, PARKED, NO_SHOW = (
    TicketStatus.WAITING.value,
    TicketStatus.CALLED.value,
    TicketStatus.PARKED.value,
    TicketStatus.NO_SHOW.value,
)
REQUEST_STATUS = {
    CitizenRequest.Completed: RequestStatus.COMPLETED.value,
    CitizenRequest.Forwarded: RequestStatus.SUBMITTED.value,
    CitizenRequest.Acknowledged: RequestStatus.AT_PARTNER.value,
    CitizenRequest.ReturnedForCorrection: RequestStatus.RETURNED.value,
    CitizenRequest.Resubmitted: RequestStatus.RESUBMITTED.value,
    CitizenRequest.Withdrawn: RequestStatus.WITHDRAWN.value,
}
REFUSED = RequestStatus.REFUSED.value
_MILLISECOND = timedelta(milliseconds=1)


class DashboardProjection:
    """Each house's dashboard as rows; the figures that depend on "now" are left to the query."""

    name = "counter_dashboard"
    version = 1
    # the aggregates whose events it applies: the runner decodes no other event for it
    subscribes_to: ClassVar[tuple[type, ...]] = (
        Queue,
        Visit,
        CitizenRequest,
        Payment,
        CounterRoom,
        House,
        Agent,
        Partner,
        DelegationGrant,
    )

    @property
    def key(self) -> str:
        """Tracking key and table suffix."""
        return f"{self.name}_v{self.version}"

    def apply(self, event: DomainEventProtocol[Any], position: int, w: DashboardWriter) -> None:
        """Apply one event; `touch` records which house's dashboard it changed."""
        kind = type(event)
        handler = _HANDLERS.get(kind)
        if handler is None:
            handler = _HANDLERS[kind] = _handler_of(kind)
        house = handler(event, w)
        if house is not None:
            w.touch(house, position)


# --- queues and tickets ---------------------------------------------------------------------


def _queue_opened(e: Any, w: DashboardWriter) -> UUID | None:  # noqa: ANN401
    w.add_queue(QueueRow(e.originator_id, e.house_id, e.prefix, e.day))
    return None


def _issued(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    queue = w.queue(e.originator_id)
    _waiting(w, queue, e)
    day = w.day(queue.house_id, queue.day)
    w.put_day(changed(day, visits=day.visits + 1))
    return queue.house_id


def _transferred_in(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    queue = w.queue(e.originator_id)
    _waiting(w, queue, e)
    return queue.house_id


def _waiting(w: DashboardWriter, queue: QueueRow, e: Any) -> None:  # noqa: ANN401
    w.put_ticket(
        TicketRow(
            queue.house_id, queue.day, e.label, queue.prefix, WAITING, e.timestamp, None, None, None
        )
    )


def _ticket_changed(**fields: object) -> Any:  # noqa: ANN401
    """A step that sets these fields of the ticket (event attributes named by `$name`)."""

    def step(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
        queue = w.queue(e.originator_id)
        row = w.ticket(queue.house_id, queue.day, e.label)
        w.put_ticket(changed(row, **{k: _value(e, v) for k, v in fields.items()}))
        return queue.house_id

    return step


def _value(e: Any, value: object) -> object:  # noqa: ANN401
    """`$name`: the event's attribute `name`; anything else as it is."""
    return getattr(e, value[1:]) if isinstance(value, str) and value[:1] == "$" else value


def _called(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    queue = w.queue(e.originator_id)
    row = w.ticket(queue.house_id, queue.day, e.label)
    w.put_ticket(
        changed(row, status=CALLED, counter=e.counter, agent_id=e.agent_id, called_at=e.timestamp)
    )
    return queue.house_id


_NO_SHOW_TICKET = _ticket_changed(status=NO_SHOW, counter=None, agent_id=None)


def _no_show(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    _NO_SHOW_TICKET(e, w)
    queue = w.queue(e.originator_id)
    day = w.day(queue.house_id, queue.day)
    w.put_day(changed(day, no_shows=day.no_shows + 1))
    return queue.house_id


def _transferred_out(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    """Gone from this line: the receiving line's ticket (same label) replaces it, in any order."""
    queue = w.queue(e.originator_id)
    row = w.ticket(queue.house_id, queue.day, e.label)
    if row.line == queue.prefix:
        w.drop_ticket(queue.house_id, queue.day, e.label)
    return queue.house_id


def _walked_away(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    queue = w.queue(e.originator_id)
    w.drop_ticket(queue.house_id, queue.day, e.label)
    return queue.house_id


def _visit_ended(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    queue = w.queue(e.originator_id)
    house, day = queue.house_id, queue.day
    row = w.ticket(house, day, e.label)
    millis = 0 if row.called_at is None else _millis(e.timestamp - row.called_at)
    w.drop_ticket(house, day, e.label)
    figures = w.day(house, day)
    w.put_day(changed(figures, served=figures.served + 1))
    if row.agent_id is not None:
        agent = w.agent_day(house, day, row.agent_id)
        w.put_agent_day(
            changed(
                agent,
                visits_served=agent.visits_served + 1,
                handling_millis=agent.handling_millis + millis,
            )
        )
    line = w.line(house, queue.prefix)
    if line is not None:
        recent = (*line.recent_handling, str(millis))[-RECENT_HANDLING:]
        w.put_line(changed(line, recent_handling=recent))
    return house


def _millis(delta: timedelta) -> int:
    return delta // _MILLISECOND


# --- counters ---------------------------------------------------------------------------------


def _counter_opened(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    w.put_counter(CounterRow(e.house_id, _room_day(e), e.number, e.agent_id))
    return e.house_id  # type: ignore[no-any-return]


def _counter_closed(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    w.drop_counter(e.house_id, _room_day(e), e.number)
    return e.house_id  # type: ignore[no-any-return]


def _room_day(e: Any) -> date:  # noqa: ANN401
    """A room is the business day of the acts recorded in it (see `todays_room`)."""
    return tunis_day(e.timestamp)


# --- visits and requests ----------------------------------------------------------------------


def _visit_opened(e: Any, w: DashboardWriter) -> None:  # noqa: ANN401
    w.add_visit(VisitRow(e.originator_id, e.house_id))


def _contact(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    house, day = w.visit_house(e.originator_id), tunis_day(e.timestamp)
    figures = w.day(house, day)
    w.put_day(changed(figures, contacts=figures.contacts + 1))
    agent = agent_of(e.actor)
    if agent is not None:
        row = w.agent_day(house, day, agent)
        w.put_agent_day(changed(row, contacts=row.contacts + 1))
    return house


def _lodged(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    w.put_request(
        RequestRow(
            e.originator_id,
            e.house_id,
            e.partner_code,
            e.service_code,
            RequestStatus.LODGED.value,
            e.due_on,
        )
    )
    row = w.agent_day(e.house_id, tunis_day(e.timestamp), e.agent_id)
    w.put_agent_day(changed(row, requests=row.requests + 1))
    return e.house_id  # type: ignore[no-any-return]


def _request_moved(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    status = e.decision if isinstance(e, CitizenRequest.Decided) else REQUEST_STATUS[type(e)]
    row = w.request(e.originator_id)
    w.put_request(changed(row, status=status))
    counted = _COUNTED.get(status)
    if counted is not None:
        day = w.day(row.house_id, tunis_day(e.timestamp))
        w.put_day(changed(day, **{counted: getattr(day, counted) + 1}))
    return row.house_id


_COUNTED = {
    RequestStatus.COMPLETED.value: "on_the_spot",
    RequestStatus.SUBMITTED.value: "forwarded",
    REFUSED: "refused",
}


# --- payments ---------------------------------------------------------------------------------


def _initiated(e: Any, w: DashboardWriter) -> None:  # noqa: ANN401
    w.add_payment(PaymentRow(e.originator_id, e.house_id, e.partner_code, e.method))


def _captured(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    payment = w.payment(e.originator_id)
    row = w.collected(payment.house_id, e.business_date, payment.partner_code, payment.method)
    w.put_collected(
        changed(
            row,
            payments=row.payments + 1,
            captured_millimes=row.captured_millimes + e.amount_millimes,
        )
    )
    return payment.house_id


def _refund_requested(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    payment = w.payment(e.originator_id)
    w.put_refund(
        RefundRow(
            payment.payment_id,
            e.refund_id,
            payment.house_id,
            payment.partner_code,
            e.amount_millimes,
            e.timestamp,
            approved=False,
        )
    )
    return payment.house_id


def _refund_approved(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    refund = w.refund(e.originator_id, e.refund_id)
    w.put_refund(changed(refund, approved=True))
    return refund.house_id


def _refunded(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    refund = w.refund(e.originator_id, e.refund_id)
    w.drop_refund(e.originator_id, e.refund_id)
    payment = w.payment(e.originator_id)
    row = w.collected(payment.house_id, e.business_date, payment.partner_code, payment.method)
    w.put_collected(changed(row, refunded_millimes=row.refunded_millimes + refund.amount_millimes))
    return payment.house_id


# --- houses, agents, partners, grants ---------------------------------------------------------


def _house_registered(e: Any, _: DashboardWriter) -> UUID:  # noqa: ANN401
    return e.originator_id  # type: ignore[no-any-return]


def _line_added(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    w.put_line(LineRow(e.originator_id, e.prefix, e.name, ()))
    return e.originator_id  # type: ignore[no-any-return]


def _enrolled(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    w.put_agent(AgentRow(e.originator_id, e.house_id, e.display_name, active=True))
    return e.house_id  # type: ignore[no-any-return]


def _accredited(e: Any, w: DashboardWriter) -> UUID | None:  # noqa: ANN401
    agent = w.agent(e.originator_id)
    if agent is None:  # pragma: no cover - the log always enrols an agent first
        return None
    code = w.partner_code(e.partner_id)
    w.put_authority(
        AuthorityRow(
            accreditation_key(agent.agent_id, e.partner_id),
            ACCREDITATION,
            agent.house_id,
            code,
            agent.agent_id,
            e.expires_on,
        )
    )
    return agent.house_id


def _accreditation_revoked(e: Any, w: DashboardWriter) -> UUID | None:  # noqa: ANN401
    agent = w.agent(e.originator_id)
    w.drop_authority(accreditation_key(e.originator_id, e.partner_id))
    return None if agent is None else agent.house_id


def _deactivated(e: Any, w: DashboardWriter) -> UUID | None:  # noqa: ANN401
    agent = w.agent(e.originator_id)
    if agent is None:  # pragma: no cover - the log always enrols an agent first
        return None
    w.put_agent(changed(agent, active=False))
    return agent.house_id


def _partner_registered(e: Any, w: DashboardWriter) -> None:  # noqa: ANN401
    w.add_partner(PartnerRow(e.originator_id, e.code))


def _granted(e: Any, w: DashboardWriter) -> UUID:  # noqa: ANN401
    code = w.partner_code(e.partner_id)
    w.put_authority(
        AuthorityRow(grant_key(e.originator_id), GRANT, e.house_id, code, None, e.ends_on)
    )
    return e.house_id  # type: ignore[no-any-return]


def _grant_renewed(e: Any, w: DashboardWriter) -> UUID | None:  # noqa: ANN401
    found = _grant(e, w)
    if found is None:
        return None
    w.put_authority(changed(found, valid_until=e.ends_on))
    return found.house_id


def _grant_revoked(e: Any, w: DashboardWriter) -> UUID | None:  # noqa: ANN401
    found = _grant(e, w)
    if found is None:
        return None
    w.drop_authority(found.authority_id)
    return found.house_id


def _grant(e: Any, w: DashboardWriter) -> AuthorityRow | None:  # noqa: ANN401
    return w.authority(grant_key(e.originator_id))


def grant_key(grant_id: UUID) -> str:
    """An authority row's key for a grant."""
    return f"G/{grant_id}"


def accreditation_key(agent_id: UUID, partner_id: UUID) -> str:
    """An authority row's key for an agent's accreditation for a partner."""
    return f"A/{agent_id}/{partner_id}"


def _nothing(_: Any, __: DashboardWriter) -> None:  # noqa: ANN401
    return None


_HANDLERS: dict[type, Any] = {
    Queue.Opened: _queue_opened,
    Queue.TicketIssued: _issued,
    Queue.TicketTransferredIn: _transferred_in,
    Queue.TicketCalled: _called,
    Queue.TicketMarkedNoShow: _no_show,
    Queue.TicketParked: _ticket_changed(status=PARKED),
    Queue.TicketResumed: _ticket_changed(status=CALLED, counter="$counter", agent_id="$agent_id"),
    Queue.TicketRecycled: _ticket_changed(
        status=WAITING, counter=None, agent_id=None, waiting_since="$timestamp"
    ),
    Queue.TicketTransferredToCounter: _ticket_changed(status=WAITING, counter=None, agent_id=None),
    Queue.TicketTransferredOut: _transferred_out,
    Queue.TicketWalkedAway: _walked_away,
    Queue.VisitEnded: _visit_ended,
    CounterRoom.CounterOpened: _counter_opened,
    CounterRoom.CounterClosed: _counter_closed,
    Visit.Opened: _visit_opened,
    Visit.ContactRecorded: _contact,
    CitizenRequest.Lodged: _lodged,
    CitizenRequest.Decided: _request_moved,
    **dict.fromkeys(REQUEST_STATUS, _request_moved),
    Payment.Initiated: _initiated,
    Payment.Captured: _captured,
    Payment.RefundRequested: _refund_requested,
    Payment.RefundApproved: _refund_approved,
    Payment.Refunded: _refunded,
    House.Registered: _house_registered,
    House.ServiceLineAdded: _line_added,
    Agent.Enrolled: _enrolled,
    Agent.Accredited: _accredited,
    Agent.AccreditationRevoked: _accreditation_revoked,
    Agent.Deactivated: _deactivated,
    Partner.Registered: _partner_registered,
    DelegationGrant.Granted: _granted,
    DelegationGrant.Renewed: _grant_renewed,
    DelegationGrant.Revoked: _grant_revoked,
}


def _handler_of(kind: type) -> Any:  # noqa: ANN401
    """An event class not listed (a subclass, or an event the dashboard ignores)."""
    for listed, handler in list(_HANDLERS.items()):
        if issubclass(kind, listed):
            return handler
    return _nothing
