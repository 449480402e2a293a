"""The printable receipts of a lodged request, of a payment and of a cash refund (Arabic, French).

Served at `GET /receipts/{number}` to the house's staff (bearer token), for the counter's printer:
a request's receipt, a payment's (`HAIDRA-2026-P000042`) or a cash refund's document
(`HAIDRA-2026-R000007`, its own gap-free series per house and year).
It names the service, the documents received, the expected delay and the house — never the
citizen (the receipt travels in the citizen's hands; their name is already on their own card).
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.auth import STAFF, Role, TokenService, UnauthenticatedError, bearer
from api.bootstrap import Dar
from api.credentials import refused
from api.textpolicy import clean, refusal
from domain.catalogue.service import CatalogueService, service_id
from domain.houses.house import House
from domain.payments.payment import Method
from domain.shared.errors import ValidationError
from domain.shared.money import Money
from projections.payments.view import PaymentRow
from projections.requests.view import RequestRow
from projections.tills.view import CashMovementRow

_LAYOUT = """
body { font-family: sans-serif; margin: 1cm; }
.copy { display: flex; gap: 2cm; } .copy > section { flex: 1; }
h1 { font-size: 1.2em; }"""
REQUEST_STYLE = _LAYOUT + " .number { font-family: monospace; font-size: 1.3em; }\n"
PAYMENT_STYLE = _LAYOUT + " .number, .amount { font-family: monospace; font-size: 1.3em; }\n"


def _csp_hash(style: str) -> str:
    digest = hashlib.sha256(style.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


# The receipts' Content-Security-Policy admits these inline styles and nothing else.
STYLE_HASHES = (_csp_hash(REQUEST_STYLE), _csp_hash(PAYMENT_STYLE))


def receipt_page(row: RequestRow, house: House, service: CatalogueService | None) -> str:
    """The receipt's HTML, both languages side by side."""
    name_ar = service.name_ar if service else row.service_code
    name_fr = service.name_fr if service else row.service_code
    documents = "".join(f"<li>{escape(d)}</li>" for d in row.documents) or "<li>—</li>"
    due = row.due_on.isoformat() if row.due_on else None
    delay_ar = f"أجل الرد المتوقع: {due}" if due else "تنجز الخدمة حالا بالشباك"
    delay_fr = f"Réponse attendue au plus tard le {due}" if due else "Service rendu au guichet"
    lodged = row.lodged_at.strftime("%Y-%m-%d %H:%M")
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{escape(row.receipt)}</title>
<style>{REQUEST_STYLE}</style></head>
<body>
<p class="number">{escape(row.receipt)}</p>
<div class="copy">
<section lang="ar" dir="rtl">
<h1>{escape(house.names.arabic)}</h1>
<p>وصل إيداع مطلب — {escape(row.partner_code)}</p>
<p><strong>{escape(name_ar)}</strong></p>
<p>الوثائق المقدمة:</p><ul>{documents}</ul>
<p>{escape(delay_ar)}</p>
<p>{escape(lodged)}</p>
</section>
<section lang="fr">
<h1>{escape(house.names.french)}</h1>
<p>Récépissé de dépôt — {escape(row.partner_code)}</p>
<p><strong>{escape(name_fr)}</strong></p>
<p>Documents reçus :</p><ul>{documents}</ul>
<p>{escape(delay_fr)}</p>
<p>{escape(lodged)}</p>
</section>
</div>
</body></html>
"""


METHODS: dict[str, tuple[str, str]] = {
    Method.CASH: ("نقدا", "Espèces"),
    Method.CARD: ("بطاقة بنكية", "Carte bancaire"),
    Method.E_DINAR: ("الدينار الإلكتروني", "e-Dinar"),
    Method.D17: ("D17", "D17"),
}


def payment_receipt_page(row: PaymentRow, house: House, service: CatalogueService | None) -> str:
    """A payment's receipt: what was paid, for which partner and bill, how, and when."""
    name_ar = service.name_ar if service else row.service_code
    name_fr = service.name_fr if service else row.service_code
    method_ar, method_fr = METHODS.get(row.method, (row.method, row.method))
    amount = f"{Money(row.amount_millimes)} TND"
    bill = escape(row.bill_reference or "—")
    paid = row.captured_at.strftime("%Y-%m-%d %H:%M") if row.captured_at else "—"
    refunded = ""
    if row.refunded_millimes:
        back = f"{Money(row.refunded_millimes)} TND"
        refunded = f"<p>Remboursé : {back} — تم إرجاع {back}</p>"
    number = escape(row.receipt or "")
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{number}</title>
<style>{PAYMENT_STYLE}</style></head>
<body>
<p class="number">{number}</p>
<div class="copy">
<section lang="ar" dir="rtl">
<h1>{escape(house.names.arabic)}</h1>
<p>وصل خلاص لفائدة {escape(row.partner_code)}</p>
<p><strong>{escape(name_ar)}</strong> — مرجع الفاتورة: {bill}</p>
<p class="amount">{amount}</p>
<p>طريقة الدفع: {escape(method_ar)}</p>
<p>{escape(paid)}</p>
</section>
<section lang="fr">
<h1>{escape(house.names.french)}</h1>
<p>Reçu de paiement pour le compte de {escape(row.partner_code)}</p>
<p><strong>{escape(name_fr)}</strong> — référence de la facture : {bill}</p>
<p class="amount">{amount}</p>
<p>Mode de paiement : {escape(method_fr)}</p>
<p>{escape(paid)}</p>
</section>
</div>
{refunded}
</body></html>
"""


def refund_document_page(
    movement: CashMovementRow, row: PaymentRow, house: House, service: CatalogueService | None
) -> str:
    """A cash refund's document: what was paid back, of which payment and receipt, and when."""
    name_ar = service.name_ar if service else row.service_code
    name_fr = service.name_fr if service else row.service_code
    amount = f"{Money(movement.amount_millimes)} TND"
    bill = escape(row.bill_reference or "—")
    receipt = escape(row.receipt or "—")
    paid = escape(movement.at.strftime("%Y-%m-%d %H:%M"))
    number = escape(movement.number)
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{number}</title>
<style>{PAYMENT_STYLE}</style></head>
<body>
<p class="number">{number}</p>
<div class="copy">
<section lang="ar" dir="rtl">
<h1>{escape(house.names.arabic)}</h1>
<p>وصل إرجاع مبلغ نقدا لحساب {escape(row.partner_code)}</p>
<p><strong>{escape(name_ar)}</strong> — مرجع الفاتورة: {bill}</p>
<p>وصل الخلاص: {receipt}</p>
<p class="amount">{amount}</p>
<p>{paid}</p>
</section>
<section lang="fr">
<h1>{escape(house.names.french)}</h1>
<p>Reçu de remboursement en espèces pour le compte de {escape(row.partner_code)}</p>
<p><strong>{escape(name_fr)}</strong> — référence de la facture : {bill}</p>
<p>Reçu de paiement : {receipt}</p>
<p class="amount">{amount}</p>
<p>{paid}</p>
</section>
</div>
</body></html>
"""


def add_receipts(app: FastAPI, dar: Dar, tokens: TokenService) -> None:
    """The receipt route."""

    @app.get("/receipts/{number}", include_in_schema=False)
    async def receipt(number: str, request: Request) -> Response:
        try:
            number = clean("number", number)
        except ValidationError as error:
            return refusal(error)
        header = request.headers.get("authorization")
        try:
            token = bearer(header)
            if token is None:
                raise UnauthenticatedError("a bearer token is required")  # noqa: TRY301
            principal = await anyio.to_thread.run_sync(tokens.verify, token)
        except UnauthenticatedError as error:
            return refused(error, presented=bool(header and header.strip()), graphql=False)
        if principal.role not in STAFF | {Role.ADMIN}:
            return JSONResponse({"code": "FORBIDDEN", "message": "house staff print receipts"}, 403)
        page = await anyio.to_thread.run_sync(lambda: _page(dar, number, principal.house))
        if page is None:
            return JSONResponse({"code": "NOT_FOUND", "message": "no such receipt"}, 404)
        return HTMLResponse(page)


def _page(dar: Dar, number: str, staff_house: str | None) -> str | None:
    """The receipt's page, if it exists and the caller's house may see it."""
    row: RequestRow | PaymentRow | None = dar.read.requests.by_receipt(number)
    refund = None
    if row is None:
        row = dar.read.payments.by_receipt(number)
    if row is None:
        refund = dar.read.tills.movement(number)
        if refund is not None and refund.direction == "out":
            row = dar.read.payments.get(refund.payment_id)
    house = dar.houses.house_by_id(row.house_id) if row else None
    if row is None or not isinstance(house, House):
        return None
    if staff_house is not None and house.code != staff_house:
        return None  # another house's receipt does not exist for this caller
    service = dar.store.find(service_id(row.partner_code, row.service_code), CatalogueService)
    if isinstance(row, PaymentRow) and refund is not None:
        return refund_document_page(refund, row, house, service)
    if isinstance(row, PaymentRow):
        return payment_receipt_page(row, house, service)
    return receipt_page(row, house, service)
