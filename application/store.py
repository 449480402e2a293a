"""The one event store of Dar and the pipeline every command goes through.

One eventsourcing application (one recorder, one global log) serves every context, so that log
positions order delegations, requests and payments against each other.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, Protocol, TypeVar, cast, get_type_hints
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    ProjectorFunction,
    Repository,
    project_aggregate,
)
from eventsourcing.domain import Aggregate, DomainEventProtocol, MutableOrImmutableAggregate
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    JSONTranscoder,
    Mapper,
    OperationalError,
    PersistenceError,
    Recording,
    Transcoder,
)
from typing_extensions import TypeVar as DefaultedTypeVar

from application.commands import Command, has_personal_fields, payload_digest
from application.decoding import DarMapper
from application.errors import (
    CommandAlreadyRecordedError,
    ConflictError,
    IdempotencyKeyReusedError,
    OutcomeUnknownError,
    StaleReadError,
    StoreBusyError,
)
from application.ports import CommandLog, CommandRecord, RecordedCommand
from application.snapshots import SnapshotCheckingRepository, put_snapshot
from application.snapshotted import SNAPSHOT_INTERVALS
from application.transcoder import DarTranscoder, DateAsISO
from domain.shared.acts import Act
from domain.shared.errors import DarError, NotFoundError

MAX_ATTEMPTS = 5
log = logging.getLogger(__name__)
A = TypeVar("A", bound=Aggregate)
RecordedValues = Mapping[str, str]
"""An outcome as the command log keeps it: text under the names of its fields."""
V_co = DefaultedTypeVar("V_co", default=object, covariant=True)

SamePersonal = Callable[[RecordedValues], bool]
"""Given a recorded command's outcome values: did it carry the retry's personal data?"""


class EventStore(Application[UUID]):
    """The single event store: one recorder, one log, for every context of Dar."""

    name = "Dar"
    snapshotting_intervals: ClassVar[dict[type[Aggregate], int]] = SNAPSHOT_INTERVALS  # type: ignore[assignment]

    def construct_mapper(self) -> Mapper[UUID]:
        """The library's mapper, reading stored events through per-topic decoders (same events)."""
        if self.factory.env.get(self.factory.MAPPER_TOPIC):
            return super().construct_mapper()
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=DarMapper)

    def construct_transcoder(self) -> Transcoder:
        """The library's JSON transcoding, its stored bytes unchanged, done mostly by orjson."""
        transcoder = DarTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        """Add Dar's value types to the library's transcodings."""
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def save(
        self,
        *objs: MutableOrImmutableAggregate[UUID] | DomainEventProtocol[UUID] | None,
        **kwargs: Any,  # noqa: ANN401 - the library's signature
    ) -> list[Recording[UUID]]:
        """The library's save; the pending events of aggregates collected without its checks.

        The library asks of each object whether it is a domain event, then whether it collects
        events, by runtime protocol checks (about 20 µs each on Python 3.11); an aggregate is
        neither checked nor treated otherwise here. Anything else goes the library's way.
        """
        aggregates = [obj for obj in objs if isinstance(obj, Aggregate)]
        if len(aggregates) != len(objs):
            return super().save(*objs, **kwargs)
        processing = ProcessingEvent[UUID]()
        for aggregate in aggregates:
            processing.events.extend(aggregate.collect_events())
            processing.aggregates[aggregate.id] = aggregate
        processing.saved_kwargs.update(kwargs)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        self.notify(processing.events)  # the library's deprecated hook, called as it calls it
        return recordings

    def construct_repository(self) -> Repository[UUID]:
        """A repository that starts from a snapshot only when the running code took it."""
        return SnapshotCheckingRepository(self.events, self.snapshots, self.snapshotting_intervals)

    def take_snapshot(
        self,
        aggregate_id: UUID,
        version: int | None = None,
        projector_func: ProjectorFunction[Any, Any] = project_aggregate,
    ) -> None:
        """Snapshot the recorded state; a snapshot is a cache: failing to take one fails nothing.

        Called by the library's save for each event whose version is a multiple of its class's
        interval, after the events are committed.
        """
        if self.snapshots is None:
            return
        try:
            aggregate = self.repository.get(
                aggregate_id, version=version, projector_func=projector_func
            )
        except (PersistenceError, StoreBusyError) as error:
            log.warning("no snapshot of %s: %s", aggregate_id, error)
            return
        put_snapshot(self.snapshots, aggregate)

    @property
    def command_log(self) -> CommandLog:
        """The recorder's index of recorded commands (Dar's recorders all provide one)."""
        log = self.__dict__.get("_command_log")
        if log is None:
            recorder = self.recorder
            if not isinstance(recorder, CommandLog):  # pragma: no cover - wiring error
                msg = f"{type(recorder).__name__} does not record command keys"
                raise TypeError(msg)
            log = self.__dict__["_command_log"] = recorder
        return log

    def load(self, aggregate_id: UUID, kind: type[A], what: str) -> A:
        """The aggregate of that kind, or NotFoundError naming `what` was looked for."""
        try:
            found = self._get_of(aggregate_id, kind)
        except AggregateNotFoundError:
            found = None
        if not isinstance(found, kind):
            msg = f"no {what} is known under this id"
            raise NotFoundError(msg)
        return found

    def find(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        """The aggregate of that kind, or None."""
        try:
            found = self._get_of(aggregate_id, kind)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, kind) else None

    def _get_of(self, aggregate_id: UUID, kind: type[Aggregate]) -> object:
        repository = self.repository
        if isinstance(repository, SnapshotCheckingRepository):
            return repository.get_of(aggregate_id, kind)
        return repository.get(aggregate_id)  # pragma: no cover - Dar's repository is the above

    def position(self) -> int:
        """The position of the last event in the log (0 when the log is empty)."""
        return self.recorder.max_notification_id() or 0


