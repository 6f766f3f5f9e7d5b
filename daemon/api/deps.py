"""What endpoints depend on: the core, and the bearer token that lets a client read or write."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from core.access.tokens import TokenInfo
from core.api import Core
from daemon.api.problems import ApiProblem

_bearer = HTTPBearer(auto_error=False, description="a token from `amx api token create NAME`")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def get_core(request: Request) -> Core:
    """The core the app was made with."""
    core: Core = request.app.state.core
    return core


CoreDep = Annotated[Core, Depends(get_core)]


def reader(
    core: CoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> TokenInfo:
    """The live token the request bears; 401 without one."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiProblem(
            401,
            "this endpoint needs a bearer token; create one with `amx api token create NAME` "
            "and send it as `Authorization: Bearer TOKEN`.",
            field="authorization",
            headers=_CHALLENGE,
        )
    token = core.tokens.verify(credentials.credentials)
    if token is None:
        raise ApiProblem(
            401,
            "the bearer token is not a live token (unknown or revoked); create a new one with "
            "`amx api token create NAME`.",
            field="authorization",
            headers=_CHALLENGE,
        )
    return token


def writer(token: Annotated[TokenInfo, Depends(reader)]) -> TokenInfo:
    """A live token that may write; 403 for a read-only one."""
    if token.read_only:
        raise ApiProblem(
            403,
            f"the token {token.name!r} is read-only; use a token created without --read-only "
            "to change scenarios.",
            field="authorization",
        )
    return token


Reader = Annotated[TokenInfo, Depends(reader)]
Writer = Annotated[TokenInfo, Depends(writer)]
