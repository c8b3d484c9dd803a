"""Meta Graph API: the client and its typed errors."""

from core.graph.client import GraphClient, Platform
from core.graph.errors import (
    GraphError,
    GraphRequestError,
    GraphUnavailableError,
    MalformedResponseError,
    RateLimitedError,
    TokenInvalidError,
    TransientGraphError,
    scrub,
)
from core.graph.ids import InvalidGraphId, graph_id, is_graph_id

__all__ = [
    "GraphClient",
    "Platform",
    "GraphError",
    "GraphRequestError",
    "GraphUnavailableError",
    "InvalidGraphId",
    "MalformedResponseError",
    "RateLimitedError",
    "TokenInvalidError",
    "TransientGraphError",
    "scrub",
    "graph_id",
    "is_graph_id",
]
