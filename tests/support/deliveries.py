"""A day at Haidra whose payments and files go to partners' systems (simulated over HTTP).

Haidra collects STEG and SONEDE bills and forwards CNAM reimbursement files (the payments
scenario); the partners' systems are reached through the HTTP adapter at the simulated server's
endpoints. Helpers take payments and forward files, and count the confirmations in the log.
"""

from __future__ import annotations

from collections import Counter
from uuid import UUID

from eventsourcing.utils import get_topic
from pydantic import SecretStr

from api.bootstrap import Dar, bootstrap
from application.counter.commands import ForwardRequest
from application.deliveries.ports import PartnerPort
from application.partners.reachability import ReportPartnerStatus
from domain.counter.request import CitizenRequest
from domain.partners.reachability import Reachability
from domain.payments.payment import Payment
from infrastructure.partners.http import HttpPartners
from infrastructure.payments.simulated_gateway import SimulatedGateway
from infrastructure.readmodels.deliveries import DELIVERIES
from infrastructure.settings import Settings
from tests.support.citizens import register
from tests.support.clock import TestClock
from tests.support.counter import lodge
from tests.support.payments import PAYMENTS_READY, SECRET, LossyGateway, bill_request, pay_cash
from tests.support.spec import Scenario

PARTNERS = ("STEG", "SONEDE", "CNAM")
CNAM_DOCUMENTS = ("Bulletin de soins", "Ordonnance")
CONFIRMATION_TOPICS = (
    get_topic(Payment.ConfirmedByPartner),
    get_topic(Payment.RefundConfirmedByPartner),
    get_topic(CitizenRequest.DeliveryConfirmed),
)


def keyed(settings: Settings) -> Settings:
    """The settings with the simulated gateway's key."""
    return settings.model_copy(update={"gateway_secret": SecretStr(SECRET.decode())})


def partner_day(
    settings: Settings, clock: TestClock, partners: PartnerPort | None
) -> tuple[Dar, UUID]:
    """Dar at day 2 08:15, A001 served at counter 1, a registered citizen; no read model built."""
    gateway = LossyGateway(SimulatedGateway(SECRET))
    dar = bootstrap(keyed(settings), clock, gateway=gateway, partners=partners)
    Scenario(dar, clock).given(*PAYMENTS_READY).at("day 2 08:15")
    return dar, register(dar, "01234567", "Amel Ben Salah")


def http_partners(endpoints: dict[str, str]) -> HttpPartners:
    """The HTTP adapter at these endpoints."""
    return HttpPartners(endpoints, timeout_seconds=5.0)


def report(dar: Dar, partner: str, status: Reachability, key: str) -> None:
    """The partner's own staff report its system."""
    command = ReportPartnerStatus(
        key, f"partner:{partner.lower()}-ops", partner, status, None, None, partner
    )
    dar.partner_status.report(command)


def take_payment(dar: Dar, citizen: UUID, partner: str, reference: str) -> UUID:
    """A bill of `partner` paid in cash at A001; the payment's id."""
    request = bill_request(dar, citizen, partner)
    outcome = pay_cash(dar, request, reference, f"cash-{partner}-{reference}")
    return UUID(outcome.values["payment_id"])


def forward_file(dar: Dar, citizen: UUID) -> UUID:
    """A CNAM reimbursement file lodged at A001 and forwarded; the request's id."""
    request = UUID(
        lodge(dar, citizen, "CNAM", "REIMBURSEMENT_FILE", CNAM_DOCUMENTS).values["request_id"]
    )
    dar.requests.forward(ForwardRequest(f"forward-{request}", "agent:A17", request, "haidra"))
    return request


def confirmations(dar: Dar) -> Counter[tuple[UUID, int | str]]:
    """Each confirmation event in the log, by (payment or request, sending number or refund id)."""
    found: Counter[tuple[UUID, int | str]] = Counter()
    start = 0
    while True:
        page = dar.store.recorder.select_notifications(
            start=start, limit=1000, inclusive_of_start=False, topics=CONFIRMATION_TOPICS
        )
        for notification in page:
            event = dar.store.mapper.to_domain_event(notification)
            item: int | str = getattr(event, "refund_id", getattr(event, "submission", 1))
            found[(event.originator_id, item)] += 1
        if not page:
            return found
        start = page[-1].id


def delivery_keys(dar: Dar) -> set[str]:
    """The key of every item the deliveries read model knows, waiting or confirmed."""
    table = dar.read.db.table(DELIVERIES.name)
    with dar.read.db.read() as cur:
        cur.execute(f"SELECT key FROM {table}")
        return {str(row[0]) for row in cur.fetchall()}
