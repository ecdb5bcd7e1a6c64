"""Bulk API 2.0 query results as CSV: the SELECT's columns flattened, every value quoted.

Salesforce writes a header row of the selected field names (parent paths dotted:
``Account.Name``), then one line per record with every value in double quotes (``"`` doubled
inside), an empty value for null, ``true``/``false`` for booleans and datetimes as
``2024-01-02T03:04:05.000Z`` (not the ``+0000`` of the REST API). The column delimiter and line
ending are the job's. Not emulated: numbers are written as the REST API writes them (Salesforce's
Bulk CSV can print large doubles in scientific notation).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .. import errors
from .soql.results import ChildSlot, Compound, Node, Shaper, TypeSwitch, format_millis

DELIMITERS = {"BACKQUOTE": "`", "CARET": "^", "COMMA": ",", "PIPE": "|", "SEMICOLON": ";",
              "TAB": "\t"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}

Writer = Callable[[object], str]


def job_text(body: dict, key: str, default: str | None = None) -> str | None:
    """A text property of a job definition. Salesforce's JSON reader turns a number or boolean
    into its text (``5`` → ``"5"``); an array or object there is INVALIDJOB."""
    value = body.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, (dict, list)):
        raise errors.INVALIDJOB(f"Invalid {key}: expected a string")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check_format(content_type: str, column_delimiter: str, line_ending: str) -> None:
    """A Bulk API 2.0 job's data format: CSV with a known delimiter and line ending (INVALIDJOB)."""
    if content_type != "CSV":
        raise errors.INVALIDJOB(f"Invalid contentType: {content_type}")
    if column_delimiter not in DELIMITERS:
        raise errors.INVALIDJOB(f"Invalid columnDelimiter: {column_delimiter}")
    if line_ending not in LINE_ENDINGS:
        raise errors.INVALIDJOB(f"Invalid lineEnding: {line_ending}")


@dataclass(frozen=True)
class Column:
    """One CSV column: its header, the row index it reads and the field type it writes."""

    header: str
    index: int
    kind: str | None
    alternatives: tuple[int, ...] = ()  # TYPEOF branches' columns of the same header

    def value(self, row: tuple) -> object:
        """The column's value in a row: the first non-null of its indexes."""
        value = row[self.index]
        for index in self.alternatives:
            if value is not None:
                break
            value = row[index]
        return value


def columns(shaper: Shaper) -> list[Column]:
    """The CSV columns of a compiled record query, in SELECT order.

    Compound (address/location) fields and child subqueries have no CSV form: Salesforce refuses
    such a job when it is created.
    """
    found: list[Column] = []
    headers: dict[str, int] = {}

    def walk(node: Node, prefix: str) -> None:
        for key, item in node.items:
            if isinstance(item, TypeSwitch):
                # Every branch's columns, once per header: a row fills the columns of its own
                # type's branch (a guess at Bulk API 1.0's flattening; 2.0 refuses TYPEOF).
                for _, branch in item.branches:
                    walk(branch, f"{prefix}{key}.")
                if item.otherwise is not None:
                    walk(item.otherwise, f"{prefix}{key}.")
            elif isinstance(item, Node):
                walk(item, f"{prefix}{key}.")
            elif isinstance(item, Compound):
                raise errors.API_ERROR("Selecting compound data not supported in Bulk Query")
            elif isinstance(item, ChildSlot):
                raise errors.API_ERROR("Aggregate Relationship not supported in Bulk Query")
            elif prefix + key in headers:
                first = found[headers[prefix + key]]
                found[headers[prefix + key]] = Column(first.header, first.index, first.kind,
                                                      first.alternatives + (item,))
            else:
                headers[prefix + key] = len(found)
                found.append(Column(prefix + key, item, shaper.kinds[item]))

    walk(shaper.root, "")
    return found


def _datetime(millis: object) -> str:
    # format_millis ends in "+0000"; Bulk CSV ends datetimes in "Z".
    return format_millis(millis)[:-5] + "Z"


_WRITERS: dict[str, Writer] = {
    "boolean": lambda value: "true" if value else "false",
    "datetime": _datetime,
    "int": lambda value: str(int(value)), "long": lambda value: str(int(value)),
    "double": lambda value: repr(float(value)), "currency": lambda value: repr(float(value)),
    "percent": lambda value: repr(float(value)),
}


class CsvFormat:
    """Writes rows of one query as CSV lines in a job's delimiter and line ending.

    A million-row job spends most of its time here, so the work is done a column at a time
    (values converted, quotes doubled only in a column that has one) and each line is one
    ``join``: no function call per value.
    """

    def __init__(self, cols: list[Column], delimiter: str = "COMMA",
                 line_ending: str = "LF") -> None:
        self.columns = cols
        self.delimiter = DELIMITERS[delimiter]
        self.line_ending = LINE_ENDINGS[line_ending]
        self._cells = [(c.index, _WRITERS.get(c.kind or "")) for c in cols]
        self._merged = [c for c in cols if c.alternatives]

    def header(self) -> str:
        """The header line."""
        return self._lines([[c.header] for c in self.columns])[0]

    def lines(self, rows: list[tuple]) -> str:
        """The lines of these rows, joined."""
        return "".join(self.row_lines(rows))

    def row_lines(self, rows: list[tuple]) -> list[str]:
        """One line per row (a job's results are paged by row)."""
        if not rows:
            return []
        if self._merged:
            rows = [self._merge(row) for row in rows]
        stored = list(zip(*rows))
        return self._lines([stored[index] if write is None else _converted(write, stored[index])
                            for index, write in self._cells])

    def _lines(self, cells: list) -> list[str]:
        # Every value quoted, as Salesforce writes them: delimiters, quotes and line breaks
        # inside a value then need nothing more than the doubled quote.
        between = '"' + self.delimiter + '"'
        end = '"' + self.line_ending
        return ['"' + between.join(row) + end for row in zip(*map(_quoted, cells))]

    def _merge(self, row: tuple) -> list:
        merged = list(row)
        for column in self._merged:
            merged[column.index] = column.value(row)
        return merged


def _converted(write: Writer, values: tuple) -> list:
    """A column's values as text (null as empty text), each distinct value written once: loaded
    records share their audit stamps, and booleans have two values."""
    texts = {value: write(value) for value in set(values) if value is not None}
    texts[None] = ""
    return list(map(texts.__getitem__, values))


def _quoted(values: Sequence) -> Sequence[str]:
    """A column's values as the text between their quotes: null empty, ``"`` doubled."""
    try:
        joined = "".join(values)
    except TypeError:  # a null, or a value that is not text: as ``str`` writes it
        values = ["" if value is None else str(value) for value in values]
        joined = "".join(values)
    if '"' in joined:
        values = [value.replace('"', '""') for value in values]
    return values
