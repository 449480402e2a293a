"""Every aggregate of Dar and its events, by name: for fixtures and the golden list of topics."""

from __future__ import annotations

from domain.catalogue.service import CatalogueService
from domain.citizens.access import PersonalDataAccess
from domain.citizens.citizen import Citizen
from domain.citizens.mandate import Mandate
from domain.counter.desk import Desk
from domain.counter.queue import Queue
from domain.counter.request import CitizenRequest
from domain.counter.visit import Visit
from domain.delegation.grant import DelegationGrant
from domain.delegation.register import GrantRegister
from domain.houses.agent import Agent
from domain.houses.house import House
from domain.houses.room import CounterRoom
from domain.inclusion.learner import Learner
from domain.inclusion.session import TrainingSession
from domain.inclusion.volunteer import Volunteer
from domain.partners.partner import Partner
from domain.partners.reachability import PartnerStatusDay
from domain.payments.due import Due
from domain.payments.payment import Payment
from domain.payments.receipts import ReceiptBook, ReceiptPage
from domain.payments.refund_documents import RefundBook, RefundPage
from domain.payments.remittance import Remittance
from domain.payments.till import Till, TillRegister
from domain.settlement.statement import Statement, StatementDay
from domain.shared.acts import DarAggregate

AGGREGATES: tuple[type[DarAggregate], ...] = (
    Partner,
    House,
    CounterRoom,
    Agent,
    CatalogueService,
    DelegationGrant,
    GrantRegister,
    Citizen,
    PersonalDataAccess,
    Mandate,
    Queue,
    Desk,
    Visit,
    CitizenRequest,
    Payment,
    ReceiptBook,
    ReceiptPage,
    Due,
    Remittance,
    Statement,
    StatementDay,
    PartnerStatusDay,
    TillRegister,
    Till,
    RefundBook,
    RefundPage,
    Volunteer,
    TrainingSession,
    Learner,
)


def event_classes() -> dict[str, type[DarAggregate.Event]]:
    """Each event class under its name `Aggregate.Event`, e.g. `Partner.Registered`."""
    found: dict[str, type[DarAggregate.Event]] = {}
    for aggregate in AGGREGATES:
        for name, value in vars(aggregate).items():
            if isinstance(value, type) and issubclass(value, DarAggregate.Event):
                if name in {"Event", "Created"}:
                    continue
                found[f"{aggregate.__name__}.{name}"] = value
    return found


def aggregate_of(event_class: type[DarAggregate.Event]) -> type[DarAggregate]:
    """The aggregate that an event class belongs to."""
    for aggregate in AGGREGATES:
        if vars(aggregate).get(event_class.__name__) is event_class:
            return aggregate
    msg = f"{event_class.__qualname__} belongs to no registered aggregate"
    raise LookupError(msg)
