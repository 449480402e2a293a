"""The deliveries read model's tables, on either store."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from uuid import UUID

from infrastructure.readmodels.database import ReadDatabase, SqlCursor, as_time
from infrastructure.readmodels.tables import Index, Table, create_tables
from projections.deliveries.projection import DeliveriesProjection
from projections.deliveries.view import (
    REFUND,
    DeliveryRow,
    HousePartnerRow,
    PartnerStatusRow,
    RemittanceDayRow,
    SubjectRow,
)
from projections.errors import StaleError

_V = DeliveriesProjection.version
STATUSES = Table(
    f"partner_status_v{_V}", PartnerStatusRow, ("partner_id",), unique=("partner_code",)
)
HOUSE_PARTNERS = Table(
    f"house_partners_v{_V}", HousePartnerRow, ("house_id", "partner_id"), on_conflict="ignore"
)
SUBJECTS = Table(f"delivery_subjects_v{_V}", SubjectRow, ("subject_id",))
REMITTANCE_DAYS = Table(
    f"delivery_remittance_days_v{_V}", RemittanceDayRow, ("remittance_id",), on_conflict="ignore"
)
DELIVERIES = Table(
    f"deliveries_v{_V}",
    DeliveryRow,
    ("key",),
    indexes=(
        Index("waiting", ("confirmed_position", "position")),
        Index("house", ("house_id", "confirmed_position")),
    ),
    on_conflict="ignore",  # a replayed batch finds its items there already
)
ALL = (STATUSES, HOUSE_PARTNERS, SUBJECTS, REMITTANCE_DAYS, DELIVERIES)


def create_deliveries_tables(db: ReadDatabase) -> None:
    """The tables of this projection version."""
    create_tables(db, *ALL)


class DeliveriesTables:
    """Writes the deliveries tables within a batch's transaction."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._db = db
        self._cur = cur
        self._deliveries = db.table(DELIVERIES.name)

    def status(self, partner_code: str) -> PartnerStatusRow | None:
        """The partner's status as last written."""
        self._cur.execute(STATUSES.select(self._db, "partner_code = ?"), (partner_code,))
        found = self._cur.fetchone()
        return STATUSES.row(found) if found else None

    def put_status(self, row: PartnerStatusRow) -> None:
        """The partner's status now."""
        self._cur.execute(STATUSES.insert(self._db), STATUSES.params(row))

    def put_house_partner(self, row: HousePartnerRow) -> None:
        """A house works with a partner."""
        self._cur.execute(HOUSE_PARTNERS.insert(self._db), HOUSE_PARTNERS.params(row))

    def subject(self, subject_id: UUID) -> SubjectRow | None:
        """A payment or a file known to the read model."""
        self._cur.execute(SUBJECTS.select(self._db, "subject_id = ?"), (subject_id,))
        found = self._cur.fetchone()
        return SUBJECTS.row(found) if found else None

    def put_subject(self, row: SubjectRow) -> None:
        """A payment or forwarded file, new or sent once more."""
        self._cur.execute(SUBJECTS.insert(self._db), SUBJECTS.params(row))

    def remittance_day(self, remittance_id: UUID) -> date | None:
        """The business day of a remittance, once opened."""
        self._cur.execute(REMITTANCE_DAYS.select(self._db, "remittance_id = ?"), (remittance_id,))
        found = self._cur.fetchone()
        return REMITTANCE_DAYS.row(found).business_date if found else None

    def put_remittance_day(self, row: RemittanceDayRow) -> None:
        """A remittance opened for its business day."""
        self._cur.execute(REMITTANCE_DAYS.insert(self._db), REMITTANCE_DAYS.params(row))

    def add_delivery(self, row: DeliveryRow) -> None:
        """An item now due to the partner."""
        self._cur.execute(DELIVERIES.insert(self._db), DELIVERIES.params(row))

    def confirm(self, subject_id: UUID, up_to: int, receipt: str, position: int) -> None:
        """The subject's sendings up to `up_to` are confirmed (a later one supersedes them)."""
        self._cur.execute(
            f"UPDATE {self._deliveries} SET confirmed_position = ?, partner_receipt = ? "
            "WHERE subject_id = ? AND submission <= ? AND confirmed_position IS NULL "
            "AND kind <> ?",
            (position, receipt, subject_id, up_to, REFUND),
        )

    def confirm_key(self, key: str, receipt: str, position: int) -> None:
        """The item of this key is confirmed."""
        self._cur.execute(
            f"UPDATE {self._deliveries} SET confirmed_position = ?, partner_receipt = ? "
            "WHERE key = ? AND confirmed_position IS NULL",
            (position, receipt, key),
        )


