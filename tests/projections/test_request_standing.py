"""A file's standing against its partner's deadline: late in working days, never once final."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from domain.counter.request import RequestStatus
from infrastructure.reference.places import business_calendar
from projections.requests.view import RequestRow, Standing, standing

LODGED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DUE = date(2026, 3, 13)  # a Friday
CALENDAR = business_calendar()


def _file(status: RequestStatus, due_on: date | None = DUE) -> RequestRow:
    return RequestRow(
        request_id=uuid4(),
        house_id=uuid4(),
        visit_id=uuid4(),
        citizen_id=uuid4(),
        partner_code="CNAM",
        service_code="REIMBURSEMENT_FILE",
        mode="forwarded",
        status=status.value,
        receipt="R-1",
        documents=(),
        lodged_at=LODGED,
        due_on=due_on,
        partner_reference=None,
        note=None,
        updated_at=LODGED,
        lodged_position=1,
        position=1,
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 3, 11), Standing(overdue_working_days=0, working_days_left=2)),
        (DUE, Standing(overdue_working_days=0, working_days_left=0)),
        (date(2026, 3, 15), Standing(overdue_working_days=0, working_days_left=0)),  # weekend
        (date(2026, 3, 23), Standing(overdue_working_days=5, working_days_left=0)),  # 20 March
    ],
)
def test_a_running_file_counts_working_days_to_and_past_its_deadline(
    today: date, expected: Standing
) -> None:
    assert standing(_file(RequestStatus.AT_PARTNER), CALENDAR, today) == expected


@pytest.mark.parametrize("status", [RequestStatus.ACCEPTED, RequestStatus.WITHDRAWN])
def test_a_final_file_or_one_without_deadline_is_never_late(status: RequestStatus) -> None:
    late_day = date(2026, 4, 30)
    assert standing(_file(status), CALENDAR, late_day) == Standing(0, None)
    assert standing(_file(RequestStatus.LODGED, None), CALENDAR, late_day) == Standing(0, None)
