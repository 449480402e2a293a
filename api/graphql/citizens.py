"""Citizens, their audited personal data, their mandates, and the access log in GraphQL.

Every read of personal data names a declared purpose and is recorded before it is answered.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import strawberry

from api.auth import STAFF, Principal, Role
from api.graphql.access import ADMIN, STAFF_AND_OVERSIGHT, query
from api.graphql.caller import C, Caller, parse_id
from api.graphql.context import Context, DarInfo
from api.graphql.enums import (
    ConsentKind,
    DataCategory,
    DocumentKind,
    Duration,
    RequestStatus,
)
from api.graphql.pipeline import CommandResult, Submission, admin_mutation, mutation
from api.graphql.privacy import reader_of
from api.graphql.rows import Answer, answer, from_row
from api.graphql.scalars import Position
from application.citizens.commands import (
    CitizenChanged,
    EraseCitizen,
    GrantMandate,
    MandateChanged,
    MandateRevoked,
    RegisterCitizen,
    RevokeMandate,
)
from application.citizens.service import CitizenFile as FileView
from application.citizens.service import MandateView
from application.store import Outcome
from domain.shared.errors import NotFoundError, ValidationError
from projections.citizens.view import AccessFilter
from projections.requests.view import RequestFilter


@strawberry.type(
    description=(
        "A citizen's file as the caller may see it for the purpose named. Fields the caller's role"
        " or the purpose do not admit are null and listed in `withheld`; after an erasure every"
        " personal field is null and `erased` is true."
    )
)
class Citizen:
    id: strawberry.ID
    erased: bool
    minor: bool
    registered_at: datetime
    name: str | None
    document_kind: DocumentKind | None
    document_number: str | None
    phone: str | None
    guardian_id: strawberry.ID | None
    withheld: list[str]

    @classmethod
    def of(cls, view: FileView) -> Citizen:
        """The GraphQL view of what the application revealed."""
        v = view.values
        guardian, kind = v.get("guardianId"), v.get("documentKind")
        return cls(
            id=strawberry.ID(str(view.citizen_id)),
            erased=view.erased,
            minor=view.minor,
            registered_at=view.registered_at,
            name=v.get("name"),
            document_kind=DocumentKind(kind) if kind else None,
            document_number=v.get("documentNumber"),
            phone=v.get("phone"),
            guardian_id=strawberry.ID(guardian) if guardian else None,
            withheld=list(view.withheld),
        )


@strawberry.type(description="A scope of a mandate in force, until when.")
class MandateScope:
    scope: str
    expires_at: datetime


@strawberry.type(description="A citizen's mandate to one house: the scopes in force now.")
class Mandate:
    id: strawberry.ID
    house_id: strawberry.ID
    scopes: list[MandateScope]
    health_scopes_withheld: int = strawberry.field(
        description="CNAM scopes not shown: only agents accredited for CNAM see them."
    )

    @classmethod
    def of(cls, view: MandateView) -> Mandate:
        """The GraphQL view of a mandate."""
        scopes = [from_row(MandateScope, s) for s in view.scopes]
        return from_row(cls, view, id=view.mandate_id, scopes=scopes)


@strawberry.type(description="A declared purpose a read of personal data may name.")
class Purpose:
    code: str
    label_fr: str
    label_ar: str
    declaration: str = strawberry.field(description="Its declaration to the INPDP.")
    categories: list[DataCategory]


@strawberry.type(description="One recorded read of a citizen's personal data (never the values).")
class PersonalDataAccess:
    access_id: strawberry.ID = strawberry.field(name="id")
    actor: str
    at: datetime
    purpose: str
    operation: str
    fields: list[str]
    house_id: strawberry.ID | None
    position: Position


@strawberry.type(
    description="A page of the access log in log order; ask again `after` its `endPosition`."
)
class PersonalDataAccessPage:
    accesses: list[PersonalDataAccess]
    end_position: Position = strawberry.field(
        description="The last position read: the `after` of the next page."
    )
    has_more: bool


@strawberry.type(description="A revoked scope: the receipt number handed to the citizen.")
class RevocationResult(Answer[MandateRevoked]):
    id: strawberry.ID
    position: Position
    replayed: bool
    receipt: str

    @classmethod
    def of(cls, outcome: Outcome[MandateRevoked]) -> RevocationResult:
        """The mandate and the receipt number."""
        return answer(cls, outcome, id=outcome.value.mandate_id)


@strawberry.input(description="A citizen to register at the caller's house.")
class RegisterCitizenInput:
    command_id: str
    house_id: strawberry.ID
    name: str
    document_kind: DocumentKind | None = strawberry.field(
        default=None, description="Omitted for a minor."
    )
    document_number: str | None = None
    phone: str | None = strawberry.field(default=None, description="+216 and 8 digits")
    guardian_id: strawberry.ID | None = strawberry.field(
        default=None, description="for a minor: the registered guardian"
    )

    async def to_command(self, caller: Caller) -> Submission[RegisterCitizen, CitizenChanged]:
        """Register the citizen (sealed at once)."""
        house = await caller.house_code_of(self.house_id)
        guardian = parse_id(self.guardian_id, "guardianId") if self.guardian_id else None
        command = caller.command(RegisterCitizen, self, guardian_id=guardian, house_code=house)
        return Submission(command, caller.dar.citizens.register_citizen)


@strawberry.input(description="A command on a registered citizen, with the idempotency key.")
class OfCitizen:
    command_id: str
    citizen_id: strawberry.ID

    def citizen(self) -> UUID:
        """The citizen's id, well formed."""
        return parse_id(self.citizen_id, "citizenId")


