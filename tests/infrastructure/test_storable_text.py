"""Read models hold any text the event log holds, and both stores hold the same text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.bootstrap import Dar
from infrastructure.readmodels.text import REPLACEMENT, storable

UNSTORABLE = {"\x00", *(chr(c) for c in range(0xD800, 0xE000))}
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()))
STORABLE_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"))
AWKWARD = [
    "attestation\x00affiliation",
    "Ali\x00Ben",
    "\x00",
    "lone \ud800 high and \udfff low",
    "\ud83d\ude00 a pair as two code points",
    "علي بن صالح — Ali Ben Salah",
    "tab\tnew\nline\r\x01\x1f\x7f\x85",
    "",
]


@given(ANY_TEXT)
def test_storable_text_encodes_and_holds_no_nul(text: str) -> None:
    kept = storable(text)
    kept.encode("utf-8")  # never raises: no lone surrogate is left
    assert "\x00" not in kept
    assert len(kept) == len(text)  # one replacement character for each unstorable one


@given(ANY_TEXT)
def test_storable_text_replaces_only_what_a_store_cannot_hold(text: str) -> None:
    kept = storable(text)
    for before, after in zip(text, kept, strict=True):
        assert after == (REPLACEMENT if before in UNSTORABLE else before)


@given(STORABLE_TEXT)
def test_text_a_store_can_hold_is_kept_as_it_is(text: str) -> None:
    assert storable(text) == text


@pytest.mark.parametrize("text", AWKWARD)
def test_both_stores_hold_the_same_text(dar: Dar, text: str) -> None:
    db = dar.read.db
    table = db.table("awkward_text")
    with db.write() as cur:
        cur.execute(db.ddl("CREATE TABLE IF NOT EXISTS {schema}awkward_text (t {text} NOT NULL)"))
        cur.execute(f"DELETE FROM {table}")
        cur.execute(f"INSERT INTO {table} (t) VALUES (?)", (text,))
    with db.read() as cur:
        cur.execute(f"SELECT t FROM {table} WHERE t = ?", (text,))  # looked up as written
        assert cur.fetchall() == [(storable(text),)]
