"""AND / OR of many terms as balanced, parenthesised trees.

SQLite parses ``a AND b AND c …`` into a chain as deep as the list is long and refuses chains
past 1,000 (``Expression tree is too large``); a WHERE clause of 2,000 terms is valid SOQL.
SQLAlchemy flattens nested ``and_``/``or_`` when it renders them, so the halves are wrapped in
an element that always keeps its parentheses: the tree is then about log2(n) deep.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

FLAT = 64  # terms rendered side by side before the list is split in two


class Parenthesised(ColumnElement):
    """A boolean expression rendered inside its own parentheses."""

    type = sa.Boolean()
    inherit_cache = True
    _traverse_internals = [("inner", InternalTraversal.dp_clauseelement)]

    def __init__(self, inner: ColumnElement) -> None:
        self.inner = inner


@compiles(Parenthesised)
def _render(element: Parenthesised, compiler, **kw) -> str:
    return f"({compiler.process(element.inner, **kw)})"


def _tree(join, terms: Sequence[ColumnElement]) -> ColumnElement:
    if len(terms) <= FLAT:
        return join(*terms)
    middle = len(terms) // 2
    return join(Parenthesised(_tree(join, terms[:middle])),
                Parenthesised(_tree(join, terms[middle:])))


def all_of(terms: Sequence[ColumnElement]) -> ColumnElement:
    """``t1 AND t2 AND …`` of any length."""
    return _tree(sa.and_, list(terms))


def any_of(terms: Sequence[ColumnElement]) -> ColumnElement:
    """``t1 OR t2 OR …`` of any length."""
    return _tree(sa.or_, list(terms))
