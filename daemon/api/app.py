"""The HTTP API's application: its routers, error handling and the core it serves."""

from __future__ import annotations

from fastapi import FastAPI

from core.api import Core
from daemon.api import problems
from daemon.api.routes import health, scenarios, templates


def create_app(core: Core) -> FastAPI:
    """The API over `core` (which the caller opens and closes); OpenAPI at /openapi.json, its
    pages at /docs."""
    app = FastAPI(
        title="AMX Studio Schedules",
        summary="Scenarios, their runs, templates and their enable matrix, and the scheduler's "
        "health, as the `amx` commands see them.",
        version="1",
    )
    app.state.core = core
    problems.install(app)
    app.include_router(scenarios.router)
    app.include_router(templates.router)
    app.include_router(health.router)
    return app
