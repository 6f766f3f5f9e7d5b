"""Secrets in URLs: which parts carry one, the refusal of literal ones, and password references
(`env:VAR` or `keyring:service/user`) resolved only to connect."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from core.errors import InvalidInput

if TYPE_CHECKING:  # a type only: the quick read paths use this module without SQLAlchemy
    from sqlalchemy.engine import URL

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Query parameters that carry a credential, by their name lowercased without '-', '_' or '.':
# these whole names, or any name holding one of the words (sslpassword, client_secret, x-api-key).
_CREDENTIAL_NAMES = {"pass", "pw", "key", "auth", "sig", "signature", "authorization"}
_CREDENTIAL_WORDS = (
    "password", "passwd", "pwd", "secret", "token", "apikey", "accesskey", "privatekey",
    "credential", "sessionkey",
)  # fmt: skip
LIBPQ_WAY = (
    "put the secret in an environment variable and write it as env:VAR "
    "(e.g. postgresql+psycopg://amx:env:PGPASSWORD@host/db or ?sslpassword=env:SSLPASS), "
    "or leave it out and let libpq read it from ~/.pgpass or a service file (?service=NAME)"
)
KEY_WAY = (
    "put the key in an environment variable and name that variable as the profile's "
    "api_key_env (e.g. OPENAI_API_KEY)"
)


def is_credential_key(name: str) -> bool:
    """Whether a URL query parameter of this name carries a credential."""
    key = re.sub(r"[-_.\s]", "", name.lower())
    return key in _CREDENTIAL_NAMES or any(word in key for word in _CREDENTIAL_WORDS)


def _values(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else value


def literal_secrets(url: URL) -> list[str]:
    """The parts of a SQLAlchemy URL that hold a secret itself rather than a reference."""
    found = []
    if url.password is not None and not is_reference(str(url.password)):
        found.append("a password")
    for key, value in url.query.items():
        if is_credential_key(key) and not all(is_reference(v) for v in _values(value)):
            found.append(f"a {key!r} query parameter")
    return found


# A SQLAlchemy URL's user-info with a password: `name://user:password@` (SQLAlchemy's own
# reading allows any character but '@' in the password).
_WITH_PASSWORD = re.compile(r"^[\w+]+://[^:/]*:[^@]*@")


def may_hold_literal_secret(url: str) -> bool:
    """A quick screen of a SQLAlchemy URL's text, without SQLAlchemy: False only when
    `literal_secrets` surely finds nothing in it (no password at all, and no credential query
    parameter, even as a reference); True asks for the full reading."""
    if _WITH_PASSWORD.match(url):
        return True
    query = url.partition("?")[2]
    return any(is_credential_key(k) for k, _ in parse_qsl(query, keep_blank_values=True))


def http_secrets(url: str) -> list[str]:
    """The parts of an http(s) URL that carry a credential: user-info and credential parameters."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found = []
    if "@" in parts.netloc:
        found.append("user-info before '@'")
    for key, _ in parse_qsl(parts.query, keep_blank_values=True):
        if is_credential_key(key):
            found.append(f"a {key!r} query parameter")
    return found


def refuse_literal_secrets(url: URL, field: str, what: str, *, stored: bool = True) -> None:
    """Raise InvalidInput naming the first secret-bearing part of `url`, never its value."""
    found = literal_secrets(url)
    if found:
        kept = "never stored" if stored else "never accepted"
        raise InvalidInput(field, f"{what} holds {found[0]}, which is {kept}; {LIBPQ_WAY}.")


def is_reference(password: str) -> bool:
    """Whether a URL's password is a reference rather than the secret itself."""
    kind, _, rest = password.partition(":")
    if kind == "env":
        return bool(ENV_NAME.match(rest))
    return kind == "keyring" and bool(rest)


def resolve_secret(url: URL, field: str) -> URL:
    """`url` with referenced secrets (the password, credential query parameters) replaced by the
    secrets themselves; other URLs unchanged."""
    ref = url.password
    if ref is not None and is_reference(str(ref)):
        url = url.set(password=_lookup(str(ref), url, field))
    query = dict(url.query)
    for key, value in url.query.items():
        if is_credential_key(key):
            resolved = [_lookup(v, url, field) if is_reference(v) else v for v in _values(value)]
            query[key] = resolved[0] if isinstance(value, str) else tuple(resolved)
    return url.set(query=query) if query != dict(url.query) else url


def _lookup(ref: str, url: URL, field: str) -> str:
    kind, _, rest = ref.partition(":")
    if kind == "env":
        secret = os.environ.get(rest)
        if secret is None:
            raise InvalidInput(
                field, f"environment variable {rest} holds the password but is not set; export it."
            )
        return secret
    service, _, user = rest.partition("/")
    try:
        import keyring  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise InvalidInput(
            field,
            "the URL reads its password from keyring, which is not installed; "
            "pip install keyring or use env:VAR.",
        ) from None
    secret = keyring.get_password(service, user or (url.username or ""))
    if secret is None:
        raise InvalidInput(field, f"keyring has no password for {rest}; store it with keyring set.")
    return str(secret)
