"""Connected Facebook pages and the organizations (Slack workspaces) that own them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.db import Conn
from core.pipeline.pipelines import ensure_default_pipeline

# A workspace-less install (CLI only) keeps its pages under this organization.
LOCAL_TEAM_ID = "local"


class PageNotFound(LookupError):
    pass


class PageOwnedElsewhere(Exception):
    """The page is connected to another organization (Slack workspace); the message says what to do."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"{name} is connected to another Slack workspace. Disconnect it there first"
            f" (`/fbsync disconnect {name}`), then connect it here."
        )
        self.name = name


class AmbiguousPage(LookupError):
    def __init__(self, ref: str, candidates: list[str]) -> None:
        said = f"'{ref}' matches several pages" if ref else "Which page? There are several"
        super().__init__(f"{said}: {', '.join(candidates)}")
        self.candidates = candidates


@dataclass(frozen=True)
class Page:
    id: int
    organization_id: int
    page_id: str
    name: str
    token_ciphertext: str = field(repr=False)  # core.tokens.TokenCipher opens it
    instagram_account_id: str | None
    instagram_username: str | None
    last_synced_at: datetime | None
    needs_reauth: bool
    is_active: bool
    notify_channel: str | None = None  # Slack channel for stage-change notices
    auto_sync: bool = True
    sync_interval: int = 3600  # seconds between scheduled syncs
    token_expires_at: datetime | None = None  # from the daily debug_token check

    @property
    def own_ids(self) -> frozenset[str]:
        """Ids under which the business itself appears in conversations."""
        return frozenset(i for i in (self.page_id, self.instagram_account_id) if i)


PAGE_COLUMNS = (
    "id, organization_id, page_id, name, page_token_ciphertext AS token_ciphertext, instagram_account_id,"
    " instagram_username, last_synced_at, needs_reauth, is_active, notify_channel, auto_sync, sync_interval,"
    " token_expires_at"
)


def ensure_organization(conn: Conn, slack_team_id: str, name: str | None = None) -> int:
    """The organization of a workspace; a new one gets the default pipeline (call inside a transaction)."""
    row = conn.execute(
        "INSERT INTO organizations (slack_team_id, name) VALUES (%s, %s)"
        " ON CONFLICT (slack_team_id) DO UPDATE SET name = COALESCE(%s, organizations.name)"
        " RETURNING id, (xmax = 0) AS inserted",
        (slack_team_id, name or slack_team_id, name),
    ).fetchone()
    assert row is not None
    if row["inserted"]:
        ensure_default_pipeline(conn, row["id"])
    return int(row["id"])


def add_page(
    conn: Conn,
    *,
    organization_id: int,
    page_id: str,
    name: str,
    token_ciphertext: str,
    instagram_account_id: str | None = None,
    instagram_username: str | None = None,
    move: bool = False,
) -> Page:
    """Connect a page, or reconnect it: a new token replaces the old one and clears needs_reauth.

    A newly connected page places its contacts in the organization's first pipeline until told otherwise.
    A page another organization has is refused (PageOwnedElsewhere): its token and organization stay
    as they are. It moves here only when it was disconnected there, or when `move` says so.
    """
    owner = conn.execute(
        "SELECT id, organization_id, is_active FROM facebook_pages WHERE page_id = %s FOR UPDATE", (page_id,)
    ).fetchone()
    if owner is not None and owner["organization_id"] != organization_id:
        if owner["is_active"] and not move:
            raise PageOwnedElsewhere(name)
        _move_page(conn, owner["id"], organization_id)
    # The WHERE clause refuses, atomically, a page another organization connected since the check.
    row = conn.execute(
        "INSERT INTO facebook_pages (organization_id, page_id, name, page_token_ciphertext, instagram_account_id,"
        " instagram_username, auto_pipeline_id) VALUES (%s, %s, %s, %s, %s, %s,"
        " (SELECT min(id) FROM pipelines WHERE organization_id = %s))"
        " ON CONFLICT (page_id) DO UPDATE SET name = EXCLUDED.name,"
        " page_token_ciphertext = EXCLUDED.page_token_ciphertext,"
        " instagram_account_id = EXCLUDED.instagram_account_id,"
        " instagram_username = EXCLUDED.instagram_username, needs_reauth = false, is_active = true,"
        " updated_at = now() WHERE facebook_pages.organization_id = EXCLUDED.organization_id"
        f" RETURNING {PAGE_COLUMNS}",
        (organization_id, page_id, name, token_ciphertext, instagram_account_id, instagram_username, organization_id),
    ).fetchone()
    if row is None:
        raise PageOwnedElsewhere(name)
    return Page(**row)


