"""Commands recorded before their types changed are recognised when they are retried.

A retry is matched to its recorded command by the digest of its kind and payload. The gateway's
steps are one command each, and each still digests as the command it replaced: until they were
split, the steps were one `GatewayStep` command naming its step in a text field; the digests
below are those that command recorded. A step recorded then and taken again under the same key
(a callback the gateway delivers again) must be recognised as that step, not refused as a reused
key. The API now fills some fields from GraphQL enums: their members digest as the text they were.
"""

from __future__ import annotations

from uuid import UUID

from application.citizens.commands import GrantMandate, RegisterCitizen
from application.commands import payload_digest
from application.payments.commands import (
    ApplyGatewayReport,
    InitiatePayment,
    OpenGatewaySession,
    RecordRefundPaid,
    RequestCapture,
)
from domain.citizens.identity import DocumentKind
from domain.citizens.mandate import ConsentKind, Duration
from domain.payments.payment import Method, Reported

PAYMENT = UUID("6f1c1d1e-0000-4000-8000-000000000001")


def test_each_gateway_step_digests_as_the_one_command_recorded_before_the_split() -> None:
    assert {
        payload_digest(OpenGatewaySession("k", "system:gateway", PAYMENT)): "session",
        payload_digest(RequestCapture("k", "system:gateway", PAYMENT)): "capture requested",
        payload_digest(RecordRefundPaid("k", "system:gateway", PAYMENT, "R1")): "refund paid",
        payload_digest(
            ApplyGatewayReport("k", "system:gateway", PAYMENT, "ev-7", Reported.CAPTURED)
        ): "callback",
        payload_digest(
            ApplyGatewayReport("k", "system:gateway", PAYMENT, None, Reported.DECLINED)
        ): "capture's answer",
    } == {
        "1508470e0797f5ffc4851bdd15b2e600eb4a13e97f53d8aa7369ee5a5796e722": "session",
        "7a2f67fd2e9a91f78ff2130c1bb904775a0dc0583da408cb0e13593040ae2837": "capture requested",
        "30cba9eb9e2a5afd9860cd1d018669c25f402bd9bdf7c8253f5ab41869b4943e": "refund paid",
        "1da93fad4187f452038fc2261f95c3e2582a8dcf6dc3667a81e49b89d6819fa8": "callback",
        "c84bca1bf6f61e6783bff2fe8bf08fcf45f064c761f5a3e240cecfd372c2090e": "capture's answer",
    }


def test_a_command_the_api_now_fills_from_an_enum_digests_as_it_did_from_text() -> None:
    citizen, request = UUID(int=1), UUID(int=2)
    assert payload_digest(
        RegisterCitizen("k", "a", "N", DocumentKind.CIN, "01234567", house_code="haidra")
    ) == payload_digest(RegisterCitizen("k", "a", "N", "cin", "01234567", house_code="haidra"))
    assert payload_digest(
        InitiatePayment("k", "a", "haidra", request, "A17", Method.E_DINAR)
    ) == payload_digest(InitiatePayment("k", "a", "haidra", request, "A17", "e_dinar"))
    grant = GrantMandate("k", "a", citizen, "haidra", ("payments",), "6m", "paper_form", "F1")
    assert payload_digest(
        GrantMandate(
            "k",
            "a",
            citizen,
            "haidra",
            ("payments",),
            Duration.SIX_MONTHS,
            ConsentKind.PAPER_FORM,
            "F1",
        )
    ) == payload_digest(grant)
