"""Read models are derived from the log: their commits do not wait for the disk, the log's do."""

from __future__ import annotations

from api.bootstrap import Dar


def test_read_model_commits_do_not_wait_for_the_disk(dar: Dar) -> None:
    with dar.read.db.write() as cur:
        if dar.read.db.kind == "sqlite":
            cur.execute("PRAGMA synchronous")
            expected: object = 1  # NORMAL: WAL synced at checkpoints, not at every commit
        else:
            cur.execute("SHOW synchronous_commit")
            expected = "off"
        row = cur.fetchone()
    assert row is not None
    assert row[0] == expected