class Clock(Protocol):
    """Where the time of every act comes from: the server, never the client."""

    def now(self) -> datetime:
        """The current time, with a time zone."""
        ...


@dataclass(frozen=True)
class Decision(Generic[V_co]):
    """What a command decided: the aggregates to save, what it read, and its outcome's value.

    `reads` maps each aggregate the decision relied on without changing it to the version read;
    the save fails with a conflict if any of them changed meanwhile. The value is a frozen
    dataclass of ids, text and numbers (or, for a command not typed yet, its text values).
    """

    aggregates: Sequence[Aggregate]
    value: V_co
    reads: Mapping[UUID, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome(Generic[V_co]):
    """What a command did: its value and the log position of its last event.

    `replayed` is true when the command had been recorded before and this is its first outcome.
    """

    position: int
    value: V_co
    replayed: bool = False

    @property
    def values(self) -> RecordedValues:
        """The value as the command log records it (text under the names of its fields)."""
        return recorded(self.value)


def recorded(value: object) -> dict[str, str]:
    """An outcome's value as text under the names of its fields, as the command log keeps it."""
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: str(getattr(value, f.name)) for f in dataclasses.fields(value)}
    msg = f"an outcome is a dataclass of ids, text and numbers, not {type(value).__name__}"
    raise TypeError(msg)


_PARSERS: dict[object, Callable[[str], object]] = {UUID: UUID, int: int, str: str}


def restored(kind: type[V_co] | None, values: RecordedValues) -> V_co:
    """A recorded outcome back as its value's type (None: a command not typed yet, its text)."""
    if kind is None:
        return cast("V_co", dict(values))
    hints = get_type_hints(kind)
    return kind(**{name: _PARSERS[hints[name]](text) for name, text in values.items()})


