"""A forwarded file's lateness is counted in its house's working days, on the injected clock.

The figures come from the requests read model (the deadline set at lodging, the house's own
holidays as the projection followed them) and the clock's Tunis day at query time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from fastapi.testclient import TestClient

from api.auth import Role, TokenService
from application.houses.commands import AddLocalHoliday
from infrastructure.settings import Settings
from tests.support.api import graphql
from tests.support.clock import TestClock
from tests.support.counter import counter_ready, lodge, served

QUERY = (
    "query($r: String!) { requestByReceipt(number: $r) "
    "{ status dueOn overdueWorkingDays workingDaysLeft } }"
)


def _at_noon(clock: TestClock, day: date) -> None:
    clock.set(datetime.combine(day, time(11, 0), tzinfo=UTC))  # noon in Tunis


def _figures(client: TestClient, receipt: str, token: str) -> dict[str, Any]:
    found: dict[str, Any] = graphql(client, QUERY, {"r": receipt}, token)["data"]
    return found["requestByReceipt"]  # type: ignore[no-any-return]


def test_a_file_past_its_deadline_is_late_by_its_houses_working_days_on_the_clocks_day(
    api_settings: Settings,
) -> None:
    dar, citizen = counter_ready(api_settings)
    clock = dar.clock
    assert isinstance(clock, TestClock)
    lodged = lodge(dar, citizen, "CNAM", "REIMBURSEMENT_FILE", ("Bulletin de soins", "Ordonnance"))
    receipt = lodged.values["receipt"]
    national = dar.houses.calendar("haidra")
    lodged_on = clock.now().date()
    due = national.add_working_days(lodged_on, 30)  # the service's deadline: 30 working days
    holiday = national.add_working_days(due, 2)  # a working day nationally, closed at Haidra
    dar.houses.add_local_holiday(
        AddLocalHoliday(
            command_id="feast", actor="admin:1", house_code="haidra", day=holiday, name="Fête"
        )
    )
    today = national.add_working_days(due, 5)
    token = TokenService(api_settings).mint("A17", Role.AGENT, house="haidra")
    with served(api_settings, dar) as client:
        on_lodging = _figures(client, receipt, token)
        assert on_lodging == {
            "status": "LODGED",
            "dueOn": due.isoformat(),
            "overdueWorkingDays": 0,
            "workingDaysLeft": 30,
        }
        _at_noon(clock, due)
        assert _figures(client, receipt, token)["workingDaysLeft"] == 0
        _at_noon(clock, today)
        late = _figures(client, receipt, token)
        assert (late["overdueWorkingDays"], late["workingDaysLeft"]) == (4, 0)  # 5, less the feast
