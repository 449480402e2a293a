"""A house's subscribers share one read per version (api/graphql/house_reads.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import date
from uuid import uuid4

from api.graphql.house_reads import HouseReads

DAY = date(2026, 11, 2)


def test_subscribers_asking_at_one_version_share_one_read_and_a_newer_version_reads_again() -> None:
    reads: list[int] = []

    async def scenario() -> list[str]:
        shared: HouseReads[str] = HouseReads()
        house = uuid4()

        def reader(value: str) -> Callable[[], Awaitable[str]]:
            async def read() -> str:
                reads.append(1)
                await asyncio.sleep(0.01)
                return value

            return read

        first = await asyncio.gather(
            *(shared.read(house, 7, DAY, reader("at 7")) for _ in range(5))
        )
        older = await shared.read(house, 6, DAY, reader("at 6"))
        newer = await shared.read(house, 8, DAY, reader("at 8"))
        return [*first, older, newer]

    answers = asyncio.run(scenario())
    assert answers == ["at 7"] * 6 + ["at 8"]
    assert len(reads) == 2


def test_a_failed_read_is_not_shared_with_the_next_subscriber() -> None:
    async def scenario() -> str:
        shared: HouseReads[str] = HouseReads()
        house = uuid4()

        async def broken() -> str:
            raise ConnectionError("the read model is unreachable")

        async def fine() -> str:
            return "read again"

        with contextlib.suppress(ConnectionError):
            await shared.read(house, 3, DAY, broken)
        return await shared.read(house, 3, DAY, fine)

    assert asyncio.run(scenario()) == "read again"
