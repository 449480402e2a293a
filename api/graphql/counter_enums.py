"""The counter's closed sets of values (tickets, contacts, requests), exposed as GraphQL enums.

Each is the domain's own enum registered with strawberry (a GraphQL enum of its members' names),
so a resolver passes the domain value on unchanged and a command receives it (a `StrEnum` is its
text). No status is spelt out in the API.
"""

from __future__ import annotations

import strawberry

from domain.catalogue.service import Mode
from domain.counter.queue import PriorityReason, TicketStatus
from domain.counter.request import PartnerDecision, RequestStatus
from domain.counter.visit import ContactKind

strawberry.enum(TicketStatus, description="Where a ticket of today's queue stands.")
strawberry.enum(PriorityReason, description="Why a ticket is called first.")
strawberry.enum(ContactKind, description="A contact without a file.")
strawberry.enum(RequestStatus, description="Where a request stands.")
strawberry.enum(PartnerDecision, description="What a partner decides on a file.")
strawberry.enum(Mode, description="Served at the counter, or forwarded to the partner.")

__all__ = [
    "ContactKind",
    "Mode",
    "PartnerDecision",
    "PriorityReason",
    "RequestStatus",
    "TicketStatus",
]
