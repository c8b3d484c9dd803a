"""The App Home's records: who opened it, when it is owed a publish, and the pages' funnel pictures.

Publishing is the bot's (bot/home.py); this module only says for whom and when. A workspace's home
is owed (pending_work kind 'home') after each sync and analysis batch of its pages, debounced: the
first change owes it PUBLISH_DEBOUNCE seconds later and the changes until then join that publish.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core import work
from core.db import Conn

PUBLISH_DEBOUNCE = 10.0
# Someone who has not opened the home tab for this long is no longer published to.
AUDIENCE_DAYS = 30


def record_open(conn: Conn, organization_id: int, slack_user_id: str) -> None:
    conn.execute(
        "INSERT INTO slack_home_tabs (organization_id, slack_user_id) VALUES (%s, %s)"
        " ON CONFLICT (organization_id, slack_user_id) DO UPDATE SET opened_at = now()",
        (organization_id, slack_user_id),
    )


def audience(conn: Conn, organization_id: int) -> list[str]:
    """Who to publish the workspace's home to: those who opened it within AUDIENCE_DAYS. The others'
    rows go, so the table holds only those it serves."""
    conn.execute(
        "DELETE FROM slack_home_tabs WHERE organization_id = %s AND opened_at < now() - make_interval(days => %s)",
        (organization_id, AUDIENCE_DAYS),
    )
    rows = conn.execute(
        "SELECT slack_user_id FROM slack_home_tabs WHERE organization_id = %s ORDER BY opened_at DESC",
        (organization_id,),
    ).fetchall()
    return [row["slack_user_id"] for row in rows]


def owe_publish(conn: Conn, page_pk: int) -> None:
    """The page's numbers changed (in the caller's transaction): its workspace's home is owed a
    publish, if anyone there opened it lately. Nobody watching costs one indexed look-up."""
    row = conn.execute(
        "SELECT p.organization_id FROM facebook_pages p WHERE p.id = %s AND EXISTS (SELECT 1 FROM slack_home_tabs h"
        "  WHERE h.organization_id = p.organization_id AND h.opened_at >= now() - make_interval(days => %s))",
        (page_pk, AUDIENCE_DAYS),
    ).fetchone()
    if row is not None:
        # A row already owed keeps its earlier due time: changes within the debounce join one publish.
        work.owe(conn, work.Kind.HOME, row["organization_id"], delay_seconds=PUBLISH_DEBOUNCE)


@dataclass(frozen=True)
class FunnelImage:
    digest: str
    slack_file_id: str


def funnel_images(conn: Conn, organization_id: int, page_pks: Sequence[int]) -> dict[int, FunnelImage]:
    """The pictures uploaded for these pages in this workspace, by page."""
    rows = conn.execute(
        "SELECT facebook_page_id, digest, slack_file_id FROM page_funnel_images"
        " WHERE organization_id = %s AND facebook_page_id = ANY(%s)",
        (organization_id, list(page_pks)),
    ).fetchall()
    return {row["facebook_page_id"]: FunnelImage(row["digest"], row["slack_file_id"]) for row in rows}


def save_funnel_image(conn: Conn, organization_id: int, page_pk: int, image: FunnelImage) -> None:
    conn.execute(
        "INSERT INTO page_funnel_images (facebook_page_id, organization_id, digest, slack_file_id)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (facebook_page_id) DO UPDATE SET"
        " organization_id = EXCLUDED.organization_id, digest = EXCLUDED.digest,"
        " slack_file_id = EXCLUDED.slack_file_id, uploaded_at = now()",
        (page_pk, organization_id, image.digest, image.slack_file_id),
    )


def forget_funnel_images(conn: Conn, slack_file_ids: Sequence[str]) -> None:
    """Slack would not show these files (deleted, or never processed): the next publish uploads anew."""
    conn.execute("DELETE FROM page_funnel_images WHERE slack_file_id = ANY(%s)", (list(slack_file_ids),))
