"""Secrets that an earlier version let profiles store, found so that start-up can name them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core.secrets import KEY_WAY, LIBPQ_WAY, http_secrets, literal_secrets
from core.storage.engine import Database
from core.storage.tables import DbProfile, LlmProfile


@dataclass(frozen=True)
class StoredSecret:
    """A stored profile whose URL holds a secret itself (new ones are refused)."""

    kind: Literal["db", "llm"]
    profile: str
    part: str  # e.g. "a 'sslpassword' query parameter"

    @property
    def message(self) -> str:
        """One sentence naming the profile and the fix."""
        if self.kind == "db":
            return (
                f"DB profile {self.profile!r} stores {self.part} in its URL, kept from an earlier "
                f"version; give it a URL without it: {LIBPQ_WAY}."
            )
        return (
            f"LLM profile {self.profile!r} stores {self.part} in its base URL, kept from an "
            f"earlier version; give it a base URL without it and {KEY_WAY}."
        )


def stored_secrets(db: Database) -> list[StoredSecret]:
    """Every stored profile that holds a secret in its URL, DB profiles first, by name."""
    with db.read() as session:
        db_rows = session.execute(select(DbProfile.name, DbProfile.url)).all()
        llm_rows = session.execute(select(LlmProfile.name, LlmProfile.base_url)).all()
    found: list[StoredSecret] = []
    for name, url in sorted(db_rows):
        try:
            parts = literal_secrets(make_url(url))
        except ArgumentError:
            continue
        if parts:
            found.append(StoredSecret("db", name, parts[0]))
    for name, base_url in sorted(llm_rows):
        parts = http_secrets(base_url) if base_url else []
        if parts:
            found.append(StoredSecret("llm", name, parts[0]))
    return found
