"""The house's pages as HTTP serves them.

Language and direction, a strict policy, versioned assets kept for a year, nothing outside the
assets, and every label in both languages.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.http import create_app
from api.pages import IMMUTABLE, PAGES, WEB, Site
from infrastructure.settings import Settings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("pages")
    settings = Settings(database_url=f"sqlite:///{folder / 'dar.sqlite'}")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def script_of(html: str) -> str:
    found = re.search(r'<script type="module" src="([^"]+)"', html)
    assert found, html
    return found.group(1)


@pytest.mark.parametrize("page", PAGES)
def test_each_page_is_served_in_its_language_and_direction_under_a_strict_policy(
    client: TestClient, page: str
) -> None:
    french = client.get(f"/pages/{page}?house=h&lang=fr")
    default = client.get(f"/pages/{page}?house=h")
    unknown = client.get(f"/pages/{page}?house=h&lang=en")

    assert french.status_code == 200
    assert '<html lang="fr" dir="ltr">' in french.text
    assert '<html lang="ar" dir="rtl">' in default.text
    assert '<html lang="ar" dir="rtl">' in unknown.text
    policy = french.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "connect-src 'self';" in policy
    assert "unsafe" not in policy
    assert "frame-ancestors 'none'" in policy
    assert french.headers["cache-control"] == "no-store"
    assert "<script>" not in french.text
    assert "style=" not in french.text


def test_assets_are_served_under_their_version_and_kept_for_a_year(client: TestClient) -> None:
    script = script_of(client.get("/pages/counter").text)
    answer = client.get(script)
    client_module = client.get(script.replace("counter.js", "lib/graphql.js"))
    stale = client.get(re.sub(r"/assets/[^/]+/", "/assets/0123456789abcdef/", script))

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.headers["cache-control"] == IMMUTABLE
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert client_module.status_code == 200
    assert stale.status_code == 200
    assert stale.headers["cache-control"] == "no-cache"  # another release's page: not kept


def test_a_changed_asset_changes_the_version(tmp_path: Path) -> None:
    copy = tmp_path / "web"
    shutil.copytree(WEB, copy)
    before = Site.read(copy).version
    (copy / "pages.css").write_text("body { color: red; }\n", encoding="utf-8")

    assert Site.read(copy).version != before
    assert Site.read(WEB).version == Site.read(WEB).version


@pytest.mark.parametrize(
    "path",
    [
        "/pages/nothing",
        "/pages/assets/v/nothing.js",
        "/pages/assets/v/../pages.py",
        "/pages/assets/v/%2e%2e/pages.py",
        "/pages/assets/v/counter.html",
        "/pages/assets/v/lib",
    ],
)
def test_nothing_outside_the_pages_and_their_assets_is_served(
    client: TestClient, path: str
) -> None:
    answer = client.get(path)

    assert answer.status_code == 404
    assert answer.json()["code"] == "NOT_FOUND"


def test_every_label_the_pages_use_is_in_both_translation_tables() -> None:
    tables = {
        language: json.loads((WEB / "i18n" / f"{language}.json").read_text(encoding="utf-8"))
        for language in ("ar", "fr")
    }
    sources = "".join(p.read_text(encoding="utf-8") for p in sorted(WEB.rglob("*.[hj]*")))
    used = set(re.findall(r'data-t="([\w.]+)"', sources))
    used |= set(re.findall(r'\bt\("([\w.]+)"', sources))
    prefixes = set(re.findall(r"\bt\(`([\w.]+)\$\{", sources))

    assert tables["ar"].keys() == tables["fr"].keys()
    assert used - tables["fr"].keys() == set()
    assert {p for p in prefixes if not any(k.startswith(p) for k in tables["fr"])} == set()
    assert len(used) > 30
    assert all(
        re.search("[\u0600-\u06ff]", tables["ar"][k]) for k in used if k.startswith("counter.")
    )
