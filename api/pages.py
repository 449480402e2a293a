"""The pages a house puts on its screens, served by Dar itself from `api/web/`.

- `/pages/counter?house=…&counter=…`, `/pages/supervisor?house=…`, `/pages/display?house=…`: small
  HTML shells whose `lang` and `dir` follow the `lang` parameter (Arabic by default, right to left);
  everything else on them is drawn by their scripts from what Dar's GraphQL API answers;
- `/pages/governance`: the governance office's statistics (no house: the whole country), its
  export buttons downloading `GET /statistics/export` (api/statistics_download.py);
- `/pages/volunteer?house=…`: a volunteer's week in the house's digital-inclusion room, on a
  phone: the sessions, enrolment, attendance and milestones (`inclusionCalendar` and the
  inclusion mutations, with the volunteer's token);
- `/pages/assets/<version>/…`: the scripts, styles and translation tables, read from the repository
  once at start-up. The version is a digest of all of them, so a browser may keep an asset for a
  year: a changed file is a new address. An asset asked for under another version (a page from a
  replica that runs an older or newer release) is served too, but not to be kept.
The pages carry no data of their own: the token stays in the browser (fragment, then session
storage) and never reaches these routes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

WEB = Path(__file__).resolve().parent / "web"
PAGES = ("counter", "supervisor", "display", "governance", "volunteer")
ASSETS_PREFIX = "/pages/assets/"
DIRECTIONS = {"ar": "rtl", "fr": "ltr"}
DEFAULT_LANGUAGE = "ar"
IMMUTABLE = "public, max-age=31536000, immutable"
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class Asset:
    """One file served under the assets' address."""

    body: bytes
    media_type: str


@dataclass(frozen=True)
class Site:
    """The pages' shells and assets as read at start-up, and the version that names them."""

    assets: dict[str, Asset]
    shells: dict[str, str]
    version: str

    @classmethod
    def read(cls, root: Path = WEB) -> Site:
        """Every asset under `root` (by its path there) and each page's shell."""
        assets = {
            path.relative_to(root).as_posix(): Asset(path.read_bytes(), MEDIA_TYPES[path.suffix])
            for path in sorted(root.rglob("*"))
            if path.suffix in MEDIA_TYPES
        }
        digest = hashlib.sha256()
        for name, asset in assets.items():
            digest.update(name.encode() + b"\0" + hashlib.sha256(asset.body).digest())
        shells = {page: (root / f"{page}.html").read_text(encoding="utf-8") for page in PAGES}
        return cls(assets=assets, shells=shells, version=digest.hexdigest()[:16])

    def page(self, name: str, language: str) -> str:
        """A page's HTML in this language (its direction with it), pointing at these assets."""
        return (
            self.shells[name]
            .replace("{{lang}}", language)
            .replace("{{dir}}", DIRECTIONS[language])
            .replace("{{assets}}", f"{ASSETS_PREFIX}{self.version}")
        )


def add_pages(app: FastAPI, site: Site | None = None) -> None:
    """The pages' routes."""
    served = site or Site.read()

    @app.get(ASSETS_PREFIX + "{version}/{name:path}", include_in_schema=False)
    async def asset(version: str, name: str) -> Response:
        found = served.assets.get(name)  # only files read at start-up: no path reaches the disk
        if found is None:
            return JSONResponse({"code": "NOT_FOUND", "message": "no such asset"}, 404)
        cache = IMMUTABLE if version == served.version else "no-cache"
        return Response(found.body, media_type=found.media_type, headers={"cache-control": cache})

    @app.get("/pages/{name}", include_in_schema=False)
    async def page(name: str, request: Request) -> Response:
        if name not in served.shells:
            return JSONResponse({"code": "NOT_FOUND", "message": "no such page"}, 404)
        language = request.query_params.get("lang", DEFAULT_LANGUAGE)
        if language not in DIRECTIONS:
            language = DEFAULT_LANGUAGE
        return HTMLResponse(served.page(name, language))