def _move_page(conn: Conn, page_pk: int, organization_id: int) -> None:
    """Hand a page to another organization. What belonged to the old one (its pipeline stages, its
    notify channel) does not follow: contacts lose their stage and are analysed again by the next
    sync, into the new organization's first pipeline."""
    conn.execute(
        "UPDATE facebook_pages SET organization_id = %(org)s, notify_channel = NULL,"
        " auto_pipeline_id = (SELECT min(id) FROM pipelines WHERE organization_id = %(org)s),"
        " auto_pipeline_mode = DEFAULT, updated_at = now() WHERE id = %(page)s",
        {"org": organization_id, "page": page_pk},
    )
    conn.execute(
        "UPDATE contacts SET pipeline_id = NULL, stage_id = NULL, updated_at = now() WHERE facebook_page_id = %s",
        (page_pk,),
    )
    conn.execute("UPDATE conversations SET analyzed_at = NULL WHERE facebook_page_id = %s", (page_pk,))
    # Every person of the page is back in the analysis backlog.
    conn.execute(
        "UPDATE conversation_contacts cc SET analyzed_at = NULL FROM conversations v"
        " WHERE v.id = cc.conversation_id AND v.facebook_page_id = %s",
        (page_pk,),
    )


def get_page(conn: Conn, page_pk: int) -> Page:
    row = conn.execute(f"SELECT {PAGE_COLUMNS} FROM facebook_pages WHERE id = %s", (page_pk,)).fetchone()
    if row is None:
        raise PageNotFound(f"no connected page with id {page_pk}")
    return Page(**row)


def find_page(conn: Conn, ref: str, organization_id: int | None = None) -> Page:
    """A page by its page id, its name, or a unique prefix of its name (case-insensitive)."""
    rows = conn.execute(
        f"SELECT {PAGE_COLUMNS} FROM facebook_pages"
        " WHERE is_active AND (%(org)s::bigint IS NULL OR organization_id = %(org)s)"
        " AND (page_id = %(ref)s OR lower(name) LIKE lower(%(prefix)s))"
        " ORDER BY name",
        {"org": organization_id, "ref": ref.strip(), "prefix": _like_prefix(ref.strip())},
    ).fetchall()
    pages = [Page(**row) for row in rows]
    for match in (
        [p for p in pages if p.page_id == ref.strip()],
        [p for p in pages if p.name.lower() == ref.strip().lower()],
        pages,
    ):
        if len(match) == 1:
            return match[0]
        if len(match) > 1:
            raise AmbiguousPage(ref, [f"{p.name} ({p.page_id})" for p in match])
    raise PageNotFound(f"no connected page matches '{ref}'")


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def connected_pages(conn: Conn) -> list[Page]:
    """Every active page that is not waiting to be reconnected."""
    rows = conn.execute(
        f"SELECT {PAGE_COLUMNS} FROM facebook_pages WHERE is_active AND NOT needs_reauth ORDER BY id"
    ).fetchall()
    return [Page(**row) for row in rows]


@dataclass(frozen=True)
class PageSummary:
    page: Page
    messenger_contacts: int
    instagram_contacts: int
    running_job_id: int | None


def list_pages(conn: Conn, organization_id: int | None = None) -> list[PageSummary]:
    rows = conn.execute(
        f"SELECT {PAGE_COLUMNS},"
        " (SELECT count(*) FROM contacts c WHERE c.facebook_page_id = p.id AND c.has_messenger) AS messenger_contacts,"
        " (SELECT count(*) FROM contacts c WHERE c.facebook_page_id = p.id AND c.has_instagram) AS instagram_contacts,"
        " (SELECT j.id FROM sync_jobs j WHERE j.facebook_page_id = p.id"
        "   AND j.status IN ('PENDING', 'IN_PROGRESS')) AS running_job_id"
        " FROM facebook_pages p WHERE p.is_active AND (%(org)s::bigint IS NULL OR p.organization_id = %(org)s)"
        " ORDER BY p.name",
        {"org": organization_id},
    ).fetchall()
    summaries = []
    for row in rows:
        counts = {k: row.pop(k) for k in ("messenger_contacts", "instagram_contacts", "running_job_id")}
        summaries.append(PageSummary(page=Page(**row), **counts))
    return summaries


def mark_synced(conn: Conn, page_pk: int, at: datetime) -> None:
    conn.execute("UPDATE facebook_pages SET last_synced_at = %s, updated_at = now() WHERE id = %s", (at, page_pk))


def mark_needs_reauth(conn: Conn, page_pk: int) -> None:
    conn.execute("UPDATE facebook_pages SET needs_reauth = true, updated_at = now() WHERE id = %s", (page_pk,))


def set_notify_channel(conn: Conn, page_pk: int, channel: str | None) -> None:
    conn.execute("UPDATE facebook_pages SET notify_channel = %s, updated_at = now() WHERE id = %s", (channel, page_pk))


def deactivate(conn: Conn, page_pk: int) -> None:
    """Syncs, schedules and webhooks stop; contacts, conversations and pipeline stay."""
    conn.execute("UPDATE facebook_pages SET is_active = false, updated_at = now() WHERE id = %s", (page_pk,))
