"""`dar run` writes no line per request unless asked: the metrics count every request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

import api.cli
from tests.support.api import free_port


def _served_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    started: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda _app, **options: started.update(options))
    settings = {
        "DAR_DATABASE_URL": f"sqlite:///{tmp_path / 'dar.sqlite'}",
        "DAR_PORT": str(free_port()),
    }
    result = CliRunner().invoke(api.cli.app, ["run"], env={**settings, **env})
    assert result.exit_code == 0, result.output
    return started


def test_dar_run_logs_no_line_per_request_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _served_with(tmp_path, monkeypatch)["access_log"] is False


def test_dar_run_logs_a_line_per_request_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _served_with(tmp_path, monkeypatch, DAR_ACCESS_LOG="true")["access_log"] is True
