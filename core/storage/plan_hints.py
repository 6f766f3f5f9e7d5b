"""Ways to write a statement that steer the planner without changing what it means: a column no
index serves, and a join whose left side is read first."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import Join


class Unindexed(FunctionElement[Any]):
    """`column` as a term no index serves, so that the planner reads the rows another index
    yields (in its order) and tests each: SQLite's unary plus, which costs nothing per row;
    elsewhere a text column joined to an empty string."""

    inherit_cache = True

    def __init__(self, column: ColumnElement[Any] | QueryableAttribute[Any]) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(Unindexed)
def _joined_to_nothing(element: Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} || '')"


@compiles(Unindexed, "sqlite")
def _unary_plus(element: Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


class LeftFirst(Join):
    """An inner join whose left side is read first, each of its rows then looked up on the
    right: SQLite's CROSS JOIN. SQLite may otherwise set a subquery on the left aside in a
    table of its own before the join; read first, its rows are made as the join asks for them.
    Elsewhere a plain JOIN."""

    inherit_cache = True


@compiles(LeftFirst, "sqlite")
def _cross_join(join: LeftFirst, compiler: SQLCompiler, **kw: Any) -> str:
    kw.pop("asfrom", None)
    linter = kw.get("from_linter")
    if linter:
        linter.edges.update(itertools.product(join.left._from_objects, join.right._from_objects))
    left = join.left._compiler_dispatch(compiler, asfrom=True, **kw)
    right = join.right._compiler_dispatch(compiler, asfrom=True, **kw)
    if join.onclause is None:  # nothing to join on: as SQLite reads a plain CROSS JOIN
        return f"{left} CROSS JOIN {right}"
    on = join.onclause._compiler_dispatch(compiler, **kw)
    return f"{left} CROSS JOIN {right} ON {on}"
