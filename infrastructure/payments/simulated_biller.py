"""The partners' billing systems, simulated: a bill's amount is derived from its reference.

STEG, SONEDE and Tunisie Telecom bills: the same reference always gives the same amount (between
5 and 255 dinars), so demo data and tests can rely on it. A reference ending in `0000` has nothing
due. `available = False` simulates an outage.
"""

from __future__ import annotations

import hashlib
from datetime import date

from application.payments.ports import BillDue, BillerUnavailableError
from domain.shared.errors import NotFoundError
from domain.shared.money import Money

BILLERS = frozenset({"STEG", "SONEDE", "TUNISIE_TELECOM"})


class SimulatedBiller:
    """Bills of the connected partners."""

    def __init__(self) -> None:
        self.available = True

    def inquire(self, partner_code: str, reference: str) -> BillDue:
        """The amount due for the bill."""
        if partner_code not in BILLERS:
            msg = f"no billing system of {partner_code} is connected to Dar"
            raise BillerUnavailableError(msg)
        if not self.available:
            msg = f"the billing system of {partner_code} does not answer"
            raise BillerUnavailableError(msg)
        if reference.endswith("0000"):
            msg = f"no {partner_code} bill is due under {reference}"
            raise NotFoundError(msg)
        digest = hashlib.sha256(f"{partner_code}/{reference}".encode()).digest()
        millimes = 5_000 + int.from_bytes(digest[:4], "big") % 250_000
        month = 1 + digest[4] % 12
        return BillDue(
            partner_code=partner_code,
            reference=reference,
            amount=Money(millimes),
            period=f"2026-{month:02d}",
            due_on=date(2026, month, 28),
        )
