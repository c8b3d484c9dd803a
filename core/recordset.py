"""Rows that travel to PostgreSQL as one JSON document and are read there as a record set:
`json_to_recordset(doc) AS x(name type, ...)`.

A key the column definition list lacks, or spells otherwise, reads as a silent NULL; so each row
shape is a TypedDict declared once, and its column list is written from that declaration
(`recordset_columns`) when the statement is built, at import. mypy holds each row built to its
shape's keys and types. TypedDicts rather than dataclasses: rows are built by the thousand per
statement, and a dict literal costs a fraction of a frozen dataclass's __init__ plus its asdict.
"""

from __future__ import annotations

import json
import types
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints, is_typeddict

_SQL_TYPES: dict[object, str] = {str: "text", int: "int", bool: "boolean"}

# JSON has no time: a time travels as ISO 8601 text (`datetime.isoformat()`, called where the row is
# built: a `default` hook in the encoder costs more), which the column reads back exactly.
IsoTime = Annotated[str, "timestamptz"]


def recordset_columns(shape: type) -> str:
    """`name type, ...` for `AS x(...)`, in the shape's field order."""
    return ", ".join(f"{name} {_sql_type(hint, f'{shape.__name__}.{name}')}" for name, hint in fields(shape).items())


def fields(shape: type) -> dict[str, Any]:
    """A TypedDict's keys and their types, in declaration order."""
    if not is_typeddict(shape):
        raise TypeError(f"{shape.__name__} is not a TypedDict")
    return get_type_hints(shape, include_extras=True)


def dumps(value: object) -> str:
    """The JSON document: json.dumps is C, where psycopg's array dumpers are Python, element by element.
    Rows are trees built from parsed JSON and our own values, so the check for cycles is skipped."""
    return json.dumps(value, ensure_ascii=False, check_circular=False)


def _sql_type(hint: object, where: str) -> str:
    origin = get_origin(hint)
    if origin is Annotated:  # the SQL type is said outright (IsoTime)
        return str(get_args(hint)[1])
    if origin in (Union, types.UnionType):  # `X | None`: a nullable X
        inner = [arg for arg in get_args(hint) if arg is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"{where}: a column holds one type, not {hint!r}")
        return _sql_type(inner[0], where)
    if origin is dict:  # a JSON object kept whole
        return "jsonb"
    if hint in _SQL_TYPES:
        return _SQL_TYPES[hint]
    raise TypeError(f"{where}: no SQL type for {hint!r}")
