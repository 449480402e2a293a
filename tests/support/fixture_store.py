"""Loading an event fixture into a store before a server opens it: `dar fixtures load FILE`."""

from __future__ import annotations

import re
from pathlib import Path

from infrastructure.settings import Settings
from tests.support.audit import run_dar


def load_fixture_file(settings: Settings, path: Path) -> int:
    """Load the fixture into the store of `settings` with `dar fixtures load`; the last position."""
    code, output = run_dar(settings, "fixtures", "load", str(path))
    assert code == 0, output
    found = re.search(r"position (\d+)", output)
    assert found is not None, output
    return int(found.group(1))
