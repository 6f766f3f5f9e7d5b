"""Rules for personal data (PII) and secret credentials."""

from __future__ import annotations

from core.analysis.llm.heuristic.columns import ColumnFacts, Verdict, column_subject
from core.analysis.llm.heuristic.vocab import HASH_WORDS, PII_CORE, PII_PHRASES
from core.analysis.llm.heuristic.wording import cap, human
from core.analysis.pii import is_secret


def personal_data(col: ColumnFacts) -> Verdict | None:
    """Personal data (PII) that `classify_pii` recognised."""
    tag = col.pii
    if tag is None:
        return None
    e = col.entity
    words = col.words
    note = "personal data (PII)"
    if tag in PII_PHRASES:
        qualifier = [w for w in words if w not in PII_CORE[tag] and not w.isdigit()]
        if tag == "pii:ip":
            extra = f" ({human(qualifier)})" if qualifier else ""
            return Verdict(f"IP address of the {e}{extra}; {note}.", [tag], 0.9)
        phrase = human([*qualifier, PII_PHRASES[tag]])
        return Verdict(f"{cap(phrase)} of the {e}; {note}.", [tag], 0.9)
    if tag == "pii:card":
        if any(w in ("last4", "last", "4", "tail") for w in words):
            text = f"Last four digits of the payment card used for the {e}; {note}."
            return Verdict(text, [tag], 0.9)
        text = f"Payment card number (PAN) of the {e}; {note}, sensitive under PCI DSS."
        return Verdict(text, [tag], 0.9)
    if tag == "pii:birthdate":
        return Verdict(f"Date of birth of the {e}; {note}.", [tag, "date"], 0.9)
    if tag == "pii:national_id":
        text = f"{cap(human(words))} of the {e}, a national identification number; {note}."
        return Verdict(text, [tag, "identifier"], 0.85)
    if tag == "pii:address":
        subject = "street address" if words == ["street"] else human(words)
        text = f"{cap(subject)} of the {e}, part of a postal address; {note}."
        return Verdict(text, [tag], 0.85)
    return Verdict(f"{cap(column_subject(col))} of the {e}; {note}.", [tag], 0.85)


def secret(col: ColumnFacts) -> Verdict | None:
    """Secret credentials: passwords, their hashes and salts, tokens and keys."""
    if not is_secret(col.meta):
        return None
    e = col.entity
    words = set(col.words)
    hashed = bool(words & HASH_WORDS) or any(
        v.startswith(("$2", "$argon", "pbkdf2")) for v in col.values
    )
    tags = ["secret", "hash"] if hashed else ["secret"]
    never = "a secret credential, never to be shown or logged"
    if words & {"password", "passwd", "pwd", "passphrase"}:
        lead = "Hashed password" if hashed else "Password"
        return Verdict(f"{lead} of the {e}; {never}.", tags, 0.9)
    if "salt" in words:
        return Verdict(f"Salt for the {e}'s password hash; {never}.", tags, 0.85)
    return Verdict(f"{cap(column_subject(col))} of the {e}; {never}.", tags, 0.85)
