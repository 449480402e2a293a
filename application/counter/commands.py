"""Commands of the queue and the visits."""

from __future__ import annotations

from dataclasses import dataclass

from application.commands import Command


@dataclass(frozen=True)
class IssueTicket(Command):
    """A citizen takes a ticket on a service line (priority: elderly, disabled, pregnant)."""

    house_code: str
    prefix: str
    priority: str | None = None


@dataclass(frozen=True)
class CallNextTicket(Command):
    """The agent at a counter calls the next ticket of these lines (all lines when empty)."""

    house_code: str
    counter: int
    employee_number: str
    prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TicketStep(Command):
    """A step on one of today's tickets: recall, no-show, park, recycle, walk away, end."""

    house_code: str
    label: str
    step: str


@dataclass(frozen=True)
class ResumeTicket(Command):
    """Take a parked ticket up again at the agent's counter."""

    house_code: str
    label: str
    counter: int
    employee_number: str


@dataclass(frozen=True)
class TransferTicket(Command):
    """Send a called ticket to another line, or to another counter of its line."""

    house_code: str
    label: str
    to_prefix: str | None = None
    to_counter: int | None = None
