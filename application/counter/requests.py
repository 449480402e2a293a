"""Requests and contacts within a visit, and the partner's side of forwarded requests.

Lodging relies on the delegation policy (grant and accreditation, declared as read so that a
suspension committed in between makes the lodging fail with a conflict) and, for an absent
citizen, on a mandate covering the service (its use is recorded with the request).
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from application.citizens.service import CitizenService
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
from application.counter.queues import queue_holding
from application.delegation.policy import DelegationPolicy
from application.houses.rooms import holder_today
from application.houses.service import HouseService
from application.store import CommandRunner, Decision, EventStore, Outcome
from domain.catalogue.service import CatalogueService, FeeRule, Mode, service_id
from domain.citizens.citizen import Citizen
from domain.citizens.mandate import Mandate
from domain.counter.queue import Queue, TicketStateError, TicketStatus
from domain.counter.request import CitizenRequest, Reliance, checked_documents
from domain.counter.visit import Visit
from domain.houses.agent import Agent, agent_id
from domain.houses.house import CounterStateError, House, house_id
from domain.partners.partner import validate_partner_code
from domain.shared.acts import Act
from domain.shared.errors import DarError, ForbiddenError, NotFoundError
from domain.shared.ids import new_id
from domain.shared.time import tunis_day

Step = Callable[[CitizenRequest, Act], None]
"""A step on a request, at an act."""


class CompletedByPaymentError(DarError):
    """A bill-payment request is completed by its payment's capture, not by hand."""

    code = "COMPLETED_BY_PAYMENT"


