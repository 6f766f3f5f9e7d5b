"""Descriptions and tags of a column (from the rules) and of a whole table."""

from __future__ import annotations

from core.analysis.llm.heuristic.columns import ColumnFacts, ref_entity
from core.analysis.llm.heuristic.rules import RULES, fallback
from core.analysis.llm.heuristic.wording import article, human, join_words, plural, sentence
from core.analysis.pii import name_words
from core.catalog.metadata import ColumnAnnotation, TableMeta

KIND_TAGS = {
    "timestamp": "timestamp",
    "date": "date",
    "boolean": "boolean",
    "json": "json",
    "uuid": "identifier",
    "money": "money",
    "geo": "geo",
    "inet": "pii:ip",
}


def describe_column(col: ColumnFacts) -> ColumnAnnotation:
    """The column's description and tags: the first rule's verdict, plus what its type implies."""
    verdict = next((v for rule in RULES if (v := rule(col)) is not None), None) or fallback(col)
    tags = list(verdict.tags)
    extra = KIND_TAGS.get(col.kind)
    if extra and extra not in tags and not (extra == "timestamp" and "date" in tags):
        tags.append(extra)
    if col.pii and col.pii not in tags:
        tags.append(col.pii)
    description, confidence = verdict.description, verdict.confidence
    if col.meta.comment and confidence < 0.7:
        # The schema author's own words beat a weak guess.
        description, confidence = sentence(col.meta.comment), 0.7
    return ColumnAnnotation(
        name=col.meta.name,
        description=description[:2000],
        tags=list(dict.fromkeys(tags)),
        confidence=confidence,
    )


def fk_noun(words: list[str], ref: str, self_ref: bool) -> str:
    """What a foreign key points at, in words: "shipping_address_id" → "shipping address"."""
    keyish = {"id", "fk", "key", "uuid", "ref"}
    stem = words[:-1] if len(words) > 1 and words[-1] in keyish else words
    ref_words = ref.split()
    if stem and stem[-len(ref_words) :] == ref_words:
        return human(stem)
    return f"{human(stem)} {ref}" if self_ref and stem else ref


def table_description(table: TableMeta, entity: str, columns: list[ColumnAnnotation]) -> str:
    """What a row of the table is, its key, links, personal data, secrets and notable columns."""
    sentences: list[str] = []
    if table.comment:
        sentences.append(sentence(table.comment))
    keys = [c.name for c in table.columns if c.primary_key]
    fks = [c for c in table.columns if c.foreign_key]
    link_table = (
        len(keys) >= 2
        and len(fks) >= 2
        and all(c.foreign_key for c in table.columns if c.primary_key)
    )
    if table.kind == "view":
        sentences.append(f"A view with one row per {entity}.")
    elif link_table:
        one, two = (ref_entity(c.foreign_key or "") for c in fks[:2])
        sentences.append(
            f"Links {plural(one)} to {plural(two)}: each row pairs one {one} with one {two}, "
            f"identified by ({', '.join(keys)})."
        )
    elif len(keys) == 1:
        sentences.append(f"Each row is one {entity}, identified by {keys[0]}.")
    elif keys:
        sentences.append(f"Each row is one {entity}, identified by ({', '.join(keys)}).")
    else:
        sentences.append(f"Each row is one {entity}; no primary key is declared.")
    if fks and not link_table:
        links = []
        for c in fks:
            target = c.foreign_key or ""
            self_ref = target.split(".")[-2:-1] == [table.name]
            noun = fk_noun(name_words(c.name), ref_entity(target), self_ref)
            links.append(f"{article(noun)} {noun} ({c.name} → {target})")
        sentences.append(f"Links each {entity} to {join_words(links)}.")
    personal = [c.name for c in columns if any(t.startswith("pii:") for t in c.tags)]
    if personal:
        sentences.append(f"Holds personal data (PII) in {join_words(personal)}.")
    else:
        sentences.append("No personal data was recognised.")
    secrets = [c.name for c in columns if "secret" in c.tags]
    if secrets:
        sentences.append(f"Stores secrets in {join_words(secrets)}.")
    facts = []
    money = [c.name for c in columns if "money" in c.tags]
    if money:
        facts.append(f"monetary amounts ({', '.join(money)})")
    status = [c.name for c in columns if "status" in c.tags]
    if status:
        facts.append(f"a status ({', '.join(status)})")
    times = [c.name for c in columns if "timestamp" in c.tags]
    if times:
        facts.append(f"timestamps ({', '.join(times)})")
    if facts:
        sentences.append(f"Records {join_words(facts)}.")
    return " ".join(sentences)[:4000]
