"""The command line's own hints on the core's refusals: the core says what is wrong and how to fix
it; here each refusal about a given input also names the option or command that supplies it."""

from __future__ import annotations

from core.errors import AmxError, Conflict, InvalidInput, NotFound, StorageError

# (kind of refusal, the input it is about) → how to give that input on the command line.
HINTS: tuple[tuple[type[AmxError], str, str], ...] = (
    (NotFound, "schedule", "list them with `amx schedule list`"),
    (StorageError, "database_url", "--database-url sqlite:////path/to/amx.db names another"),
    (InvalidInput, "fire_at", "--fire-at takes a local time in --timezone"),
    (InvalidInput, "db_profile", "`amx profile db add NAME URL` adds one"),
    (InvalidInput, "llm_profile", "`amx profile llm add NAME --provider …` adds one"),
    (InvalidInput, "scope", "`amx catalog show PROFILE` lists what it holds"),
    (Conflict, "running", "`amx schedule cancel ID` cancels it"),
)


def explain(error: AmxError) -> str:
    """The core's sentence, with the command line's hint for its input when there is one."""
    for kind, field, hint in HINTS:
        if isinstance(error, kind) and error.field == field:
            return f"{error.message.rstrip('.')}; {hint}."
    return error.message
