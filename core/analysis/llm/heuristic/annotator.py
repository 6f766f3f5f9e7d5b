"""The offline profile: describes and tags tables from names, types, keys and samples."""

from __future__ import annotations

from statistics import fmean

from core.analysis.llm.heuristic.columns import ColumnFacts, column_kind
from core.analysis.llm.heuristic.describe import describe_column, table_description
from core.analysis.llm.protocol import TAG_VOCABULARY
from core.analysis.pii import classify_pii, name_words, table_entity
from core.catalog.metadata import AnnotationResult, TableAnnotation, TableMeta
from core.text import counted


class HeuristicAnnotator:
    """The offline, deterministic profile: no network, no tokens, same input → same output."""

    def __init__(self, name: str = "heuristic", concurrency: int = 2) -> None:
        self.name = name
        self.concurrency = concurrency

    def annotate(self, table: TableMeta) -> AnnotationResult:
        """Describe and tag `table` and its columns from their metadata alone."""
        entity = table_entity(table)
        names = {c.name for c in table.columns}
        pk_count = sum(1 for c in table.columns if c.primary_key)
        columns = []
        for meta in table.columns:
            words = name_words(meta.name) or [meta.name.lower() or "column"]
            col = ColumnFacts(
                meta=meta,
                table=table,
                entity=entity,
                words=words,
                kind=column_kind(meta.type),
                values=[s.strip() for s in meta.samples if s.strip().lower() not in ("", "null")],
                pii=classify_pii(meta, table),
                pk_count=pk_count,
                siblings=names - {meta.name},
            )
            columns.append(describe_column(col))
        present = {t for c in columns for t in c.tags}
        tags = [
            t for t in TAG_VOCABULARY if t in present and (t.startswith("pii:") or t == "secret")
        ]
        confidence = round(min(0.9, fmean(c.confidence for c in columns)), 2) if columns else 0.3
        annotation = TableAnnotation(
            description=table_description(table, entity, columns),
            tags=tags,
            confidence=confidence,
            columns=columns,
        )
        samples = sum(len(c.samples) for c in table.columns)
        evidence = (
            f"heuristic from names, types and constraints of {counted(len(columns), 'column')}"
        )
        if samples:
            evidence += f" and {counted(samples, 'sample value')}"
        return AnnotationResult(annotation=annotation, tokens=0, evidence=evidence)
