"""SOQL text → :mod:`ast` nodes, through the lark grammar in ``grammar.lark``.

Syntax errors become ``MALFORMED_QUERY`` worded as Salesforce words them
(``unexpected token: 'FOO'``), prefixed by the query line and a caret like the real API.
"""
from __future__ import annotations

import functools
from dataclasses import replace
from datetime import date
from pathlib import Path

from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedEOF, UnexpectedToken
from lark.exceptions import VisitError

from ... import errors
from ...clock import parse_datetime
from . import ast
from .dates import check_literal

_ESCAPES = {"'": "'", '"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}


@functools.cache
def _lark() -> Lark:
    grammar = (Path(__file__).with_name("grammar.lark")).read_text()
    return Lark(grammar, parser="lalr", lexer="contextual", maybe_placeholders=False)


def load_grammar() -> None:
    """Build the parser now (0.1–0.3 s of LALR tables), not inside an org's first query: a
    served mock does this before it listens, so no client's first call pays for it."""
    _lark()


def located(text: str, pos: ast.Pos | None, message: str) -> str:
    """A message prefixed with the offending line and a caret, as the REST API reports it."""
    if pos is None or not text:
        return message
    lines = text.splitlines() or [""]
    line = lines[min(pos.line, len(lines)) - 1]
    caret = " " * (pos.column - 1) + "^"
    return f"\n{line}\n{caret}\nERROR at Row:{pos.line}:Column:{pos.column}\n{message}"


def _pos(token: Token) -> ast.Pos:
    return ast.Pos(token.line or 1, token.column or 1)


MAX_LENGTH = 100_000  # Salesforce's default limit on the length of a SOQL statement
MAX_INT = 2**31 - 1  # SOQL integers (LIMIT, OFFSET, a date literal's n) are Java ints


def parse(text: str) -> ast.Query:
    """Parse one SOQL statement (MALFORMED_QUERY when it is not valid SOQL).

    Nesting too deep for the parser is QUERY_TOO_COMPLICATED (the code Salesforce uses for
    statements it cannot expand; its exact message for deep nesting is not recorded).
    """
    if len(text) > MAX_LENGTH:
        raise errors.MALFORMED_QUERY(f"SOQL statements can not be longer than {MAX_LENGTH} "
                                     "characters")
    try:
        return _parse(text)
    except RecursionError:
        raise errors.QUERY_TOO_COMPLICATED("Query is either selecting too many fields or the "
                                           "filter conditions are too complicated.") from None


def _parse(text: str) -> ast.Query:
    try:
        tree = _lark().parse(text)
    except UnexpectedEOF:
        raise errors.MALFORMED_QUERY(located(text, _end(text), "unexpected token: <EOF>")) from None
    except UnexpectedToken as error:
        token = error.token
        if token.type == "$END":
            raise errors.MALFORMED_QUERY(located(text, _end(text),
                                                 "unexpected token: <EOF>")) from None
        raise errors.MALFORMED_QUERY(located(text, _pos(token),
                                             f"unexpected token: '{token}'")) from None
    except UnexpectedCharacters as error:
        char = text[error.pos_in_stream] if error.pos_in_stream < len(text) else ""
        raise errors.MALFORMED_QUERY(located(text, ast.Pos(error.line, error.column),
                                             f"unexpected token: '{char}'")) from None
    try:
        return _ToAst(text).transform(tree)
    except VisitError as error:
        # The transformer raises Salesforce errors (bad escapes, dates); lark wraps them.
        raise error.orig_exc from None


def _end(text: str) -> ast.Pos:
    lines = text.rstrip().splitlines() or [""]
    return ast.Pos(len(lines), len(lines[-1]) + 1)


def unescape(raw: str, text: str, pos: ast.Pos) -> ast.StringValue:
    """A quoted SOQL string's value, and its LIKE pattern with ``\\%``/``\\_`` kept literal."""
    body = raw[1:-1]
    value: list[str] = []
    pattern: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\":
            value.append(char)
            pattern.append(char)
            index += 1
            continue
        escape = body[index + 1] if index + 1 < len(body) else ""
        if escape in _ESCAPES:
            literal = _ESCAPES[escape]
            value.append(literal)
            pattern.append("\\\\" if literal == "\\" else literal)
        elif escape in ("%", "_"):
            # Only LIKE gives \% and \_ a meaning; elsewhere the backslash stays.
            value.append("\\" + escape)
            pattern.append("\\" + escape)
        elif escape == "u" and _is_hex(body[index + 2:index + 6]):
            literal = chr(int(body[index + 2:index + 6], 16))
            value.append(literal)
            pattern.append(literal)
            index += 4
        else:
            raise errors.MALFORMED_QUERY(located(
                text, pos, f"Invalid string literal '{body}'. Illegal character sequence "
                           f"'\\{escape}' in string literal."))
        index += 2
    return ast.StringValue("".join(value), "".join(pattern))


def _is_hex(chars: str) -> bool:
    return len(chars) == 4 and all(c in "0123456789abcdefABCDEF" for c in chars)


def _keywordless(children: list) -> list:
    """Children without the keyword tokens the grammar keeps for error messages."""
    return [c for c in children if not (isinstance(c, Token) and c.type in _KEYWORDS)]


_KEYWORDS = {"SELECT", "FROM", "WHERE", "HAVING", "GROUP", "ORDER", "BY", "LIMIT", "OFFSET", "AND",
             "OR", "NOT", "LIKE", "IN", "INCLUDES", "EXCLUDES", "NULLS", "FIELDS"}


class _ToAst(Transformer):
    """Builds :mod:`ast` nodes from the lark tree."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    # -- statement -----------------------------------------------------------------------------
    def _query(self, children: list) -> ast.Query:
        parts: dict = {}
        for child in children:
            parts[child[0]] = child[1:]
        select, select_pos = parts["select"]
        sobject, sobject_pos = parts["from"]
        return ast.Query(
            select=tuple(self._through_parent(item, sobject) for item in select), sobject=sobject,
            sobject_pos=sobject_pos,
            where=parts.get("where", (None,))[0], group_by=tuple(parts.get("group", ((),))[0]),
            having=parts.get("having", (None,))[0], order_by=tuple(parts.get("order", ((),))[0]),
            limit=parts.get("limit", (None,))[0], offset=parts.get("offset", (None,))[0],
            text=self.text)

    def _through_parent(self, item, parent: str):
        """``(SELECT … FROM Account.Contacts) FROM Account``: a child subquery that names its
        relationship through the parent object reads as ``FROM Contacts``."""
        if not isinstance(item, ast.SubQuery) or "." not in item.query.sobject:
            return item
        prefix, relationship = item.query.sobject.split(".", 1)
        if prefix.lower() != parent.lower() or "." in relationship:
            raise errors.MALFORMED_QUERY(located(
                self.text, item.query.sobject_pos,
                f"Didn't understand relationship '{item.query.sobject}' in FROM part of query call."))
        return replace(item, query=replace(item.query, sobject=relationship))

    def start(self, children: list) -> ast.Query:
        return self._query(children)

    def subquery(self, children: list) -> ast.SubQuery:
        query = self._query(children)
        return ast.SubQuery(query, children[0][2])

    def select_clause(self, children: list) -> tuple:
        return ("select", children[1:], _pos(children[0]))

    def from_clause(self, children: list) -> tuple:
        return ("from", ".".join(str(c) for c in children[1:]), _pos(children[1]))

    def where_clause(self, children: list) -> tuple:
        return ("where", children[1])

    def having_clause(self, children: list) -> tuple:
        return ("having", children[1])

    def group_clause(self, children: list) -> tuple:
        return ("group", _keywordless(children))

    def order_clause(self, children: list) -> tuple:
        return ("order", _keywordless(children))

    def _int(self, token: Token) -> int:
        """A SOQL integer; past a Java int the parser refuses the token."""
        value = int(token)
        if value > MAX_INT:
            raise errors.MALFORMED_QUERY(located(self.text, _pos(token),
                                                 f"unexpected token: '{token}'"))
        return value

    def limit_clause(self, children: list) -> tuple:
        return ("limit", self._int(children[1]))

    def offset_clause(self, children: list) -> tuple:
        return ("offset", int(children[1]))

    # -- select list ---------------------------------------------------------------------------
    def select_field(self, children: list) -> ast.SelectField:
        return ast.SelectField(children[0], children[1] if len(children) > 1 else None)

    select_aggregate = select_field

    def select_fields(self, children: list) -> ast.FieldsFunction:
        return ast.FieldsFunction(str(children[1]).upper(), _pos(children[0]))

    def select_subquery(self, children: list) -> ast.SubQuery:
        return children[0]

    def select_typeof(self, children: list) -> ast.TypeOf:
        whens = tuple(c[1:] for c in children if isinstance(c, tuple) and c[0] == "when")
        otherwise = next((c[1] for c in children if isinstance(c, tuple) and c[0] == "else"),
                         None)
        return ast.TypeOf(str(children[1]), whens, otherwise, _pos(children[1]))

    def typeof_when(self, children: list) -> tuple:
        return ("when", str(children[1]), _pos(children[1]), children[3])

    def typeof_else(self, children: list) -> tuple:
        return ("else", children[1])

    def typeof_fields(self, children: list) -> tuple:
        return tuple(children)

    def alias(self, children: list) -> str:
        return str(children[0])

    def aggregate(self, children: list) -> ast.Aggregate:
        return ast.Aggregate(str(children[0]).upper(), children[1] if len(children) > 1 else None,
                             _pos(children[0]))

    def field_path(self, children: list) -> ast.FieldPath:
        return ast.FieldPath(tuple(str(c) for c in children), _pos(children[0]))

    # -- conditions ----------------------------------------------------------------------------
    def and_(self, children: list) -> ast.And:
        return ast.And(tuple(_keywordless(children)))

    def or_(self, children: list) -> ast.Or:
        return ast.Or(tuple(_keywordless(children)))

    def not_(self, children: list) -> ast.Not:
        return ast.Not(children[1])

    def _comparison(self, op: str, children: list) -> ast.Comparison:
        operand, value = _keywordless(children)[0], _keywordless(children)[-1]
        return ast.Comparison(operand, op, value, operand.pos)

    def compare(self, children: list) -> ast.Comparison:
        operand, op, value = children
        return ast.Comparison(operand, "!=" if str(op) == "<>" else str(op), value, operand.pos)

    def like(self, children: list) -> ast.Comparison:
        return self._comparison("LIKE", children)

    def in_list(self, children: list) -> ast.Comparison:
        return self._comparison("IN", children)

    def not_in_list(self, children: list) -> ast.Comparison:
        return self._comparison("NOT_IN", children)

    semi_join = in_list
    anti_join = not_in_list

    def includes(self, children: list) -> ast.Comparison:
        return self._comparison("INCLUDES", children)

    def excludes(self, children: list) -> ast.Comparison:
        return self._comparison("EXCLUDES", children)

    def value_list(self, children: list) -> tuple:
        return tuple(children)

    # -- values --------------------------------------------------------------------------------
    def string(self, children: list) -> ast.StringValue:
        return unescape(str(children[0]), self.text, _pos(children[0]))

    def number(self, children: list) -> ast.NumberValue:
        text = str(children[0])
        number = float(text) if any(c in text for c in ".eE") else int(text)
        return ast.NumberValue(number, text)

    def datetime(self, children: list) -> ast.DateTimeValue:
        try:
            return ast.DateTimeValue(parse_datetime(str(children[0])))
        except ValueError:
            raise errors.MALFORMED_QUERY(located(self.text, _pos(children[0]),
                                                 f"unexpected token: '{children[0]}'")) from None

    def date(self, children: list) -> ast.DateValue:
        try:
            return ast.DateValue(date.fromisoformat(str(children[0])))
        except ValueError:
            raise errors.MALFORMED_QUERY(located(self.text, _pos(children[0]),
                                                 f"unexpected token: '{children[0]}'")) from None

    def null(self, _children: list) -> ast.NullValue:
        return ast.NullValue()

    def true(self, _children: list) -> ast.BoolValue:
        return ast.BoolValue(True)

    def false(self, _children: list) -> ast.BoolValue:
        return ast.BoolValue(False)

    def date_literal(self, children: list) -> ast.DateLiteral:
        name = str(children[0]).upper()
        n = self._int(children[1]) if len(children) > 1 else None
        if not check_literal(name, n):
            raise errors.MALFORMED_QUERY(located(self.text, _pos(children[0]),
                                                 f"unexpected token: '{children[0]}'"))
        return ast.DateLiteral(name, n)

    # -- ORDER BY ------------------------------------------------------------------------------
    def order_item(self, children: list) -> ast.OrderItem:
        descending, nulls_last = False, None
        for child in children[1:]:
            kind = child.type if isinstance(child, Token) else ""
            if kind in ("ASC", "DESC"):
                descending = kind == "DESC"
            elif kind in ("FIRST", "LAST"):
                nulls_last = kind == "LAST"
        return ast.OrderItem(children[0], descending, nulls_last)
