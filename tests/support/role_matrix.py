"""The reviewed role matrix (`docs/role-matrix.md`), read as data for the tests that enforce it.

The file is the expectation: it is written from the documented rules, never from
the roles the operations declare, so a change to the enforcement that the documents do not make fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from api.auth import Role

MATRIX = Path(__file__).resolve().parents[2] / "docs" / "role-matrix.md"
ALLOWED, REFUSED = "yes", "—"


@dataclass(frozen=True)
class RoleMatrix:
    """Who may call each operation, and which roles see only their own house."""

    allowed: dict[str, frozenset[Role]]
    own_house_only: frozenset[Role]
    public: frozenset[str]  # open to callers without a token


def load_role_matrix(path: Path = MATRIX) -> RoleMatrix:
    """The tables of the file; a malformed cell or a missing role fails with its line."""
    text = path.read_text(encoding="utf-8")
    own_house = _table(text, "own-house", path)
    operations = _table(text, "operations", path)
    public = _table(text, "public", path)
    return RoleMatrix(
        allowed={name: _roles(cells, name) for name, cells in operations.items()},
        own_house_only=frozenset(
            Role(role) for role, cells in own_house.items() if _cell(cells["own house only"], role)
        ),
        public=frozenset(public),
    )


def _table(text: str, marker: str, path: Path) -> dict[str, dict[str, str]]:
    """The rows between `<!-- marker -->` and `<!-- /marker -->`, keyed by their first cell."""
    start, end = f"<!-- {marker} -->", f"<!-- /{marker} -->"
    if start not in text or end not in text:
        msg = f"{path.name}: no {start} … {end} table"
        raise ValueError(msg)
    lines = text.split(start, 1)[1].split(end, 1)[0].strip().splitlines()
    header = _cells(lines[0])
    rows: dict[str, dict[str, str]] = {}
    for line in lines[2:]:  # after the header and its |---| line
        cells = _cells(line)
        if len(cells) != len(header):
            msg = f"{path.name}: {line!r} has {len(cells)} cells, not {len(header)}"
            raise ValueError(msg)
        if cells[0] in rows:
            msg = f"{path.name}: {cells[0]} has two rows"
            raise ValueError(msg)
        rows[cells[0]] = dict(zip(header, cells, strict=True))
    return rows


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _roles(cells: dict[str, str], name: str) -> frozenset[Role]:
    return frozenset(role for role in Role if _cell(cells[role.value], f"{name}/{role.value}"))


def _cell(value: str, where: str) -> bool:
    if value not in {ALLOWED, REFUSED}:
        msg = f"role matrix: {where}: {value!r} is neither {ALLOWED!r} nor {REFUSED!r}"
        raise ValueError(msg)
    return value == ALLOWED