class RequestService:
    """Contacts, requests and their life at the partner."""

    def __init__(
        self,
        store: EventStore,
        runner: CommandRunner,
        policy: DelegationPolicy,
        citizens: CitizenService,
        houses: HouseService,
    ) -> None:
        self._store = store
        self._runner = runner
        self._policy = policy
        self._citizens = citizens
        self._houses = houses

    def record_contact(self, command: RecordContact) -> Outcome[ContactRecorded]:
        """Information given or a redirection, recorded on the visit (no file)."""

        def decide(act: Act) -> Decision[ContactRecorded]:
            house = self._store.load(house_id(command.house_code), House, "house")
            queue = self._serving_queue(house, command.label, act)
            validate_partner_code(command.partner_code)
            visit = self._visit(queue, command.label, act)
            visit.record_contact(command.kind, command.partner_code, command.topic, act)
            return Decision(aggregates=[visit], value=ContactRecorded(visit.id))

        return self._runner.run(command, decide, returns=ContactRecorded)

    def lodge(self, command: LodgeRequest) -> Outcome[RequestChanged]:
        """Lodge the request, its receipt numbered in the visit; relies on what it declares."""

        def decide(act: Act) -> Decision[RequestChanged]:
            house = self._store.load(house_id(command.house_code), House, "house")
            queue = self._serving_queue(house, command.label, act)
            ticket = queue.ticket(command.label)
            agent = self._store.load(agent_id(command.employee_number), Agent, "agent")
            holder = None if ticket.counter is None else self._holder(house, ticket.counter, act)
            if holder != agent.id:
                raise CounterStateError("the ticket is not being served at this agent's counter")
            citizen = self._store.load(command.citizen_id, Citizen, "citizen")
            citizen.refuse_if_erased()
            service = self._service(command.partner_code, command.service_code)
            documents = checked_documents(command.documents, service.documents)
            permission = self._policy.may_perform(
                house_code=command.house_code,
                employee_number=command.employee_number,
                partner_code=command.partner_code,
                service_code=command.service_code,
            )
            mandate: Mandate | None = None
            relied_on: tuple[UUID, int] | None = None  # the mandate, as read
            if not command.citizen_present:
                scope = f"service:{command.partner_code}/{command.service_code}"
                mandate = self._citizens.mandate_covers(citizen.id, command.house_code, scope)
                relied_on = (mandate.id, mandate.version)
                mandate.use(scope, act)
            visit = self._visit(queue, command.label, act)
            request_id = new_id()
            receipt = visit.number_request(request_id, command.house_code, act)
            due_on = None
            if service.mode is Mode.FORWARDED and service.deadline_days is not None:
                calendar = self._houses.calendar_of(house)
                due_on = calendar.add_working_days(tunis_day(act.at), service.deadline_days)
            request = CitizenRequest.lodge(
                request_id=request_id,
                house_id=house.id,
                visit_id=visit.id,
                citizen_id=citizen.id,
                citizen_present=command.citizen_present,
                service=(command.partner_code, command.service_code, service.mode.value),
                documents=documents,
                receipt=receipt,
                due_on=due_on,
                reliance=Reliance.of(permission, relied_on),
                act=act,
            )
            changed: list[Visit | CitizenRequest | Mandate] = [visit, request]
            if mandate is not None:
                changed.append(mandate)
            return Decision(
                aggregates=changed,
                value=RequestChanged(request_id, receipt),
                reads=permission.reads,
            )

        return self._runner.run(command, decide, returns=RequestChanged)

    def complete(self, command: CompleteRequest) -> Outcome[RequestChanged]:
        """An immediate service is done at the counter; a bill's payment is done by its capture.

        A request for a service paid from a bill is completed by its payment's capture, in the
        capture's own save (`application.payments.holdings.completed_by_capture`), never by hand:
        completing it here is refused (`COMPLETED_BY_PAYMENT`), paid or not.
        """

        def step(request: CitizenRequest, act: Act) -> None:
            found = self._store.find(
                service_id(request.partner_code, request.service_code), CatalogueService
            )
            if found is not None and found.fee.rule is FeeRule.FROM_BILL:
                msg = "a bill-payment request is completed by its payment's capture"
                raise CompletedByPaymentError(msg)
            request.complete(act)

        return self._step(command, step)

    def forward(self, command: ForwardRequest) -> Outcome[RequestChanged]:
        """Send a forwarded service's file to the partner."""
        return self._step(command, CitizenRequest.forward)

    def resubmit(self, command: ResubmitRequest) -> Outcome[RequestChanged]:
        """Send the corrected file again, with any documents added."""
        return self._step(command, lambda request, act: request.resubmit(command.documents, act))

    def withdraw(self, command: WithdrawRequest) -> Outcome[RequestChanged]:
        """The citizen gives the request up, before any decision."""
        return self._step(command, lambda request, act: request.withdraw(command.reason, act))

    def acknowledge(self, command: AcknowledgeRequest) -> Outcome[RequestChanged]:
        """The partner received the file, under its reference."""
        reference = command.partner_reference
        return self._step(command, lambda request, act: request.acknowledge(reference, act))

    def return_for_correction(self, command: ReturnForCorrection) -> Outcome[RequestChanged]:
        """The partner sends the file back to be corrected."""
        reason = command.reason
        return self._step(command, lambda request, act: request.return_for_correction(reason, act))

    def record_decision(self, command: RecordPartnerDecision) -> Outcome[RequestChanged]:
        """The partner's decision: accepted, refused or closed."""
        decision, reason = command.decision, command.reason
        return self._step(command, lambda request, act: request.decide(decision, reason, act))

    # --- looking things up ------------------------------------------------------------------------

    def _step(
        self, command: HouseRequestCommand | PartnerRequestCommand, step: Step
    ) -> Outcome[RequestChanged]:
        """A step on a request in the caller's scope."""

        def decide(act: Act) -> Decision[RequestChanged]:
            request = self._store.load(command.request_id, CitizenRequest, "request")
            self._in_scope(request, command)
            step(request, act)
            return Decision(aggregates=[request], value=RequestChanged(request.id, request.receipt))

        return self._runner.run(command, decide, returns=RequestChanged)

    @staticmethod
    def _in_scope(
        request: CitizenRequest, command: HouseRequestCommand | PartnerRequestCommand
    ) -> None:
        """A partner acts on its own requests, house staff on their house's; others see none."""
        partner = command.partner_code if isinstance(command, PartnerRequestCommand) else None
        if partner is not None and request.partner_code != partner:
            raise NotFoundError("no request is known under this id")
        if command.house_code is not None and request.house_id != house_id(command.house_code):
            raise NotFoundError("no request is known under this id")
        if partner is None and command.house_code is None:
            raise ForbiddenError("a request step needs a house or a partner")

    def _service(self, partner_code: str, service_code: str) -> CatalogueService:
        service = self._store.find(service_id(partner_code, service_code), CatalogueService)
        if service is None or service.withdrawn:
            raise NotFoundError(f"{partner_code}/{service_code} is not in the catalogue")
        return service

    def _serving_queue(self, house: House, label: str, act: Act) -> Queue:
        """Today's queue where the ticket is being served."""
        queue = queue_holding(self._store, house, label, act.at)
        if queue.ticket(label).status is not TicketStatus.CALLED:
            raise TicketStateError(f"{label} is not being served at a counter")
        return queue

    def _holder(self, house: House, counter: int, act: Act) -> UUID | None:
        """Who holds the counter today, by the day's counter room."""
        return holder_today(self._store, house, counter, act.at)

    def _visit(self, queue: Queue, label: str, act: Act) -> Visit:
        ticket = queue.ticket(label)
        found = self._store.find(ticket.visit_id, Visit)
        return found or Visit.open(ticket.visit_id, queue.house_id, queue.day, label, act)
