"""The statistics projection's decoding plan: the fields of each event its steps read.

Every event is given with its originator id and version and its timestamp; the rest of its fields
are decoded only if named here (the statistics never read the citizens', visits' or agents' ids,
the acts' actors and command ids, receipts, documents...). An event class of its subscriptions
that is not named is passed by its type alone.
"""

from __future__ import annotations

from domain.counter.queue import Queue
from domain.counter.request import CitizenRequest
from domain.counter.visit import Visit
from domain.delegation.grant import DelegationGrant
from domain.houses.house import House
from domain.partners.partner import Partner
from domain.payments.payment import Payment
from projections.ports import Reads

LABEL = ("label",)

STATISTICS_READS: Reads = {
    House.Registered: ("code", "name_ar", "name_fr", "municipality", "governorate"),
    House.LocalHolidayAdded: ("day",),
    Partner.Registered: ("code",),
    Queue.Opened: ("house_id", "prefix", "day"),
    Queue.TicketIssued: LABEL,
    Queue.TicketCalled: LABEL,
    Queue.TicketMarkedNoShow: LABEL,
    Queue.TicketTransferredOut: LABEL,
    Queue.TicketWalkedAway: LABEL,
    Queue.VisitEnded: LABEL,
    Visit.Opened: ("house_id",),
    Visit.ContactRecorded: ("partner_code", "kind"),
    CitizenRequest.Lodged: ("house_id", "partner_code", "service_code", "due_on"),
    CitizenRequest.Decided: ("decision",),
    Payment.Initiated: ("house_id", "partner_code", "service_code", "method"),
    Payment.Captured: ("business_date", "amount_millimes"),
    Payment.RefundRequested: ("refund_id", "amount_millimes"),
    Payment.Refunded: ("refund_id", "business_date"),
    DelegationGrant.Granted: ("partner_id", "house_id", "starts_on", "ends_on"),
    DelegationGrant.Renewed: ("ends_on",),
}
