"""Digital inclusion in GraphQL, the reads: a house's calendar of sessions and its volunteers.

Served by the `inclusion` read model; participants appear by age band and gender only, never by
name or CIN. Volunteers and house staff read their own house; oversight any house.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

import strawberry

from api.auth import Role
from api.graphql.access import query
from api.graphql.caller import parse_id
from api.graphql.context import DarInfo
from api.graphql.enums import AgeBand, Gender, InclusionTopic, Milestone, SessionFormat
from api.graphql.enums import SessionStatus as SessionStatusEnum
from api.graphql.rows import from_row
from api.graphql.scalars import Position
from domain.shared.errors import ValidationError
from projections.inclusion.view import CalendarEntry

# Not the governance office: a session names its volunteer and lists participants one by one; the
# office reads the same sessions as figures (`inclusionStatistics`), never people.
CALENDAR_READERS = frozenset(
    {Role.VOLUNTEER, Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR}
)
MAX_CALENDAR_DAYS = 62


@strawberry.type(description="A volunteer of a house's digital-inclusion room.")
class InclusionVolunteer:
    volunteer_id: strawberry.ID = strawberry.field(name="id")
    house_id: strawberry.ID
    code: str
    display_name: str
    association: str
    topics: list[InclusionTopic]
    active: bool
    position: Position


@strawberry.type(description="A participant of a session: no name, no CIN.")
class SessionParticipant:
    participant_id: strawberry.ID
    known: bool = strawberry.field(description="A registered citizen (found by CIN).")
    age_band: AgeBand
    gender: Gender
    first_time: bool = strawberry.field(description="Had attended no session when enrolled.")
    present: bool | None = strawberry.field(description="Null until the session is held.")
    milestones: list[Milestone]


@strawberry.type(description="A training session of a house's digital-inclusion room.")
class InclusionSession:
    id: strawberry.ID
    house_id: strawberry.ID
    room: str
    topic: InclusionTopic
    format: SessionFormat
    capacity: int
    starts_at: datetime
    ends_at: datetime
    volunteer_id: strawberry.ID
    volunteer_code: str | None
    volunteer_name: str | None
    status: SessionStatusEnum
    enrolled: int
    fill_rate: float = strawberry.field(description="Enrolled / capacity, from 0 to 1.")
    attended: int = strawberry.field(description="Present (0 until the session is held).")
    volunteer_minutes: int | None = strawberry.field(description="Null until the session is held.")
    participants: list[SessionParticipant]
    position: Position


def _session(entry: CalendarEntry) -> InclusionSession:
    row, volunteer = entry.session, entry.volunteer
    return InclusionSession(
        id=strawberry.ID(str(row.session_id)),
        house_id=strawberry.ID(str(row.house_id)),
        room=row.room,
        topic=InclusionTopic(row.topic),
        format=SessionFormat(row.format),
        capacity=row.capacity,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        volunteer_id=strawberry.ID(str(row.volunteer_id)),
        volunteer_code=volunteer.code if volunteer else None,
        volunteer_name=volunteer.display_name if volunteer else None,
        status=SessionStatusEnum(row.status),
        enrolled=row.enrolled,
        fill_rate=row.enrolled / row.capacity,
        attended=row.attended,
        volunteer_minutes=row.volunteer_minutes,
        participants=[
            SessionParticipant(
                participant_id=strawberry.ID(str(p.participant_id)),
                known=p.known,
                age_band=AgeBand(p.age_band),
                gender=Gender(p.gender),
                first_time=p.first_time,
                present=p.present,
                milestones=[Milestone(m) for m in milestones],
            )
            for p, milestones in entry.participants
        ],
        position=Position(row.position),
    )


@strawberry.type
class InclusionQueries:
    @query(
        CALENDAR_READERS,
        "A house's training sessions starting from `from` to `to` (Tunis days, at most 62), with "
        "fill rates and attendance (volunteers and house staff: their own house).",
    )
    async def inclusion_calendar(
        self,
        info: DarInfo,
        house_id: strawberry.ID,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        at_least_position: Position | None = None,
    ) -> list[InclusionSession]:
        await info.context.caller().house_code_of(house_id)  # own house only, for the bound
        house = parse_id(house_id, "houseId")
        if to < from_ or to - from_ > timedelta(days=MAX_CALENDAR_DAYS - 1):
            raise ValidationError("to", f"from `from` to at most {MAX_CALENDAR_DAYS} days on")
        entries = await info.context.read(
            "inclusion", at_least_position, lambda r: r.inclusion.calendar(house, from_, to)
        )
        return [_session(e) for e in entries]

    @query(
        CALENDAR_READERS,
        "A house's volunteers, by code (volunteers and house staff: their own house).",
    )
    async def inclusion_volunteers(
        self, info: DarInfo, house_id: strawberry.ID, at_least_position: Position | None = None
    ) -> list[InclusionVolunteer]:
        await info.context.caller().house_code_of(house_id)  # own house only, for the bound
        house = parse_id(house_id, "houseId")
        rows = await info.context.read(
            "inclusion", at_least_position, lambda r: r.inclusion.volunteers(house)
        )
        return [from_row(InclusionVolunteer, row) for row in rows]
