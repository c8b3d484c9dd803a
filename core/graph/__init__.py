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

__all__ = [
    "GraphClient",
    "Platform",
    "GraphError",
    "GraphRequestError",
    "GraphUnavailableError",
    "MalformedResponseError",
    "RateLimitedError",
    "TokenInvalidError",
    "TransientGraphError",
    "scrub",
]
