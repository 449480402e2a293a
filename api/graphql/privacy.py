"""The role-by-data matrix: which role may see which category of a citizen's personal data.

What a reader is shown is this matrix ∩ the categories of the declared purpose they name; health
data further needs the reader to be an agent accredited for CNAM at that moment. Enforced by
`tests/api/test_data_matrix.py`, which enumerates the schema's personal fields; documented in
docs/personal-data.md (generated from here by `dar privacy --write`).
"""

from __future__ import annotations

from api.auth import STAFF, Principal, Role
from application.citizens.service import Reader
from domain.citizens.categories import FIELD_CATEGORIES, DataCategory

_COUNTER = frozenset(DataCategory)  # health only when accredited for CNAM (checked per read)

DATA_MATRIX: dict[Role, frozenset[DataCategory]] = {
    Role.AGENT: _COUNTER,
    Role.SUPERVISOR: _COUNTER,
    Role.ADMIN: frozenset(
        {DataCategory.IDENTITY, DataCategory.DOCUMENT, DataCategory.GUARDIAN, DataCategory.MANDATES}
    ),
    Role.AUDITOR: frozenset({DataCategory.MANDATES}),
    Role.GOVERNANCE: frozenset(),
    # only for citizens with a file at that partner, and for the partner's processing purpose
    Role.PARTNER: frozenset({DataCategory.IDENTITY, DataCategory.DOCUMENT}),
    Role.VOLUNTEER: frozenset(),
}


def reader_of(principal: Principal) -> Reader:
    """The application's view of who reads and what their role admits."""
    staff = principal.role in STAFF
    return Reader(
        actor=principal.actor,
        categories=DATA_MATRIX[principal.role],
        house_code=principal.house if staff else None,
        employee_number=principal.subject if staff else None,
    )


def render_matrix() -> str:
    """The matrix as a Markdown table (fields by roles)."""
    roles = list(Role)
    header = "| Field (category) | " + " | ".join(r.value for r in roles) + " |"
    rows = [header, "|" + "---|" * (len(roles) + 1)]
    fields = [*FIELD_CATEGORIES.items(), ("mandate scopes", DataCategory.MANDATES)]
    fields.append(("CNAM mandate scopes", DataCategory.HEALTH))
    for field, category in fields:
        cells = []
        for role in roles:
            seen = category in DATA_MATRIX[role]
            mark = "yes" if seen else "—"
            if seen and category is DataCategory.HEALTH:
                mark = "if accredited for CNAM"
            cells.append(mark)
        rows.append(f"| {field} ({category.value}) | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"
