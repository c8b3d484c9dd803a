"""Page token health from Meta's debug_token: dead tokens are flagged, expiring ones announced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.db import Conn
from core.graph import GraphClient
from core.pages import Page

EXPIRY_WARNING = timedelta(days=7)


@dataclass(frozen=True)
class TokenHealth:
    valid: bool
    expires_at: datetime | None  # None: Meta says it does not expire

    def expiring(self, now: datetime) -> bool:
        return self.valid and self.expires_at is not None and self.expires_at - now <= EXPIRY_WARNING


def inspect_token(app_graph: GraphClient, token: str) -> TokenHealth:
    """`app_graph` speaks with the app token (APP_ID|APP_SECRET), which debug_token requires."""
    data = app_graph.get("debug_token", {"input_token": token}, secrets=(token,)).get("data") or {}
    # 0 means "never"; data access lapses separately from the token itself.
    ends = [int(v) for v in (data.get("expires_at"), data.get("data_access_expires_at")) if isinstance(v, int) and v]
    return TokenHealth(
        valid=data.get("is_valid") is True,
        expires_at=datetime.fromtimestamp(min(ends), tz=UTC) if ends else None,
    )


def record(conn: Conn, page: Page, health: TokenHealth) -> None:
    conn.execute(
        "UPDATE facebook_pages SET token_expires_at = %s, needs_reauth = needs_reauth OR %s, updated_at = now()"
        " WHERE id = %s",
        (health.expires_at, not health.valid, page.id),
    )
