"""Registering, reading (audited), erasing citizens; granting, revoking and checking mandates.

Personal values are sealed with the citizen's key before they reach an event, and opened only for
a reader whose role and declared purpose both admit their category. Every read that returns
personal data is recorded, with its purpose, before the data leaves.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from application.citizens.commands import (
    AccessRecorded,
    CitizenChanged,
    EraseCitizen,
    GrantMandate,
    MandateChanged,
    MandateRevoked,
    RegisterCitizen,
    RevokeMandate,
)
from application.citizens.ports import KeyVault
from application.citizens.purposes import Purpose, Purposes
from application.commands import Command
from application.store import Clock, CommandRunner, Decision, EventStore, Outcome
from domain.citizens.access import PersonalDataAccess
from domain.citizens.categories import FIELD_CATEGORIES, HEALTH_PARTNER, DataCategory
from domain.citizens.citizen import Citizen, CitizenErasedError, SealedParticulars
from domain.citizens.identity import (
    DEFAULT_RULES,
    DocumentKind,
    DocumentRule,
    identity_document,
    person_name,
    phone_number,
)
from domain.citizens.mandate import (
    Mandate,
    MandateNotInForceError,
    mandate_id,
    scope,
    scope_partner,
)
from domain.houses.agent import Agent, agent_id
from domain.houses.house import House, house_id
from domain.partners.partner import partner_id
from domain.shared.acts import Act
from domain.shared.errors import AlreadyExistsError, NotFoundError, ValidationError
from domain.shared.ids import new_id

ERASED_RETRY = (
    "the citizen registered under this commandId has been erased: the retry cannot be matched "
    "to it and nothing was recorded; use a new commandId"
)


@dataclass(frozen=True)
class Reader:
    """Who reads: the actor, what their role may see, and (staff) their house and agent."""

    actor: str
    categories: frozenset[DataCategory]
    house_code: str | None = None
    employee_number: str | None = None


@dataclass(frozen=True)
class CitizenFile:
    """What a reader is shown of a citizen: revealed values, and the fields withheld."""

    citizen_id: UUID
    erased: bool
    minor: bool
    registered_at: datetime
    values: Mapping[str, str]
    withheld: tuple[str, ...]


@dataclass(frozen=True)
class MandateScopeView:
    """One scope of a mandate as a reader may see it."""

    scope: str
    expires_at: datetime


@dataclass(frozen=True)
class MandateView:
    """A citizen's mandate to one house, as a reader may see it."""

    mandate_id: UUID
    house_id: UUID
    scopes: tuple[MandateScopeView, ...]
    health_scopes_withheld: int


