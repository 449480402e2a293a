"""Runs the delivery process on a thread where the projections run (`dar project`, `dar run`).

Once per deployment, like the settling sweep: the process reads the deliveries read model, so it
runs beside the runner that keeps it, and is woken as soon as that read model changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from api.bootstrap import Dar
from infrastructure.settings import Settings


def start_delivering(dar: Dar, settings: Settings) -> Callable[[], None]:
    """Deliver on a thread until the returned function is called (a round in progress ends)."""
    stop, wake = threading.Event(), threading.Event()
    dar.read_changes.listen(dar.read.deliveries_key, lambda _: wake.set())
    thread = threading.Thread(
        target=dar.delivery.follow,
        args=(stop, wake, settings.partner_delivery_poll_seconds),
        name="dar-partner-delivery",
        daemon=True,
    )
    thread.start()

    def halt() -> None:
        stop.set()
        wake.set()
        thread.join()

    return halt
