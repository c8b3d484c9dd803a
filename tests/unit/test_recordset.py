"""Row shapes -> the column definition lists of `json_to_recordset(...) AS x(...)`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

import pytest

from core.recordset import IsoTime, dumps, recordset_columns


class _Every(TypedDict):
    name: str
    count: int
    flag: bool
    maybe: str | None
    payload: dict[str, Any]
    at: IsoTime


def test_each_python_type_is_read_as_its_sql_type_in_declaration_order() -> None:
    assert recordset_columns(_Every) == (
        "name text, count int, flag boolean, maybe text, payload jsonb, at timestamptz"
    )


class _Unmapped(TypedDict):
    ratio: float


class _Either(TypedDict):
    value: str | int


@dataclass
class _NotADict:
    name: str


@pytest.mark.parametrize(
    "shape, message",
    [
        (_Unmapped, r"_Unmapped\.ratio: no SQL type for <class 'float'>"),
        (_Either, r"_Either\.value: a column holds one type"),
        (_NotADict, r"_NotADict is not a TypedDict"),
    ],
)
def test_a_shape_with_no_column_list_fails_at_import_not_as_nulls(shape: type, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        recordset_columns(shape)


def test_the_document_keeps_text_as_it_is() -> None:
    assert dumps([{"text": "café ☕", "n": 1}]) == '[{"text": "café ☕", "n": 1}]'
