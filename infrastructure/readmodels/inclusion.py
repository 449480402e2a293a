"""The inclusion read model's tables, on either store."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from infrastructure.readmodels.database import ReadDatabase, SqlCursor
from infrastructure.readmodels.tables import Index, Table, create_tables
from infrastructure.readmodels.working_set import WorkingSet
from projections.inclusion.projection import InclusionProjection
from projections.inclusion.view import (
    CalendarEntry,
    InclusionSessionRow,
    InclusionVolunteerRow,
    LearnerRow,
    SessionParticipantRow,
)

V = InclusionProjection.version
SESSIONS_TABLE = Table(
    f"inclusion_sessions_v{V}",
    InclusionSessionRow,
    ("session_id",),
    indexes=(Index("house_day", ("house_id", "day")),),
)
PARTICIPANTS_TABLE = Table(
    f"inclusion_participants_v{V}", SessionParticipantRow, ("session_id", "participant_id")
)
VOLUNTEERS_TABLE = Table(
    f"inclusion_volunteers_v{V}",
    InclusionVolunteerRow,
    ("volunteer_id",),
    indexes=(Index("house", ("house_id",)),),
)
LEARNERS_TABLE = Table(f"inclusion_learners_v{V}", LearnerRow, ("participant_id",))
ALL = (SESSIONS_TABLE, PARTICIPANTS_TABLE, VOLUNTEERS_TABLE, LEARNERS_TABLE)


def create_inclusion_tables(db: ReadDatabase) -> None:
    """The tables of this projection version."""
    create_tables(db, *ALL)


class InclusionTables:
    """Writes sessions, participants, volunteers and learners within a batch's transaction."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._sessions = WorkingSet(db, cur, SESSIONS_TABLE.spec)
        self._participants = WorkingSet(db, cur, PARTICIPANTS_TABLE.spec)
        self._volunteers = WorkingSet(db, cur, VOLUNTEERS_TABLE.spec)
        self._learners = WorkingSet(db, cur, LEARNERS_TABLE.spec)

    def put_session(self, row: InclusionSessionRow) -> None:
        """See InclusionWriter."""
        self._sessions.put(row, row.session_id)

    def session(self, session_id: UUID) -> InclusionSessionRow | None:
        """See InclusionWriter."""
        return self._sessions.get(session_id)

    def put_participant(self, row: SessionParticipantRow) -> None:
        """See InclusionWriter."""
        self._participants.put(row, row.session_id, row.participant_id)

    def participant(self, session_id: UUID, participant_id: UUID) -> SessionParticipantRow | None:
        """See InclusionWriter."""
        return self._participants.get(session_id, participant_id)

    def put_volunteer(self, row: InclusionVolunteerRow) -> None:
        """See InclusionWriter."""
        self._volunteers.put(row, row.volunteer_id)

    def volunteer(self, volunteer_id: UUID) -> InclusionVolunteerRow | None:
        """See InclusionWriter."""
        return self._volunteers.get(volunteer_id)

    def put_learner(self, row: LearnerRow) -> None:
        """See InclusionWriter."""
        self._learners.put(row, row.participant_id)

    def learner(self, participant_id: UUID) -> LearnerRow | None:
        """See InclusionWriter."""
        return self._learners.get(participant_id)

    def flush(self) -> None:
        """Write the batch's rows."""
        self._sessions.flush()
        self._participants.flush()
        self._volunteers.flush()
        self._learners.flush()


class InclusionQueries:
    """Reads the inclusion tables."""

    def __init__(self, db: ReadDatabase) -> None:
        self._db = db

    def calendar(self, house_id: UUID, first: date, last: date) -> list[CalendarEntry]:
        """See InclusionReader."""
        db = self._db
        in_range = "house_id = ? AND day >= ? AND day <= ?"
        params = (house_id, first.isoformat(), last.isoformat())
        of_sessions = f"SELECT session_id FROM {db.table(SESSIONS_TABLE.name)} WHERE {in_range}"
        of_participants = (
            f"SELECT participant_id FROM {db.table(PARTICIPANTS_TABLE.name)} "
            f"WHERE session_id IN ({of_sessions})"
        )
        with db.read() as cur:
            cur.execute(SESSIONS_TABLE.select(db, in_range), params)
            sessions = [SESSIONS_TABLE.row(r) for r in cur.fetchall()]
            cur.execute(PARTICIPANTS_TABLE.select(db, f"session_id IN ({of_sessions})"), params)
            participants = [PARTICIPANTS_TABLE.row(r) for r in cur.fetchall()]
            cur.execute(LEARNERS_TABLE.select(db, f"participant_id IN ({of_participants})"), params)
            learners = {row.participant_id: row for row in map(LEARNERS_TABLE.row, cur.fetchall())}
        volunteers = {v.volunteer_id: v for v in self.volunteers(house_id)}
        seated: dict[UUID, list[SessionParticipantRow]] = {}
        for row in sorted(participants, key=lambda p: p.seat):
            seated.setdefault(row.session_id, []).append(row)
        return [
            CalendarEntry(
                session,
                volunteers.get(session.volunteer_id),
                tuple(
                    (
                        p,
                        learners[p.participant_id].milestones
                        if p.participant_id in learners
                        else (),
                    )
                    for p in seated.get(session.session_id, [])
                ),
            )
            for session in sorted(sessions, key=lambda s: (s.starts_at, str(s.session_id)))
        ]

    def volunteers(self, house_id: UUID) -> list[InclusionVolunteerRow]:
        """See InclusionReader."""
        with self._db.read() as cur:
            cur.execute(VOLUNTEERS_TABLE.select(self._db, "house_id = ?"), (house_id,))
            rows = [VOLUNTEERS_TABLE.row(r) for r in cur.fetchall()]
        return sorted(rows, key=lambda r: r.code)


def _milestones(learner: LearnerRow | None) -> tuple[str, ...]:
    return learner.milestones if learner is not None else ()
