"""What the analysis job reads from a database and what an LLM profile writes back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


@dataclass(frozen=True)
class ColumnMeta:
    """One column as introspected, with optional sample values."""

    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    primary_key: bool = False
    foreign_key: str | None = None  # "schema.table.column" it references
    comment: str | None = None
    samples: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableMeta:
    """One table or view with its columns."""

    schema: str
    name: str
    kind: Literal["table", "view"] = "table"
    comment: str | None = None
    columns: tuple[ColumnMeta, ...] = field(default_factory=tuple)
    database: str | None = None

    @property
    def path(self) -> str:
        """`schema.table`."""
        return f"{self.schema}.{self.name}"


class ColumnAnnotation(BaseModel):
    """What a profile says about one column."""

    model_config = ConfigDict(extra="ignore")
    name: str
    description: str = Field(min_length=1, max_length=2000)
    tags: list[str] = Field(default_factory=list)
    confidence: float = Field(ge=0.0, le=1.0)


class TableAnnotation(BaseModel):
    """What a profile says about one table and its columns."""

    model_config = ConfigDict(extra="ignore")
    description: str = Field(min_length=1, max_length=4000)
    tags: list[str] = Field(default_factory=list)
    confidence: float = Field(ge=0.0, le=1.0)
    columns: list[ColumnAnnotation] = Field(default_factory=list)


@dataclass(frozen=True)
class AnnotationResult:
    """An annotation plus what it cost."""

    annotation: TableAnnotation
    tokens: int = 0
    evidence: str = ""