class CommandRunner:
    """Runs commands exactly once per (actor, commandId), whatever the network does."""

    def __init__(
        self, store: EventStore, clock: Clock, on_saved: Callable[[int], None] | None = None
    ) -> None:
        self._store = store
        self._clock = clock
        self._on_saved = on_saved

    def run(
        self,
        command: Command,
        decide: Callable[[Act], Decision[V_co]],
        same_personal: SamePersonal | None = None,
        returns: type[V_co] | None = None,
    ) -> Outcome[V_co]:
        """Decide and save; on a retry of a recorded command, return its first outcome.

        `returns` is the type of the outcome's value, to read a recorded outcome back as one
        (None for a command not typed yet: its value is its recorded text).

        A command with personal fields (left out of its digest) is a retry only if
        `same_personal` confirms, from what the first attempt sealed with the citizen's own key,
        that it carried the same personal data; it raises a typed refusal when it cannot tell.
        Such a command looks its key up first, so a reused key touches nothing (the vault
        included) before it is refused.
        """
        digest = payload_digest(command)
        if has_personal_fields(command):
            replayed = self._replay_personal(command, digest, same_personal)
            if replayed is not None:
                return _typed(replayed, returns)
        # No look-up first otherwise: the save's guard finds a recorded key under the lock, and a
        # decision refused because of the command's own earlier effects looks the key up below.
        # A new command (the common case) thus costs one round trip less.
        for _ in range(MAX_ATTEMPTS):
            act = Act(actor=command.actor, command_id=command.command_id, at=self._clock.now())
            try:
                decision = decide(act)
            except StoreBusyError:
                raise  # a read waited past its bound: nothing was recorded, the client retries
            except DarError:
                # The first attempt of this very command may have committed since we looked:
                # then its outcome, not a refusal caused by its own effects, is the answer.
                prior = self._find_or_unknown(command)
                if prior is not None:
                    return _typed(self._replay(prior, digest, same_personal), returns)
                raise
            try:
                return self._save(command, digest, decision, same_personal, returns)
            except CommandAlreadyRecordedError:
                replay = self._replay(self._require(command), digest, same_personal)
                return _typed(replay, returns)
            except StaleReadError as error:
                raise ConflictError(str(error)) from error
            except IntegrityError:
                continue  # another command wrote the same aggregate first: decide again
        msg = "the objects this command changes are being changed by others; try again"
        raise ConflictError(msg)

    def _save(
        self,
        command: Command,
        digest: str,
        decision: Decision[V_co],
        same_personal: SamePersonal | None,
        returns: type[V_co] | None,
    ) -> Outcome[V_co]:
        record = CommandRecord(
            actor=command.actor,
            command_id=command.command_id,
            digest=digest,
            outcome=json.dumps(recorded(decision.value), sort_keys=True, ensure_ascii=False),
        )
        try:
            recordings = self._store.save(
                *decision.aggregates, dar_command=record, dar_reads=dict(decision.reads)
            )
        except (OperationalError, InterfaceError) as error:
            # The library gave up reconnecting: the events may or may not have been committed.
            prior = self._find_or_unknown(command)
            if prior is None:
                msg = "the store could not be reached; retry with the same commandId"
                raise OutcomeUnknownError(msg) from error
            return _typed(self._replay(prior, digest, same_personal), returns)
        if not recordings:
            msg = f"{type(command).__name__} decided nothing to record"
            raise ValueError(msg)
        position = recordings[-1].notification.id
        if self._on_saved is not None:
            self._on_saved(position)
        return Outcome(position=position, value=decision.value)

    def _replay_personal(
        self, command: Command, digest: str, same_personal: SamePersonal | None
    ) -> Outcome[RecordedValues] | None:
        """A recorded command's outcome if this is its retry, before anything is decided."""
        if same_personal is None:  # pragma: no cover - wiring error
            msg = f"{type(command).__name__} has personal fields: say how a retry is confirmed"
            raise TypeError(msg)
        prior = self._find_or_unknown(command)
        return None if prior is None else self._replay(prior, digest, same_personal)

    def _find(self, command: Command) -> RecordedCommand | None:
        return self._store.command_log.find_command(command.actor, command.command_id)

    def _find_or_unknown(self, command: Command) -> RecordedCommand | None:
        try:
            return self._find(command)
        except (OperationalError, InterfaceError, StoreBusyError) as error:
            # busy here is not "nothing recorded": an earlier attempt may have committed
            msg = "the store could not be reached; retry with the same commandId"
            raise OutcomeUnknownError(msg) from error

    def _require(self, command: Command) -> RecordedCommand:
        prior = self._find_or_unknown(command)
        if prior is None:  # pragma: no cover - the recorder just saw it under its lock
            msg = "the command was reported recorded but cannot be found"
            raise OutcomeUnknownError(msg)
        return prior

    @staticmethod
    def _replay(
        prior: RecordedCommand, digest: str, same_personal: SamePersonal | None
    ) -> Outcome[RecordedValues]:
        values: dict[str, str] = json.loads(prior.outcome)
        # The digest first: a payload that differs outside its personal fields is refused
        # without opening anything.
        if prior.digest != digest or (same_personal is not None and not same_personal(values)):
            msg = (
                f"commandId {prior.command_id!r} was already used for another command; "
                "use a new commandId for a new command"
            )
            raise IdempotencyKeyReusedError(msg)
        return Outcome(position=prior.position, value=values, replayed=True)


def _typed(replay: Outcome[RecordedValues], returns: type[V_co] | None) -> Outcome[V_co]:
    """A replayed outcome with its value read back as the command's type."""
    return Outcome(replay.position, restored(returns, replay.value), replayed=True)