class DeliveriesQueries:
    """Reads the deliveries tables."""

    def __init__(self, db: ReadDatabase) -> None:
        self._db = db

    def waiting(
        self, *, limit: int, after_position: int = 0, partners: Collection[str] | None = None
    ) -> list[DeliveryRow]:
        """Items not confirmed, in the order they became due (only these partners', if given)."""
        where = "confirmed_position IS NULL AND position > ?"
        params: list[object] = [after_position]
        if partners is not None:
            if not partners:
                return []
            where += f" AND partner_code IN ({', '.join('?' for _ in partners)})"
            params.extend(sorted(partners))
        with self._db.read() as cur:
            cur.execute(
                DELIVERIES.select(self._db, where, "position, key LIMIT ?"), (*params, limit)
            )
            return [DELIVERIES.row(r) for r in cur.fetchall()]

    def delivery(self, key: str) -> DeliveryRow | None:
        """One item by its key."""
        with self._db.read() as cur:
            cur.execute(DELIVERIES.select(self._db, "key = ?"), (key,))
            found = cur.fetchone()
        return DELIVERIES.row(found) if found else None

    def statuses(self) -> list[PartnerStatusRow]:
        """Every partner's status, by code."""
        with self._db.read() as cur:
            cur.execute(STATUSES.select(self._db, "", "partner_code"))
            return [STATUSES.row(r) for r in cur.fetchall()]

    def house_partners(self, house_id: UUID) -> list[UUID]:
        """The partners a house works with."""
        table = self._db.table(HOUSE_PARTNERS.name)
        with self._db.read() as cur:
            cur.execute(f"SELECT partner_id FROM {table} WHERE house_id = ?", (house_id,))
            return [HOUSE_PARTNERS.row((house_id, r[0], 0)).partner_id for r in cur.fetchall()]

    def waiting_counts(self, house_id: UUID | None = None) -> dict[str, int]:
        """Items not confirmed, per partner code (of one house, or of all)."""
        sql = (
            f"SELECT partner_code, COUNT(*) FROM {self._deliveries} "
            "WHERE confirmed_position IS NULL"
        )
        params: tuple[object, ...] = ()
        if house_id is not None:
            sql, params = sql + " AND house_id = ?", (house_id,)
        with self._db.read() as cur:
            cur.execute(sql + " GROUP BY partner_code", params)
            return {str(code): int(count) for code, count in cur.fetchall()}

    def backlog(self) -> tuple[int, datetime | None]:
        """How many items wait for their partner, and when the oldest of them was taken."""
        with self._db.read() as cur:
            cur.execute(
                f"SELECT COUNT(*), MIN(taken_at) FROM {self._deliveries} "
                "WHERE confirmed_position IS NULL"
            )
            row = cur.fetchone()
        if row is None or not row[0]:
            return 0, None
        return int(row[0]), as_time(row[1])

    def version(self) -> int:
        """The position of the last status or item change (0 before any, or unbuilt)."""
        parts = [
            f"SELECT COALESCE(MAX(position), 0) FROM {self._db.table(STATUSES.name)}",
            f"SELECT COALESCE(MAX(position), 0) FROM {self._deliveries}",
            f"SELECT COALESCE(MAX(confirmed_position), 0) FROM {self._deliveries}",
        ]
        try:
            with self._db.read() as cur:
                found = 0
                for sql in parts:
                    cur.execute(sql)
                    row = cur.fetchone()
                    found = max(found, int(row[0]) if row else 0)
        except StaleError:
            return 0
        return found

    @property
    def _deliveries(self) -> str:
        return self._db.table(DELIVERIES.name)
