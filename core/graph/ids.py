"""Meta object ids (pages, Instagram accounts, the people who write): checked wherever they enter.

Meta's ids of these objects are decimal digit strings (64-bit numbers, today 15 to 17 digits). An
id becomes a segment of a Graph URL, so anything else ("../../me", an empty string, 3 kB of junk)
is refused before it can change what a request asks for.
"""

from __future__ import annotations

import re

from core.graph.errors import GraphRequestError

MAX_ID_DIGITS = 32
_GRAPH_ID = re.compile(rf"[0-9]{{1,{MAX_ID_DIGITS}}}")


class InvalidGraphId(GraphRequestError, ValueError):
    """Not a Meta object id; the message names what was expected, never the value given."""


def is_graph_id(value: object) -> bool:
    return isinstance(value, str) and _GRAPH_ID.fullmatch(value) is not None


def graph_id(value: object, what: str = "id") -> str:
    """`value` if it is a Meta object id, else InvalidGraphId naming `what` (e.g. "page id")."""
    if not is_graph_id(value):
        raise InvalidGraphId(f"{what} must be a Meta id: 1 to {MAX_ID_DIGITS} digits")
    assert isinstance(value, str)
    return value
