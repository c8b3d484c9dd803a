"""Publishing the App Home (bot/views/home.py) to people of a workspace.

Each page's funnel picture is drawn and uploaded once per change of what it draws (its digest), and
reused while that stays the same. It is uploaded without a channel: a file private to the app, which
Slack lets the token that uploaded it show in image blocks (`slack_file`), and nobody else post.

Slack finishes an upload asynchronously, and refuses a view that names a file it has not finished
(invalid_blocks). Then the home goes out without pictures, its text bars saying the same, and
`pictures_pending` asks for another publish shortly; a stored file refused is forgotten, so that the
next change uploads it anew rather than naming it for ever.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.funnel_chart import charted, funnel_digest, render_funnel
from bot.slack_client import safe_call
from bot.views.home import View, funnel_alt_text, home_view
from core import home
from core.dashboard import Dashboard, PageDashboard, dashboard
from core.db import Pool

logger = logging.getLogger(__name__)

# Pages shown in full: each takes up to 22 of a view's 100 blocks (bot/views/home.py sums up the rest).
HOME_PAGES = 4

Log = logging.Logger | logging.LoggerAdapter


@dataclass(frozen=True)
class Published:
    users: int  # homes Slack took
    pictures_pending: bool  # a picture just uploaded was not shown yet: publish again shortly


def publish_home(
    client: WebClient, pool: Pool, organization_id: int, user_ids: Sequence[str], log: Log = logger
) -> Published:
    """The workspace's home, built once, published to each of `user_ids`."""
    now = datetime.now(UTC)
    with pool.connection() as conn:
        board = dashboard(conn, organization_id, now, most_pages=HOME_PAGES)
        stored = home.funnel_images(conn, organization_id, [page.page.id for page in board.pages])
    pictures = {page_pk: image.slack_file_id for page_pk, image in stored.items()}
    fresh = _upload_changed(client, pool, organization_id, board, stored, pictures, log)
    view = home_view(board, pictures, now)
    published = 0
    for user_id in user_ids:
        try:
            published += _publish(client, user_id, view, log)
        except _PicturesRefused:
            with pool.connection() as conn:
                home.forget_funnel_images(conn, [file_id for file_id in pictures.values() if file_id not in fresh])
            log.info("home published without its pictures: slack refused them pictures=%d", len(pictures))
            pictures = {}
            view = home_view(board, pictures, now)
            published += _publish(client, user_id, view, log)
    return Published(published, pictures_pending=bool(fresh) and not pictures)


class _PicturesRefused(Exception):
    pass


def _publish(client: WebClient, user_id: str, view: View, log: Log) -> int:
    """1 when Slack took the view; raises _PicturesRefused when it refused blocks of a view with pictures."""
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        has_pictures = any(block["type"] == "image" for block in view["blocks"])
        if exc.response.get("error") == "invalid_blocks" and has_pictures:
            raise _PicturesRefused from exc
        log.warning("home not published user=%s error=%s", user_id, exc.response.get("error"))
        return 0
    except OSError as exc:  # urllib's connection errors
        log.warning("home not published: slack unreachable user=%s error=%s", user_id, type(exc).__name__)
        return 0
    return 1


def _upload_changed(
    client: WebClient,
    pool: Pool,
    organization_id: int,
    board: Dashboard,
    stored: dict[int, home.FunnelImage],
    pictures: dict[int, str],
    log: Log,
) -> set[str]:
    """Upload the pictures whose counts changed (into `pictures`, by page); returns the new file ids.
    A page whose upload fails (Slack down, no files:write scope) has its text bars only."""
    fresh: set[str] = set()
    for page in board.pages:
        counts = [(stage.stage, stage.contacts) for stage in page.stages]
        digest = funnel_digest(counts)
        known = stored.get(page.page.id)
        if known is not None and known.digest == digest:
            continue
        pictures.pop(page.page.id, None)  # it shows other counts
        if not charted(counts):
            continue
        file_id = _upload(client, page, counts, log)
        if file_id is None:
            continue
        with pool.connection() as conn:
            home.save_funnel_image(conn, organization_id, page.page.id, home.FunnelImage(digest, file_id))
        pictures[page.page.id] = file_id
        fresh.add(file_id)
    return fresh


def _upload(client: WebClient, page: PageDashboard, counts: list[tuple[str, int]], log: Log) -> str | None:
    # No channel: the file stays private to the app (files.completeUploadExternal without channel_id).
    response = safe_call(
        client.files_upload_v2,
        log,
        file=render_funnel(counts),
        filename=f"funnel-{page.page.page_id}.png",
        title=f"{page.page.name}: funnel",
        alt_txt=funnel_alt_text(page),
    )
    file_id = (response.get("file") or {}).get("id") if response is not None else None
    return file_id if isinstance(file_id, str) else None
