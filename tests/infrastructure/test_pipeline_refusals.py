"""PostgreSQL: refusals by the append guard never poison the connection for the next append.

The suspension race test once failed, rarely, with "prepared statement _pg3_n does not exist" on
an append following refused ones; appends now prepare no statement. This is the deterministic
part of that story: a connection whose first appends are all refused serves the next ones.
"""

from __future__ import annotations

import pytest

from api.bootstrap import bootstrap
from application.commands import Command
from application.errors import ConflictError
from application.partners.commands import RegisterPartner
from application.store import Decision
from domain.partners.partner import Partner, PartnerNames, partner_id
from domain.shared.acts import Act
from infrastructure.settings import Settings
from tests.support.clock import TestClock

ARABIC = "الشركة التونسية للكهرباء والغاز"


def register(code: str) -> RegisterPartner:
    return RegisterPartner(
        command_id=code, actor="admin:1", code=code, name_ar=ARABIC, name_fr=code
    )


def test_appends_after_many_guard_refusals_on_one_connection(pg_settings: Settings) -> None:
    other = bootstrap(pg_settings, TestClock())
    other.partners.register_partner(register("PZERO"))
    other.close()
    # one connection, whose first appends are all refused: statements first sent in a refused
    # pipeline (the insert, and NOTIFY once psycopg prepares it by itself) must still work after
    dar = bootstrap(pg_settings.model_copy(update={"postgres_pool_size": 1}), TestClock())
    try:
        for n in range(8):

            def stale(act: Act, n: int = n) -> Decision:
                fresh = Partner.register(f"STALE{n}", PartnerNames(ARABIC, "S"), act)
                return Decision(aggregates=[fresh], value={}, reads={partner_id("PZERO"): 0})

            with pytest.raises(ConflictError):
                dar.runner.run(Command(command_id=f"stale-{n}", actor="admin:1"), stale)
        for n in range(8):
            dar.partners.register_partner(register(f"P{n}"))
    finally:
        dar.close()