class CitizenService:
    """Citizens and mandates over the one event store and the key vault."""

    def __init__(  # noqa: PLR0913, PLR0917 - the service's collaborators
        self,
        store: EventStore,
        runner: CommandRunner,
        vault: KeyVault,
        purposes: Purposes,
        clock: Clock,
        rules: Mapping[DocumentKind, DocumentRule] = DEFAULT_RULES,
    ) -> None:
        self._store = store
        self._runner = runner
        self._vault = vault
        self.purposes = purposes
        self._clock = clock
        self._rules = rules

    # --- registration and erasure -------------------------------------------------------------

    def register_citizen(self, command: RegisterCitizen) -> Outcome[CitizenChanged]:
        """Seal the particulars with a new key, index the document, record `Citizen.Registered`."""
        name = person_name(command.name)
        phone = phone_number(command.phone) if command.phone else None
        document = None
        if command.guardian_id is None:
            if command.document_kind is None or command.document_number is None:
                raise ValidationError("document", "an identity document, or a guardian for a minor")
            document = identity_document(
                command.document_kind, command.document_number, self._rules
            )
        elif command.document_number is not None:
            raise ValidationError("document", "a minor is registered through a guardian only")
        house = self._house_id(command.house_code) if command.house_code else None

        def decide(act: Act) -> Decision[CitizenChanged]:
            if command.guardian_id is not None:
                self._guardian(command.guardian_id)
            citizen_id = self._citizen_id_for(document.lookup if document else None)
            self._vault.ensure_key(citizen_id)
            particulars = SealedParticulars(
                name=self._vault.seal(citizen_id, "name", name),
                document_kind=document.kind.value if document else None,
                document_number=(
                    self._vault.seal(citizen_id, "documentNumber", document.number)
                    if document
                    else None
                ),
                phone=self._vault.seal(citizen_id, "phone", phone) if phone else None,
                guardian_id=command.guardian_id,
            )
            citizen = Citizen.register(citizen_id, particulars, house, act)
            return Decision(aggregates=[citizen], value=CitizenChanged(citizen_id))

        given = (name, document.number if document else None, phone)

        def same_particulars(first: Mapping[str, str]) -> bool:
            return self._registered_with(UUID(first["citizen_id"]), given)

        return self._runner.run(
            command, decide, same_personal=same_particulars, returns=CitizenChanged
        )

    def _registered_with(self, citizen_id: UUID, given: tuple[str | None, ...]) -> bool:
        """Whether the citizen was registered with these particulars (name, document, phone).

        The command log holds no trace of them: the answer comes from the values the first
        attempt sealed with the citizen's own key, compared in constant time after NFC. Once
        erasure has destroyed the key nothing can tell, so a retry is refused as erased whatever
        it carries: the same answer for the true particulars and for any guess.
        """
        citizen = self._store.load(citizen_id, Citizen, "citizen")
        if citizen.erased:
            raise CitizenErasedError(ERASED_RETRY)
        sealed = (
            ("name", citizen.name),
            ("documentNumber", citizen.document_number),
            ("phone", citizen.phone),
        )
        recorded = [None if t is None else self._opened(citizen_id, f, t) for f, t in sealed]
        return hmac.compare_digest(_fingerprint(recorded), _fingerprint(list(given)))

    def _opened(self, citizen_id: UUID, field: str, token: str) -> str:
        """The sealed value opened, or the typed refusal once the key is destroyed."""
        opened = self._vault.open(citizen_id, field, token)
        if opened is None:
            raise CitizenErasedError(ERASED_RETRY)
        return opened

    def _citizen_id_for(self, lookup: str | None) -> UUID:
        """A new id; or, for a document indexed by an interrupted registration, that one's id."""
        if lookup is None:
            return new_id()
        claimed = self._vault.claim(lookup, new_id())
        if self._store.find(claimed, Citizen) is not None:
            raise AlreadyExistsError("a citizen with this identity document is registered")
        return claimed

    def _guardian(self, guardian_id: UUID) -> Citizen:
        guardian = self._store.load(guardian_id, Citizen, "guardian")
        guardian.refuse_if_erased()
        if guardian.minor:
            raise ValidationError("guardianId", "a guardian is not a minor")
        return guardian

    def erase_citizen(self, command: EraseCitizen) -> Outcome[CitizenChanged]:
        """Destroy the key and index entry first, then record the erasure with its reason.

        In this order a crash in between leaves the data unreadable and the retry records the
        event; the other order could leave an "erased" citizen whose data still opens.
        """
        if not command.reason.strip():
            raise ValidationError("reason", "must be 1 to 500 characters")
        self._store.load(command.citizen_id, Citizen, "citizen")
        self._vault.erase(command.citizen_id)

        def decide(act: Act) -> Decision[CitizenChanged]:
            citizen = self._store.load(command.citizen_id, Citizen, "citizen")
            citizen.erase(command.reason, act)
            return Decision(aggregates=[citizen], value=CitizenChanged(citizen.id))

        return self._runner.run(command, decide, returns=CitizenChanged)

    # --- audited reads --------------------------------------------------------------------------

    def find_by_document(
        self, kind: str, number: str, purpose_code: str, reader: Reader
    ) -> CitizenFile | None:
        """The citizen holding that document (read audited), or None."""
        purpose = self.purposes.get(purpose_code)
        document = identity_document(kind, number, self._rules)
        citizen_id = self._vault.find(document.lookup)
        citizen = self._store.find(citizen_id, Citizen) if citizen_id else None
        if citizen is None:
            return None
        return self._reveal(citizen, purpose, reader, "findCitizen")

    def read(self, citizen_id: UUID, purpose_code: str, reader: Reader) -> CitizenFile:
        """The citizen's file as this reader may see it for this purpose (read audited)."""
        purpose = self.purposes.get(purpose_code)
        citizen = self._store.load(citizen_id, Citizen, "citizen")
        return self._reveal(citizen, purpose, reader, "citizen")

    def allowed(self, purpose: Purpose, reader: Reader) -> frozenset[DataCategory]:
        """Role ∩ purpose, and health only for an agent accredited for CNAM now."""
        allowed = reader.categories & purpose.categories
        if DataCategory.HEALTH in allowed and not self._accredited_for_health(reader):
            allowed -= {DataCategory.HEALTH}
        return allowed

    def _reveal(
        self, citizen: Citizen, purpose: Purpose, reader: Reader, operation: str
    ) -> CitizenFile:
        allowed = self.allowed(purpose, reader)
        values: dict[str, str] = {}
        withheld: list[str] = []
        for field, value in self._recorded_values(citizen).items():
            if FIELD_CATEGORIES[field] not in allowed:
                withheld.append(field)
                continue
            opened = self._open(citizen, field, value)
            if opened is not None:
                values[field] = opened
        self.record_access(citizen.id, purpose, reader, operation, tuple(values))
        return CitizenFile(
            citizen_id=citizen.id,
            erased=citizen.erased or not self._vault.has_key(citizen.id),
            minor=citizen.minor,
            registered_at=citizen.created_on,
            values=values,
            withheld=tuple(withheld),
        )

    @staticmethod
    def _recorded_values(citizen: Citizen) -> dict[str, str]:
        recorded = {
            "name": citizen.name,
            "documentKind": citizen.document_kind,
            "documentNumber": citizen.document_number,
            "phone": citizen.phone,
            "guardianId": str(citizen.guardian_id) if citizen.guardian_id else None,
        }
        return {k: v for k, v in recorded.items() if v is not None}

    def _open(self, citizen: Citizen, field: str, value: str) -> str | None:
        if field not in {"name", "documentNumber", "phone"}:
            return None if citizen.erased else value
        return None if citizen.erased else self._vault.open(citizen.id, field, value)

    def record_access(
        self,
        citizen_id: UUID,
        purpose: Purpose,
        reader: Reader,
        operation: str,
        fields: tuple[str, ...],
    ) -> None:
        """Record the read before anything is returned: an unrecorded read fails."""
        house = house_id(reader.house_code) if reader.house_code else None

        def decide(act: Act) -> Decision[AccessRecorded]:
            access = PersonalDataAccess.record(
                citizen_id=citizen_id,
                purpose=purpose.code,
                operation=operation,
                fields=fields,
                house_id=house,
                act=act,
            )
            return Decision(aggregates=[access], value=AccessRecorded(access.id))

        read = _ReadCommand(command_id=f"read:{uuid4()}", actor=reader.actor)
        self._runner.run(read, decide, returns=AccessRecorded)

    def _accredited_for_health(self, reader: Reader) -> bool:
        if reader.employee_number is None:
            return False
        agent = self._store.find(agent_id(reader.employee_number), Agent)
        return agent is not None and agent.accredited_at(
            partner_id(HEALTH_PARTNER), self._clock.now()
        )

    # --- mandates --------------------------------------------------------------------------------

    def grant_mandate(self, command: GrantMandate) -> Outcome[MandateChanged]:
        """Record the grant (opening the citizen's mandate to the house on first use)."""
        house = self._house_id(command.house_code)
        scopes = frozenset(scope(s) for s in command.scopes)

        def decide(act: Act) -> Decision[MandateChanged]:
            citizen = self._store.load(command.citizen_id, Citizen, "citizen")
            citizen.refuse_if_erased()
            mandate = self._store.find(mandate_id(citizen.id, house), Mandate)
            if mandate is None:
                mandate = Mandate.open(citizen.id, house, act)
            mandate.grant(
                scopes=scopes,
                duration=command.duration,
                consent_kind=command.consent_kind,
                consent_reference=command.consent_reference,
                act=act,
            )
            return Decision(aggregates=[mandate], value=MandateChanged(mandate.id))

        return self._runner.run(command, decide, returns=MandateChanged)

    def revoke_mandate(self, command: RevokeMandate) -> Outcome[MandateRevoked]:
        """Revoke one scope; the outcome carries the receipt number."""
        house = self._house_id(command.house_code)
        wanted = scope(command.scope)

        def decide(act: Act) -> Decision[MandateRevoked]:
            mandate = self._store.load(
                mandate_id(command.citizen_id, house), Mandate, "mandate of this citizen"
            )
            receipt = mandate.revoke(wanted, act)
            return Decision(aggregates=[mandate], value=MandateRevoked(mandate.id, receipt))

        return self._runner.run(command, decide, returns=MandateRevoked)

    def mandate_covers(self, citizen_id: UUID, house_code: str, wanted: str) -> Mandate:
        """The mandate covering an act of scope `wanted` now, or MandateNotInForceError.

        The caller records `mandate.use(...)` and declares the mandate as read, so a revocation
        committed in between makes its command fail with a conflict.
        """
        mandate = self._store.find(mandate_id(citizen_id, self._house_id(house_code)), Mandate)
        if mandate is None or mandate.covering(scope(wanted), self._clock.now()) is None:
            raise MandateNotInForceError(f"no mandate of this citizen covers {wanted} now")
        return mandate

    def mandates(
        self, citizen_id: UUID, purpose_code: str, reader: Reader, house_codes: list[str]
    ) -> list[MandateView]:
        """The citizen's mandates in force at these houses (read audited).

        Health scopes are withheld unless the reader may see health data.
        """
        purpose = self.purposes.get(purpose_code)
        citizen = self._store.load(citizen_id, Citizen, "citizen")
        allowed = self.allowed(purpose, reader)
        if DataCategory.MANDATES not in allowed:
            raise ValidationError("purpose", "this purpose does not cover mandates")
        now = self._clock.now()
        views: list[MandateView] = []
        for code in house_codes:
            mandate = self._store.find(mandate_id(citizen.id, house_id(code)), Mandate)
            if mandate is not None:
                views.append(_view(mandate, now, health=DataCategory.HEALTH in allowed))
        fields = ("mandates", "health") if DataCategory.HEALTH in allowed else ("mandates",)
        self.record_access(citizen.id, purpose, reader, "mandates", fields)
        return views

    def _house_id(self, code: str) -> UUID:
        house = self._store.find(house_id(code), House)
        if house is None:
            raise NotFoundError("no such house")
        return house.id


def _fingerprint(values: list[str | None]) -> bytes:
    """A fixed-length digest of NFC-normalised values, so that comparing leaks no length."""
    normal = [None if v is None else unicodedata.normalize("NFC", v) for v in values]
    return hashlib.sha256(json.dumps(normal, ensure_ascii=False).encode()).digest()


def _view(mandate: Mandate, now: datetime, *, health: bool) -> MandateView:
    scopes = sorted(mandate.in_force(now).items())
    shown = [
        MandateScopeView(s, until)
        for s, until in scopes
        if health or scope_partner(s) != HEALTH_PARTNER
    ]
    return MandateView(
        mandate_id=mandate.id,
        house_id=mandate.house_id,
        scopes=tuple(shown),
        health_scopes_withheld=len(scopes) - len(shown),
    )


@dataclass(frozen=True)
class _ReadCommand(Command):
    """The command behind an access record: a fresh key, so each read is its own record."""
