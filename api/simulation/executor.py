"""Runs the simulator's commands through the services, each at its scheduled moment, once.

Resuming relies on the commands' idempotency keys alone (no progress file): every key is made
of the seed (and visits a day), the house, the day and the command's place in it, e.g.
`sim1-60:haidra:20260105:A007:lodge`. A single writer records them in
order, so the recorded keys are a prefix of the run. Started again, the simulator reads each
command's first outcome back from the command log, without deciding anything, until it meets the
first key not recorded; from there on it runs the commands. The clock follows the schedule in
both cases, so that what the simulator does between two commands (a citizen paying on the
gateway's page, the gateway's callbacks: `api/simulation/gateway.py`) happens at the moment it
would have had in an uninterrupted run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from api.bootstrap import Dar
from api.simulation.sources import ScheduledClock, SeededIds
from application.commands import Command, payload_digest
from application.store import Outcome, RecordedValues

C = TypeVar("C", bound=Command)
STEP = timedelta(milliseconds=1)  # commands scheduled at the same moment keep their order


class OtherSimulationError(Exception):
    """The store holds, under a key of this run, a command of another (options differ)."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"{key} was recorded by a simulation with other options: use them, or another seed"
        )


@dataclass
class Tally:
    """What a run did: commands run now, commands found recorded, and the log's last position."""

    run: int = 0
    found: int = 0
    position: int = 0


class Executor:
    """Runs commands at their moments, or reads back those a previous run recorded."""

    def __init__(self, dar: Dar, clock: ScheduledClock, ids: SeededIds, start: datetime) -> None:
        self.dar = dar
        self._clock = clock
        self._ids = ids
        self._moment = start
        self._catching_up = True
        self.tally = Tally(position=dar.store.position())

    def do(
        self, handler: Callable[[C], Outcome[object]], command: C, at: datetime
    ) -> RecordedValues:
        """Run `command` at `at` (or just after the previous command); its outcome's values."""
        self._moment = max(self._moment + STEP, at)
        self._clock.set(self._moment)
        if self._catching_up:
            prior = self.dar.store.command_log.find_command(command.actor, command.command_id)
            if prior is not None:
                if prior.digest != payload_digest(command):
                    raise OtherSimulationError(command.command_id)
                self.tally.found += 1
                values: dict[str, str] = json.loads(prior.outcome)
                return values
            self._catching_up = False
        self._ids.begin(command.command_id)
        outcome = handler(command)
        self.tally.run += 1
        self.tally.position = max(self.tally.position, outcome.position)
        return outcome.values

    def at(self, moment: datetime) -> None:
        """Something outside Dar happens at `moment` (or just after the previous command).

        The clock moves on as it does for a command, in a resumed run as in an uninterrupted one.
        """
        self._moment = max(self._moment + STEP, moment)
        self._clock.set(self._moment)
