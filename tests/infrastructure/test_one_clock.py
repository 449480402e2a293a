"""Time comes from the injected clock: no wall-clock read outside `infrastructure/clock.py`."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("api", "application", "domain", "projections", "infrastructure")
THE_CLOCK = ROOT / "infrastructure" / "clock.py"
# `datetime.now()`, `datetime.utcnow()`, `date.today()`, `datetime.today()`, `time.time()`
WALL_CLOCK = {
    "datetime": {"now", "utcnow", "today"},
    "date": {"today"},
    "time": {"time", "time_ns"},
}


def _aliases(tree: ast.AST) -> dict[str, str]:
    """What each imported name stands for (`dt` for `from datetime import datetime as dt`)."""
    return {
        alias.asname: alias.name.rsplit(".", 1)[-1]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
        if alias.asname
    }


def _owner(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """`datetime` for `datetime.now` and `datetime.datetime.now` alike."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id, node.id)
    return node.attr if isinstance(node, ast.Attribute) else None


def wall_clock_reads(source: str) -> list[int]:
    """The lines of `source` that read the wall clock."""
    tree = ast.parse(source)
    aliases = _aliases(tree)
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = _owner(node.func.value, aliases)
            if owner is not None and node.func.attr in WALL_CLOCK.get(owner, set()):
                lines.append(node.lineno)
    return sorted(lines)


def test_the_scan_finds_each_way_of_reading_the_wall_clock() -> None:
    source = (
        "import datetime, time\n"
        "from datetime import UTC, date, datetime as dt\n"
        "a = datetime.datetime.now(tz=UTC)\n"
        "b = dt.now()\n"
        "c = date.today()\n"
        "d = time.time()\n"
        "e = lambda: datetime.datetime.utcnow()\n"
        "f = time.monotonic()\n"
    )
    assert wall_clock_reads(source) == [3, 4, 5, 6, 7]


def test_no_module_but_the_clock_reads_the_wall_clock() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for layer in LAYERS
        for path in sorted((ROOT / layer).rglob("*.py"))
        if path != THE_CLOCK
        for line in wall_clock_reads(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "read the time from the injected clock (infrastructure/clock.py)"
