"""API tokens: created with a random secret shown once, stored only as its SHA-256, listed,
revoked, and checked on every request of the HTTP API."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.clock import Clock
from core.errors import InvalidInput, NameTaken, NotFound
from core.storage.engine import Database
from core.storage.tables import ApiToken
from core.text import name_problem

PREFIX = "amx_"
NAME_MAX = 120


class TokenInfo(BaseModel):
    """A token as lists show it; never its secret."""

    model_config = ConfigDict(frozen=True)
    id: int
    name: str
    read_only: bool
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiToken) -> TokenInfo:
        """The view of a stored token."""
        return cls(
            id=row.id,
            name=row.name,
            read_only=row.read_only,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
        )


class NewToken(BaseModel):
    """A token just created, with its secret: the only time the secret is known."""

    model_config = ConfigDict(frozen=True)
    token: TokenInfo
    secret: str


def token_hash(secret: str) -> str:
    """The SHA-256 of a secret, as stored."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _checked_name(name: str) -> str:
    problem = name_problem(name, "name")
    if problem:
        raise InvalidInput("name", problem)
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("name", "name is empty; give the token a name that says who uses it.")
    if len(name) > NAME_MAX:
        raise InvalidInput("name", f"name is longer than {NAME_MAX} characters; shorten it.")
    return name


class TokenService:
    """Create, list, revoke and check API tokens."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def create(self, name: str, *, read_only: bool = False) -> NewToken:
        """A new token named `name` (unique among live tokens) with a random 32-byte secret."""
        name = _checked_name(name)
        secret = PREFIX + secrets.token_urlsafe(32)
        taken = f"a live token named {name!r} exists already; revoke it or choose another name."
        with self.db.write() as session:
            live = select(ApiToken.id).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
            if session.scalar(live) is not None:
                raise NameTaken(taken)
            row = ApiToken(
                name=name,
                token_hash=token_hash(secret),
                read_only=read_only,
                created_at=self.clock.now(),
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                raise NameTaken(taken) from None
            return NewToken(token=TokenInfo.of(row), secret=secret)

    def list(self, *, revoked: bool = False) -> list[TokenInfo]:
        """The live tokens by name (and the revoked ones too with `revoked`)."""
        query = select(ApiToken).order_by(ApiToken.name, ApiToken.id)
        if not revoked:
            query = query.where(ApiToken.revoked_at.is_(None))
        with self.db.read() as session:
            return [TokenInfo.of(row) for row in session.scalars(query)]

    def revoke(self, name: str) -> TokenInfo:
        """Revoke the live token named `name`: requests bearing it are refused from now on."""
        with self.db.write() as session:
            row = session.scalar(
                select(ApiToken).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
            )
            if row is None:
                raise NotFound(f"no live token named {name!r}.", field="token")
            row.revoked_at = self.clock.now()
            session.flush()
            return TokenInfo.of(row)

    def verify(self, secret: str) -> TokenInfo | None:
        """The live token whose secret this is, else None."""
        if not secret.startswith(PREFIX) or len(secret) > 200:
            return None
        digest = token_hash(secret)
        with self.db.read() as session:
            row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
            if row is None or row.revoked_at is not None:
                return None
            # Compared again in constant time, so timing tells nothing of near misses.
            if not secrets.compare_digest(row.token_hash, digest):
                return None
            return TokenInfo.of(row)
