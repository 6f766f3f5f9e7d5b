"""`/api/pipeline/scheduler/health`: whether a daemon heartbeated lately; needs no token, so a
monitor can probe it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from daemon.api.deps import CoreDep
from daemon.api.models import HealthOut
from daemon.health import health

router = APIRouter(prefix="/api/pipeline/scheduler", tags=["health"])


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "no daemon heartbeated within 90 s"}},
)
def scheduler_health(core: CoreDep) -> JSONResponse:
    """200 when a daemon heartbeated within 90 s, else 503; read from the heartbeats in the
    database, so a dead daemon is reported as one."""
    found = HealthOut.of(health(core))
    return JSONResponse(found.model_dump(mode="json"), status_code=200 if found.alive else 503)
