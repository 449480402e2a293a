"""The delivery process's work list: the deliveries read model, at its tracking position."""

from __future__ import annotations

from collections.abc import Collection

from application.deliveries.ports import Deliverable, ItemKind
from infrastructure.readmodels.database import ReadDatabase
from infrastructure.readmodels.deliveries import DeliveriesQueries
from projections.deliveries.view import DeliveryRow
from projections.errors import StaleError


def deliverable(row: DeliveryRow) -> Deliverable:
    """A row of the read model as the process sees it."""
    return Deliverable(
        key=row.key,
        kind=ItemKind(row.kind),
        subject_id=row.subject_id,
        submission=row.submission,
        partner_code=row.partner_code,
        house_id=row.house_id,
        service_code=row.service_code,
        amount_millimes=row.amount_millimes,
        taken_at=row.taken_at,
        position=row.position,
        reference=row.reference,
        house_code=row.house_code,
        refund_id=row.refund_id,
        remittance_date=row.remittance_date,
    )


class ReadModelWorklist:
    """Waiting items and unreachable partners, as the deliveries projection recorded them."""

    def __init__(self, db: ReadDatabase, queries: DeliveriesQueries, tracking_key: str) -> None:
        self._db = db
        self._queries = queries
        self._key = tracking_key

    def waiting(
        self, *, limit: int, partners: Collection[str], after_position: int = 0
    ) -> list[Deliverable]:
        """Items of these partners not confirmed yet, in the order they became due."""
        try:
            rows = self._queries.waiting(
                limit=limit, after_position=after_position, partners=partners
            )
        except StaleError:
            return []  # the runner beside the process creates the tables as it starts
        return [deliverable(r) for r in rows]

    def unreachable(self) -> frozenset[str]:
        """Partners whose last report says unreachable."""
        try:
            statuses = self._queries.statuses()
        except StaleError:
            return frozenset()
        return frozenset(s.partner_code for s in statuses if not s.reachable)

    def position(self) -> int:
        """The deliveries projection's tracking position."""
        return self._db.tracked(self._key)
