"""Password references in URLs: `env:VAR` or `keyring:service/user`, resolved only to connect."""

from __future__ import annotations

import os
import re

from sqlalchemy.engine import URL

from core.errors import InvalidInput

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def is_reference(password: str) -> bool:
    """Whether a URL's password is a reference rather than the secret itself."""
    kind, _, rest = password.partition(":")
    if kind == "env":
        return bool(ENV_NAME.match(rest))
    return kind == "keyring" and bool(rest)


def resolve_secret(url: URL, field: str) -> URL:
    """`url` with a referenced password replaced by the secret; other URLs unchanged."""
    ref = url.password
    if ref is None or not is_reference(str(ref)):
        return url
    kind, _, rest = str(ref).partition(":")
    if kind == "env":
        secret = os.environ.get(rest)
        if secret is None:
            raise InvalidInput(
                field, f"environment variable {rest} holds the password but is not set; export it."
            )
        return url.set(password=secret)
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
    return url.set(password=secret)
