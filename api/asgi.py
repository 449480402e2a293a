"""The ASGI entry point for uvicorn: `uvicorn api.asgi:app` (settings from the environment)."""

from __future__ import annotations

from api.http import create_app
from infrastructure.settings import Settings

app = create_app(Settings())
