"""A partner's system over HTTP: each item is POSTed with its idempotency key.

`POST <endpoint>/deliveries` with the header `Idempotency-Key: <item key>` and a JSON body (the
item's kind, subject, sending number, house, service, amount in millimes, when it was taken, and
for a capture or a refund Dar's reference, the house code, the refund's id and the business day
of the remittance it went into). The partner answers 200 or 201 with `{"receipt": "<its
reference>"}`, and answers a key it has seen with the receipt it gave the first time. Anything
else (no answer within the timeout, a refused connection, another status, a body without a
receipt) leaves the item waiting.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from application.deliveries.ports import Deliverable, PartnerUnreachableError

MAX_RECEIPT = 60


def payload(item: Deliverable) -> dict[str, object]:
    """What the partner receives for an item."""
    return {
        "key": item.key,
        "kind": item.kind.value,
        "subjectId": str(item.subject_id),
        "submission": item.submission,
        "houseId": str(item.house_id),
        "serviceCode": item.service_code,
        "amountMillimes": item.amount_millimes,
        "takenAt": item.taken_at.isoformat(),
        "reference": item.reference,
        "houseCode": item.house_code,
        "refundId": item.refund_id,
        "remittanceDate": (
            item.remittance_date.isoformat() if item.remittance_date is not None else None
        ),
    }


class HttpPartners:
    """Partners' systems at the endpoints of the settings (partner code: base URL)."""

    def __init__(
        self,
        endpoints: Mapping[str, str],
        timeout_seconds: float,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._endpoints = {code: url.rstrip("/") for code, url in endpoints.items()}
        self._client = httpx.Client(timeout=timeout_seconds, transport=transport)

    def partners(self) -> frozenset[str]:
        """The partners with an endpoint."""
        return frozenset(self._endpoints)

    def deliver(self, item: Deliverable) -> str:
        """POST the item; the partner's receipt, or PartnerUnreachableError."""
        endpoint = self._endpoints.get(item.partner_code)
        if endpoint is None:
            msg = f"no endpoint is configured for {item.partner_code}"
            raise PartnerUnreachableError(msg)
        try:
            response = self._client.post(
                f"{endpoint}/deliveries",
                json=payload(item),
                headers={"Idempotency-Key": item.key},
            )
        except httpx.HTTPError as error:
            raise PartnerUnreachableError(f"{type(error).__name__}: {error}") from error
        if response.status_code not in {200, 201}:
            raise PartnerUnreachableError(f"answered {response.status_code}")
        return _receipt(response)

    def close(self) -> None:
        """Release the connections."""
        self._client.close()


def _receipt(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError as error:
        raise PartnerUnreachableError("answered without a JSON body") from error
    receipt = body.get("receipt") if isinstance(body, dict) else None
    if not isinstance(receipt, str) or not receipt.strip() or len(receipt) > MAX_RECEIPT:
        raise PartnerUnreachableError("answered without a receipt")
    return receipt.strip()
