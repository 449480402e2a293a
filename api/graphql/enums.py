"""The domain's closed sets of values, exposed as GraphQL enums (their members' names).

Each is the domain's own enum registered with strawberry, so a resolver passes it on unchanged
and a command receives the domain value (a `StrEnum` is its text). No status is spelt out in the
API: import them from here, where each is registered once.
"""

from __future__ import annotations

import strawberry

from application.audit.compliance import ActKind
from domain.catalogue.service import FeeRule, Mode
from domain.citizens.categories import DataCategory
from domain.citizens.identity import DocumentKind
from domain.citizens.mandate import ConsentKind, Duration
from domain.counter.queue import PriorityReason, TicketStatus
from domain.counter.request import PartnerDecision, RequestStatus
from domain.counter.visit import ContactKind
from domain.delegation.cover import Cover
from domain.delegation.grant import GrantState
from domain.houses.calendar import Season
from domain.inclusion.values import AgeBand, Gender, Milestone, SessionFormat, SessionStatus
from domain.inclusion.values import Topic as InclusionTopic
from domain.partners.reachability import Reachability
from domain.payments.payment import Method, PaymentStatus
from domain.payments.remittance import EntryKind
from domain.payments.till import TillStatus
from domain.settlement.matching import LineStatus
from domain.settlement.statement import StatementSource
from projections.statistics.figures import GroupBy as StatisticsGroupBy
from projections.statistics.figures import Period as StatisticsPeriod

strawberry.enum(Season, description="Which opening hours apply on a day.")
strawberry.enum(Mode, description="Served at the counter, or forwarded to the partner.")
strawberry.enum(FeeRule, description="How a service's fee is set.")
strawberry.enum(
    GrantState, description="A grant's recorded state (its dates decide whether it is in force)."
)
strawberry.enum(DocumentKind, description="The kind of an identity document.")
strawberry.enum(Duration, name="MandateDuration", description="How long a mandate's scopes last.")
strawberry.enum(ConsentKind, description="How the citizen gave consent to a mandate.")
strawberry.enum(DataCategory, description="A category of personal data.")
strawberry.enum(TicketStatus, description="Where a ticket of today's queue stands.")
strawberry.enum(PriorityReason, description="Why a ticket is called first.")
strawberry.enum(ContactKind, description="A contact without a file.")
strawberry.enum(RequestStatus, description="Where a request stands.")
strawberry.enum(PartnerDecision, description="What a partner decides on a file.")
strawberry.enum(Method, name="PaymentMethod", description="How the citizen pays.")
strawberry.enum(PaymentStatus, description="Where a payment stands.")
strawberry.enum(EntryKind, description="A capture (money in) or a refund paid back (money out).")
strawberry.enum(LineStatus, description="How a statement line or an entry of Dar's matched.")
strawberry.enum(StatementSource, description="Who sent a statement: the partner or the acquirer.")
strawberry.enum(
    Reachability, name="PartnerReachability", description="Whether a partner's system answers."
)
strawberry.enum(TillStatus, description="Where an agent's till stands.")
strawberry.enum(
    StatisticsGroupBy, name="StatisticsGroupBy", description="The areas statistics merge over."
)
strawberry.enum(
    StatisticsPeriod, name="StatisticsPeriod", description="The periods statistics merge over."
)

__all__ = [
    "ActKind",
    "AgeBand",
    "ConsentKind",
    "ContactKind",
    "Cover",
    "DataCategory",
    "DocumentKind",
    "Duration",
    "EntryKind",
    "FeeRule",
    "Gender",
    "GrantState",
    "InclusionTopic",
    "LineStatus",
    "Method",
    "Milestone",
    "Mode",
    "PartnerDecision",
    "PaymentStatus",
    "PriorityReason",
    "Reachability",
    "RequestStatus",
    "Season",
    "SessionFormat",
    "SessionStatus",
    "StatementSource",
    "StatisticsGroupBy",
    "StatisticsPeriod",
    "TicketStatus",
    "TillStatus",
]
strawberry.enum(ActKind, name="ComplianceAct", description="An act that must be covered.")
strawberry.enum(Cover, name="ComplianceCover", description="What covers an act.")
strawberry.enum(
    InclusionTopic, name="InclusionTopic", description="What a digital-inclusion session teaches."
)
strawberry.enum(SessionFormat, description="One citizen with the volunteer, or a group.")
strawberry.enum(SessionStatus, description="Where a training session stands.")
strawberry.enum(AgeBand, description="All that is recorded of a participant's age.")
strawberry.enum(Gender, description="All that is recorded of a participant besides the age band.")
strawberry.enum(Milestone, description="A step of a participant's autonomy online.")
