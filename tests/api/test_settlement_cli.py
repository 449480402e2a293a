"""`dar settlement import FILE`: a statement imported from a file, once, on both stores."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from api.bootstrap import Dar
from api.cli import app as cli
from domain.settlement.statement import StatementSource
from infrastructure.settings import Settings
from tests.support.api import environment
from tests.support.clock import TestClock
from tests.support.spec import Scenario

HEADER = "business_date,house_code,reference,kind,amount_millimes,partner_reference\r\n"


def test_a_statement_file_is_imported_once(
    dar: Dar, clock: TestClock, store_settings: Settings, tmp_path: Path
) -> None:
    Scenario(dar, clock).given("partners/steg_registered.yaml")
    statement = tmp_path / "steg-2026-01-06.csv"
    lines = "2026-01-06,haidra,HAIDRA-2026-P000001,capture,174700,STEG-1\r\n"
    statement.write_bytes(("\ufeff" + HEADER + lines).encode())  # a spreadsheet's export
    env = environment(store_settings)
    args = ["settlement", "import", str(statement), "--partner", "STEG"]
    first = CliRunner().invoke(cli, args, env=env)
    assert first.exit_code == 0, first.output
    assert "1 lines, 1 days" in first.output
    position = dar.store.position()
    again = CliRunner().invoke(cli, args, env=env)
    assert again.exit_code == 0, again.output
    assert "imported before: nothing changed" in again.output
    assert dar.store.position() == position
    day = dar.settlement.reconciliation("STEG", date(2026, 1, 6), StatementSource.PARTNER, [])
    assert [m.reference for m in day.matching.matches] == ["HAIDRA-2026-P000001"]
    statement.write_text(HEADER + "2026-01-06,haidra,X,capture,12.5,\r\n")
    refused = CliRunner().invoke(cli, args, env=env)
    assert refused.exit_code == 1
    assert "INVALID_STATEMENT: line 2" in refused.output
