"""The GraphQL contract: the committed SDL, breaking changes, the catalogue of error codes."""

from __future__ import annotations

from graphql import BreakingChange, build_schema, find_breaking_changes

from api.graphql.catalogue import (
    DECLARED_BREAKING_FILE,
    ERRORS_FILE,
    RELEASED_SCHEMA_FILE,
    SCHEMA_FILE,
    error_catalogue,
    live_sdl,
)


def breaking(old_sdl: str, new_sdl: str) -> list[BreakingChange]:
    return find_breaking_changes(build_schema(old_sdl), build_schema(new_sdl))


def declared() -> set[str]:
    lines = DECLARED_BREAKING_FILE.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_the_committed_schema_is_the_live_schema() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == live_sdl(), (
        "the schema changed: review it, then run `dar schema --write`"
    )


def test_no_undeclared_breaking_change_since_the_released_schema() -> None:
    changes = breaking(RELEASED_SCHEMA_FILE.read_text(encoding="utf-8"), live_sdl())
    undeclared = [c.description for c in changes if c.description not in declared()]
    assert not undeclared, (
        f"breaking changes not declared in {DECLARED_BREAKING_FILE.name}: {undeclared}"
    )


def test_the_breaking_change_check_sees_a_removed_field_and_a_changed_type() -> None:
    released = RELEASED_SCHEMA_FILE.read_text(encoding="utf-8")
    removed = released.replace("  nameFr: String!\n", "", 1)
    retyped = released.replace("  code: String!\n", "  code: Int!\n", 1)
    assert {c.description for c in breaking(released, removed)} == {
        "Field Partner.nameFr was removed."
    }
    assert any("Partner.code changed type" in c.description for c in breaking(released, retyped))


def test_the_error_catalogue_is_up_to_date() -> None:
    assert ERRORS_FILE.read_text(encoding="utf-8") == error_catalogue(), (
        "error codes changed: run `dar errors --write`"
    )
