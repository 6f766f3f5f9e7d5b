"""Rules for keys and identifiers: primary keys, foreign keys, codes and IDs."""

from __future__ import annotations

from core.analysis.llm.heuristic.columns import ColumnFacts, Verdict, column_subject, ref_entity
from core.analysis.llm.heuristic.vocab import CODE_TAILS, ID_ADJECTIVES, OWNERS
from core.analysis.llm.heuristic.wording import article, cap, human


def primary_key(col: ColumnFacts) -> Verdict | None:
    """The primary key: the entity's own identifier, or the link it is keyed by."""
    meta = col.meta
    if not meta.primary_key:
        return None
    e = col.entity
    part = "; part of the composite primary key" if col.pk_count > 1 else ""
    if meta.foreign_key:
        verdict = foreign_key(col)
        assert verdict is not None
        main = verdict.description.removesuffix(".")
        tags = ["identifier", "primary_key", "foreign_key"]
        return Verdict(f"{main}{part or '; also the primary key'}.", tags, 0.95)
    entity_id = [*e.split(), "id"]
    if col.words in (["id"], ["uuid"], ["guid"], entity_id) or col.kind == "uuid":
        lead = "Unique identifier" if not part else "Identifier"
        text = f"{lead} of the {e} (primary key){part}."
        return Verdict(text, ["identifier", "primary_key"], 0.95)
    text = f"{cap(column_subject(col))} of the {e}, its primary key{part.replace('; ', ', ')}."
    return Verdict(text, ["identifier", "primary_key"], 0.9)


def foreign_key(col: ColumnFacts) -> Verdict | None:
    """A declared foreign key: what the referenced row is to this one."""
    meta = col.meta
    if not meta.foreign_key:
        return None
    e = col.entity
    target = meta.foreign_key
    parts = target.split(".")
    ref_table = parts[-2] if len(parts) >= 2 else parts[0]
    ref = ref_entity(target)
    ref_words = ref.split()
    words = col.words
    stem = (
        words[:-1] if len(words) > 1 and words[-1] in {"id", "fk", "key", "uuid", "ref"} else words
    )
    tags = ["identifier", "foreign_key"]
    if col.pii:
        tags.append(col.pii)
    refs = f"(references {target})"
    if stem and stem[-1] == "by":
        doer = human(stem[:-1])
        text = f"Identifier of the {ref} who {doer} this {e} {refs}."
        return Verdict(text, tags, 0.9)
    if ref_table == col.table.name and stem != ref_words:
        role = human(stem)
        noun = role if stem[-len(ref_words) :] == ref_words else f"{role} {ref}"
        return Verdict(f"Identifier of the {noun} of this {e} {refs}.", tags, 0.9)
    if not stem or stem == ref_words or stem[-len(ref_words) :] == ref_words:
        noun = human(stem) if stem else ref
        owner = ref_words[-1] in OWNERS or ref_words[-1] == e.split()[0]
        link = "belongs to" if owner and noun == ref else "refers to"
        return Verdict(f"Identifier of the {noun} this {e} {link} {refs}.", tags, 0.95)
    text = f"Identifier of the {human(stem)} of this {e}, {article(ref)} {ref} {refs}."
    return Verdict(text, tags, 0.9)


def identifier(col: ColumnFacts) -> Verdict | None:
    """Identifiers and codes without a declared key: external IDs, SKUs, slugs."""
    words, e = col.words, col.entity
    last = words[-1]
    id_tail = last in ("id", "uuid", "guid")
    code_tail = last in CODE_TAILS
    if not (id_tail or code_tail or col.kind == "uuid"):
        return None
    tags = ["identifier"]
    if words == ["sku"]:
        return Verdict(f"Stock keeping unit (SKU) of the {e}, an identifier.", tags, 0.85)
    if words == ["slug"]:
        return Verdict(f"URL slug of the {e}, an identifier.", tags, 0.85)
    if words in (["username"], ["user", "name"], ["login"], ["handle"]):
        return Verdict(f"Username (login name) of the {e}, an identifier.", tags, 0.85)
    if id_tail and len(words) > 1:
        prefix = words[:-1]
        if prefix[-1] in ID_ADJECTIVES:
            return Verdict(f"{cap(human(prefix))} identifier of the {e}.", tags, 0.8)
        text = f"Identifier of the {human(prefix)} this {e} relates to (no declared foreign key)."
        return Verdict(text, tags, 0.75)
    if id_tail or col.kind == "uuid":
        return Verdict(f"Unique identifier of the {e}.", tags, 0.75)
    return Verdict(f"{cap(human(words))} of the {e}, an identifier.", tags, 0.75)
