"""Tokens are checked on the event loop unless checking them may wait (staff gate, OIDC keys)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import jwt
import pytest

from api.auth import Principal, Role, TokenService, UnauthenticatedError
from infrastructure.settings import Settings


class RecordingGate:
    """A gate that notes the thread it was asked on."""

    def __init__(self) -> None:
        self.threads: list[str] = []

    def refusal(self, principal: Principal) -> str | None:
        self.threads.append(threading.current_thread().name)
        return None if principal.subject != "gone" else "this account has been deactivated"


def _checked_on(role: Role, subject: str = "someone") -> tuple[Principal, list[str], str]:
    gate = RecordingGate()
    tokens = TokenService(Settings(), gate=gate)
    token = tokens.mint(subject, role, house="haidra" if role is Role.AGENT else None)

    async def verify() -> tuple[Principal, str]:
        return await tokens.verified(token), threading.current_thread().name

    principal, loop_thread = asyncio.run(verify())
    return principal, gate.threads, loop_thread


def test_an_admin_token_is_checked_on_the_event_loop() -> None:
    principal, threads, loop_thread = _checked_on(Role.ADMIN)
    assert principal.role is Role.ADMIN
    assert threads == [loop_thread]


def test_a_staff_token_is_checked_on_a_worker_thread_where_the_gate_reads_the_store() -> None:
    principal, threads, loop_thread = _checked_on(Role.AGENT)
    assert principal.role is Role.AGENT
    assert len(threads) == 1
    assert threads[0] != loop_thread


def test_a_refused_staff_token_is_refused_the_same_way() -> None:
    with pytest.raises(UnauthenticatedError, match="deactivated"):
        _checked_on(Role.AGENT, subject="gone")


def test_a_token_is_decoded_once_and_its_subject_still_checked_at_every_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = RecordingGate()
    tokens = TokenService(Settings(), gate=gate)
    token = tokens.mint("someone", Role.ADMIN)
    decoded: list[str] = []
    decode = jwt.decode

    def counted(*args: Any, **kwargs: Any) -> Any:
        decoded.append(token)
        return decode(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counted)
    assert tokens.verify(token).subject == "someone"
    assert asyncio.run(tokens.verified(token)).subject == "someone"
    assert len(decoded) == 1
    assert len(gate.threads) == 2


def test_a_remembered_token_of_a_deactivated_subject_is_refused() -> None:
    gate = RecordingGate()
    tokens = TokenService(Settings(), gate=gate)
    token = tokens.mint("gone", Role.ADMIN)
    for _ in range(2):
        with pytest.raises(UnauthenticatedError, match="deactivated"):
            tokens.verify(token)
