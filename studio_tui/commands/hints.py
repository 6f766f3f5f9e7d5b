"""The command line's own hints on the core's refusals. The core says what is wrong and how to
fix it; here a refusal about a given input also names the option or the command that supplies it
on the command line."""

from __future__ import annotations

from core.errors import AmxError, Conflict, InvalidInput, NotFound, StorageError
from core.schedules.templates.errors import MissingParameter

# The option that sets each input the core may refuse.
OPTIONS = {
    "sample_size": "--sample-size",
    "provider": "--provider",
    "model": "--model",
    "base_url": "--base-url",
    "api_key_env": "--api-key-env",
    "concurrency": "--concurrency",
    "create": "--create",
}

# (kind of refusal, the input it is about) → the command-line way out.
COMMANDS: tuple[tuple[type[AmxError], str, str], ...] = (
    (NotFound, "schedule", "list them with `amx schedule list`"),
    (NotFound, "db_profile", "list them with `amx profile db list`"),
    (NotFound, "llm_profile", "list them with `amx profile llm list`"),
    (NotFound, "proposal", "`amx review list` shows the queue"),
    (StorageError, "database_url", "--database-url sqlite:////path/to/amx.db names another"),
    (InvalidInput, "fire_at", "--fire-at takes a local time in --timezone"),
    (InvalidInput, "db_profile", "`amx profile db add NAME URL` adds one"),
    (InvalidInput, "llm_profile", "`amx profile llm add NAME --provider …` adds one"),
    (InvalidInput, "scope", "`amx catalog show PROFILE` lists what it holds"),
    (Conflict, "running", "`amx schedule cancel ID` cancels it"),
)


def explain(error: AmxError) -> str:
    """The core's sentence with the command line's hint for its input, when there is one."""
    message = error.message
    if isinstance(error, MissingParameter):
        return message.replace("give it a value", f"give --param {error.field}=…")
    option = OPTIONS.get(error.field or "")
    if isinstance(error, InvalidInput) and option is not None and option not in message:
        return f"{message.removesuffix('.')} ({option})."
    for kind, field, hint in COMMANDS:
        if isinstance(error, kind) and error.field == field:
            return f"{message.removesuffix('.')}; {hint}."
    return message
