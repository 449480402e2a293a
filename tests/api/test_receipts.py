"""The printable receipt: Arabic and French, for the house's staff only, on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.auth import Role, TokenService
from infrastructure.settings import Settings
from tests.support.counter import counter_ready, lodge, served
from tests.support.payments import bill_request, pay_cash, payments_ready


@pytest.fixture
def lodged(api_settings: Settings) -> Iterator[tuple[TestClient, str]]:
    dar, citizen = counter_ready(api_settings)
    documents = ("Bulletin de soins", "Ordonnance", "<script>x</script>")
    outcome = lodge(dar, citizen, "CNAM", "REIMBURSEMENT_FILE", documents)
    with served(api_settings, dar) as client:
        yield client, outcome.values["receipt"]


def test_the_receipt_prints_in_both_languages(
    lodged: tuple[TestClient, str], api_settings: Settings
) -> None:
    client, receipt = lodged
    token = TokenService(api_settings).mint("A17", Role.AGENT, house="haidra")
    page = client.get(f"/receipts/{receipt}", headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    text = page.text
    assert receipt == "HAIDRA-20260106-A001-1"
    assert receipt in text
    for expected in (
        "ملف استرجاع مصاريف العلاج",
        "Dossier de remboursement",
        "دار الخدمات بحيدرة",
        "Bulletin de soins",
        "2026-02-17",
        "&lt;script&gt;",
    ):
        assert expected in text, expected
    assert "<script>x" not in text
    assert "Amel" not in text


def test_a_receipt_is_for_its_house_and_a_valid_token_only(
    lodged: tuple[TestClient, str], api_settings: Settings
) -> None:
    client, receipt = lodged
    tokens = TokenService(api_settings)
    elsewhere = tokens.mint("A17", Role.AGENT, house="kasserine")
    partner = tokens.mint("cnam", Role.PARTNER, partner="CNAM")
    assert client.get(f"/receipts/{receipt}").status_code == 401
    headers = {"Authorization": f"Bearer {elsewhere}"}
    assert client.get(f"/receipts/{receipt}", headers=headers).status_code == 401
    headers = {"Authorization": f"Bearer {partner}"}
    assert client.get(f"/receipts/{receipt}", headers=headers).status_code == 403
    admin = tokens.mint("root", Role.ADMIN)
    headers = {"Authorization": f"Bearer {admin}"}
    assert client.get("/receipts/HAIDRA-20260106-A001-9", headers=headers).status_code == 404
    assert client.get(f"/receipts/{receipt}", headers=headers).status_code == 200


def test_a_payment_receipt_prints_the_amount_bill_and_method(api_settings: Settings) -> None:
    dar, _, citizen = payments_ready(api_settings)
    paid = pay_cash(dar, bill_request(dar, citizen, "SONEDE"), "7070-1", "cash")
    number = paid.values["receipt"]
    amount = dar.payments.current(UUID(paid.values["payment_id"])).amount
    token = TokenService(api_settings).mint("A17", Role.AGENT, house="haidra")
    elsewhere = TokenService(api_settings).mint("A17", Role.AGENT, house="kasserine")
    with served(api_settings, dar) as client:
        page = client.get(f"/receipts/{number}", headers={"Authorization": f"Bearer {token}"})
        other = client.get(f"/receipts/{number}", headers={"Authorization": f"Bearer {elsewhere}"})
    assert page.status_code == 200
    for expected in (
        number,
        f"{amount} TND",
        "7070-1",
        "خلاص فاتورة الماء",
        "Paiement de facture",
        "Espèces",
        "SONEDE",
    ):
        assert expected in page.text, expected
    assert "Amel" not in page.text
    assert other.status_code == 401  # a token for another house's agent is refused outright