@strawberry.input(description="A command on a citizen's mandate to a house.")
class OfMandate(OfCitizen):
    house_id: strawberry.ID

    async def of_mandate(self, caller: Caller, kind: type[C]) -> C:
        """The command `kind` on the citizen's mandate to the house (staff: their own)."""
        key, house = caller.key(self.command_id), await caller.house_code_of(self.house_id)
        return caller.command(
            kind, self, command_id=key, house_code=house, citizen_id=self.citizen()
        )


@strawberry.input(description="A citizen's mandate to a house, on their consent.")
class GrantMandateInput(OfMandate):
    scopes: list[str] = strawberry.field(
        description="service:PARTNER/SERVICE, partner:PARTNER (its services) or payments"
    )
    duration: Duration
    consent_kind: ConsentKind
    consent_reference: str

    async def to_command(self, caller: Caller) -> Submission[GrantMandate, MandateChanged]:
        """Grant the scopes to the house."""
        command = await self.of_mandate(caller, GrantMandate)
        return Submission(command, caller.dar.citizens.grant_mandate)


@strawberry.input(description="One scope of a citizen's mandate to a house, to revoke.")
class RevokeMandateInput(OfMandate):
    scope: str

    async def to_command(self, caller: Caller) -> Submission[RevokeMandate, MandateRevoked]:
        """Revoke the scope."""
        command = await self.of_mandate(caller, RevokeMandate)
        return Submission(command, caller.dar.citizens.revoke_mandate)


@strawberry.input(description="A citizen to erase, and why.")
class EraseCitizenInput(OfCitizen):
    reason: str

    async def to_command(self, caller: Caller) -> Submission[EraseCitizen, CitizenChanged]:
        """Erase the citizen."""
        command = caller.command(EraseCitizen, self, citizen_id=self.citizen())
        return Submission(command, caller.dar.citizens.erase_citizen)


# A partner's back office sees who a file is for while the file is at the partner.
AT_PARTNER = tuple(
    s.value
    for s in (
        RequestStatus.SUBMITTED,
        RequestStatus.AT_PARTNER,
        RequestStatus.RETURNED,
        RequestStatus.RESUBMITTED,
    )
)
PARTNER_PURPOSE = "partner_file_processing"


async def _partner_holds_a_file_of(context: Context, principal: Principal, citizen: UUID) -> None:
    """A partner user reads only citizens with a file at its partner; others do not exist."""
    dar = context.dar
    where = RequestFilter(citizen_id=citizen, partner_code=principal.partner, statuses=AT_PARTNER)
    held = await context.blocking(lambda: dar.read.requests.page(where, limit=1))
    if not held:
        raise NotFoundError("no citizen is known under this id")


async def _house_codes_for(context: Context) -> list[str]:
    principal = context.authenticate()
    if principal.role in STAFF:
        return [principal.house] if principal.house else []
    rows = await context.blocking(context.dar.read.directory.houses)
    return [r.code for r in rows]


_START = Position(0)


