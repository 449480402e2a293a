"""`dar audit export` carries each event's payload as `history` shows it to an auditor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from api.auth import Role
from domain.citizens.access import PersonalDataAccess
from infrastructure.settings import Settings
from tests.support.api import graphql, token_for
from tests.support.audit import reference_verifier, run_dar
from tests.support.citizens import grant_mandate
from tests.support.counter import counter_ready, served

HISTORY = """query($id: ID!, $p: String) { history(aggregateId: $id, purpose: $p) {
  events { position payload withheld } } }"""


def _export(settings: Settings, out: Path, *more: str) -> dict[int, dict[str, Any]]:
    code, output = run_dar(settings, "audit", "export", "--out", str(out), *more)
    assert code == 0, output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    return {line["position"]: line for line in lines if "state" in line}


def test_the_exports_payloads_are_historys_and_sealed_fields_stay_sealed(
    store_settings: Settings, tmp_path: Path
) -> None:
    dar, citizen = counter_ready(store_settings)
    mandate = grant_mandate(dar, citizen, "partner:STEG", "partner:CNAM")
    with served(store_settings, dar) as client:
        token = token_for(store_settings, Role.AUDITOR)

        def history(aggregate: object, purpose: str | None) -> list[dict[str, Any]]:
            body = graphql(client, HISTORY, {"id": str(aggregate), "p": purpose}, token)
            assert "errors" not in body, body
            return list(body["data"]["history"]["events"])

        sealed = _export(store_settings, tmp_path / "sealed.jsonl")
        for event in history(citizen, None) + history(mandate, None):
            line = sealed[event["position"]]
            assert (line["payload"], line["withheld"]) == (event["payload"], event["withheld"])
        [registered] = history(citizen, None)
        assert sealed[registered["position"]]["payload"]["name"] == {"sealed": "identity"}
        assert "Amel" not in (tmp_path / "sealed.jsonl").read_text()

        opened = _export(
            store_settings, tmp_path / "opened.jsonl", "--purpose", "mandate_management"
        )
        for event in history(mandate, "mandate_management"):
            line = opened[event["position"]]
            assert (line["payload"], line["withheld"]) == (event["payload"], event["withheld"])
        scopes = {
            str(s)
            for e in history(mandate, "mandate_management")
            for s in e["payload"].get("scopes", [])
        }
        assert scopes == {"partner:STEG", "{'sealed': 'health'}"}
        exports = [
            (e.actor, e.purpose, e.citizen_id, tuple(e.fields))
            for n in dar.store.recorder.select_notifications(start=1, limit=100_000)
            if isinstance(e := dar.store.mapper.to_domain_event(n), PersonalDataAccess.Recorded)
            and e.operation == "export"
        ]
        assert exports == [("auditor:export", "mandate_management", citizen, ("mandates",))]
    assert reference_verifier(tmp_path / "opened.jsonl")[0] == 0