@strawberry.type
class CitizenQueries:
    @query(STAFF | ADMIN, "The citizen holding this CIN, or null (read recorded).")
    async def find_citizen(self, info: DarInfo, cin: str, purpose: str) -> Citizen | None:
        principal = info.context.authenticate()
        citizens = info.context.dar.citizens
        found = await info.context.blocking(
            lambda: citizens.find_by_document(DocumentKind.CIN, cin, purpose, reader_of(principal))
        )
        return Citizen.of(found) if found else None

    @query(
        STAFF | ADMIN | frozenset({Role.PARTNER}),
        "A citizen's file for a declared purpose (read recorded).",
    )
    async def citizen(self, info: DarInfo, id: strawberry.ID, purpose: str) -> Citizen:
        principal = info.context.authenticate()
        uuid = parse_id(id, "id")
        if principal.role is Role.PARTNER:
            if purpose != PARTNER_PURPOSE:
                raise ValidationError("purpose", f"a partner reads for {PARTNER_PURPOSE} only")
            await _partner_holds_a_file_of(info.context, principal, uuid)
        citizens = info.context.dar.citizens
        view = await info.context.blocking(
            lambda: citizens.read(uuid, purpose, reader_of(principal))
        )
        return Citizen.of(view)

    @query(
        STAFF | ADMIN | frozenset({Role.AUDITOR}),
        "A citizen's mandates in force (house staff: to their house; read recorded).",
    )
    async def mandates(
        self, info: DarInfo, citizen_id: strawberry.ID, purpose: str
    ) -> list[Mandate]:
        principal = info.context.authenticate()
        uuid = parse_id(citizen_id, "citizenId")
        codes = await _house_codes_for(info.context)
        citizens = info.context.dar.citizens
        views = await info.context.blocking(
            lambda: citizens.mandates(uuid, purpose, reader_of(principal), codes)
        )
        return [Mandate.of(v) for v in views]

    @query(STAFF_AND_OVERSIGHT, "The declared purposes a read of personal data may name.")
    async def purposes(self, info: DarInfo) -> list[Purpose]:
        purposes = info.context.dar.citizens.purposes.all()
        return [from_row(Purpose, p, categories=sorted(p.categories)) for p in purposes]

    @query(
        frozenset({Role.ADMIN, Role.AUDITOR}),
        "Who read a citizen's personal data, when, why (oldest first).",
    )
    async def personal_data_accesses(
        self,
        info: DarInfo,
        citizen_id: strawberry.ID,
        first: int = 100,
        at_least_position: Position | None = None,
    ) -> list[PersonalDataAccess]:
        dar = info.context.dar
        if not 1 <= first <= dar.settings.max_page_size:
            raise ValidationError("first", f"1 to {dar.settings.max_page_size}")
        uuid = parse_id(citizen_id, "citizenId")
        rows = await info.context.read(
            "access_log", at_least_position, lambda r: r.access_log.for_citizen(uuid, limit=first)
        )
        return [from_row(PersonalDataAccess, r) for r in rows]

    @query(
        frozenset({Role.ADMIN, Role.AUDITOR}),
        "Who read which citizen's personal data, when and why, in log order (auditors, admin):"
        " narrowed by citizen, actor and Africa/Tunis days (`from`, `to` included); the next"
        " page is `after` the last `endPosition`.",
    )
    async def personal_data_access(  # noqa: PLR0913, PLR0917 - the question's parts
        self,
        info: DarInfo,
        citizen_id: strawberry.ID | None = None,
        actor: str | None = None,
        from_day: Annotated[date | None, strawberry.argument(name="from")] = None,
        to_day: Annotated[date | None, strawberry.argument(name="to")] = None,
        first: int = 100,
        after: Position = _START,
        at_least_position: Position | None = None,
    ) -> PersonalDataAccessPage:
        dar = info.context.dar
        if not 1 <= first <= dar.settings.max_page_size:
            raise ValidationError("first", f"1 to {dar.settings.max_page_size}")
        narrowed = AccessFilter(
            citizen_id=parse_id(citizen_id, "citizenId") if citizen_id else None,
            actor=actor,
            day_from=from_day,
            day_to=to_day,
        )
        rows = await info.context.read(
            "access_log",
            at_least_position,
            lambda r: r.access_log.accesses(narrowed, int(after), limit=first),
        )
        end = rows[-1].position if rows else int(after)
        return PersonalDataAccessPage(
            accesses=[from_row(PersonalDataAccess, r) for r in rows],
            end_position=Position(end),
            has_more=len(rows) == first,
        )


@strawberry.type
class CitizenMutations:
    register_citizen = mutation(
        RegisterCitizenInput,
        CommandResult,
        STAFF,
        "Register a citizen at the caller's house (sealed at once).",
    )
    grant_mandate = mutation(
        GrantMandateInput,
        CommandResult,
        STAFF,
        "Record a citizen's mandate to the house, on their consent.",
    )
    revoke_mandate = mutation(
        RevokeMandateInput,
        RevocationResult,
        STAFF,
        "Revoke one scope of a mandate; returns the receipt number.",
    )
    erase_citizen = admin_mutation(
        EraseCitizenInput, "Erase a citizen: destroy their key, record why (admin)."
    )
