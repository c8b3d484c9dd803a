"""The App Home tab: each page of the workspace at a glance (core/dashboard.py), for views.publish.

The home is published after syncs and analyses, not as time passes, so times are Slack dates (drawn
in each reader's time zone when they look) rather than "5 min ago". Within Slack's 100 blocks a view:
pages are shown whole while they fit, the rest summed up in one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.views.blocks import CONNECT_HINT, Block, clip, context, escape, fields, section
from bot.views.format import eta, format_duration, plural, slack_date
from bot.views.lead_card import lead_card
from bot.views.status import stage_table
from bot.views.sync_job import STATUS_LABELS, job_seconds, job_when
from core.dashboard import Dashboard, PageDashboard, SyncHistory
from core.jobs import SyncJob

MAX_BLOCKS = 100  # Slack's limit for a view
_ALT_TEXT_LIMIT = 2000
_WHEN = "{date_short_pretty} at {time}"

View = dict[str, Any]


def home_view(board: Dashboard, pictures: Mapping[int, str], now: datetime) -> View:
    """The home of a workspace. `pictures`: the Slack file id of each page's funnel picture, where
    there is one; every page also has its funnel as text bars."""
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your sales pipeline"}},
        context(f"Updated {slack_date(now, _WHEN)} · `/fbsync help` for commands"),
    ]
    if not board.pages:
        blocks.append(section(f"No Facebook Page is connected to this workspace yet. Run {CONNECT_HINT} to add one."))
        return {"type": "home", "blocks": blocks}
    shown = 0
    for page in board.pages:
        part = [{"type": "divider"}, *_page_blocks(page, pictures.get(page.page.id), now)]
        # One block is kept for the line on the pages left out.
        if len(blocks) + len(part) + 1 > MAX_BLOCKS:
            break
        blocks += part
        shown += 1
    rest = len(board.pages) - shown + board.more_pages
    if rest:
        blocks.append(context(f"…and {rest:,} more {'page' if rest == 1 else 'pages'}: `/fbsync pages`"))
    return {"type": "home", "blocks": blocks}


def _page_blocks(board: PageDashboard, picture: str | None, now: datetime) -> list[Block]:
    blocks = [
        section("\n".join([f"*{escape(board.page.name)}* · {plural(board.contacts, 'contact')}", *_token(board, now)]))
    ]
    if picture is not None:
        blocks.append(_funnel_image(board, picture))
    blocks += [
        section(stage_table(board.stages, board.unplaced)),
        fields(
            f"*AI coverage*\n{board.ai_coverage:.0%} ({board.analysed:,} of {board.contacts:,} analysed)",
            f"*Analysis backlog*\n{_backlog(board)}",
            f"*Syncs, last 30 days*\n{_success(board.history)}",
            f"*Average sync*\n{_average(board.history)}",
        ),
        section(_recent(board.recent_jobs, now)) if board.recent_jobs else context(_no_syncs(board)),
    ]
    if board.hottest:
        blocks.append(section("*Hottest leads*"))
        # Without controls: a card's actions answer in the conversation it was posted to, which a home has not.
        for lead in board.hottest:
            blocks += lead_card(lead, [], with_actions=False)
    return blocks


def _funnel_image(board: PageDashboard, file_id: str) -> Block:
    return {"type": "image", "slack_file": {"id": file_id}, "alt_text": funnel_alt_text(board)}


def funnel_alt_text(board: PageDashboard) -> str:
    """What the picture says, for screen readers (and the file's own alt text)."""
    counts = ", ".join(f"{stage.stage} {stage.contacts:,}" for stage in board.stages)
    return clip(f"Funnel of {board.page.name}: {counts}", _ALT_TEXT_LIMIT)


def _token(board: PageDashboard, now: datetime) -> list[str]:
    if board.page.needs_reauth:
        return [
            f":rotating_light: Facebook no longer accepts this page's token: syncs have stopped. Run {CONNECT_HINT}."
        ]
    expires = board.page.token_expires_at
    if expires is None or not board.token_expiring(now):
        return []
    if expires <= now:
        return [f":rotating_light: Its Facebook token expired {slack_date(expires, _WHEN)}. Run {CONNECT_HINT}."]
    days = plural(max(0, (expires - now).days), "day")
    return [f":hourglass: Its Facebook token expires {slack_date(expires, _WHEN)} (in {days}). Run {CONNECT_HINT}."]


def _backlog(board: PageDashboard) -> str:
    if not board.backlog:
        return "Up to date"
    seconds = board.backlog_eta_seconds()
    waiting = f"{board.backlog:,} waiting"
    return f"{waiting} · about {eta(seconds)} left" if seconds is not None else waiting


def _success(history: SyncHistory) -> str:
    rate = history.success_rate
    if rate is None:
        return "None finished"
    return f"{rate:.0%} succeeded ({history.completed:,} of {history.finished:,})"


def _average(history: SyncHistory) -> str:
    return format_duration(history.average_seconds) if history.average_seconds is not None else "—"


def _recent(jobs: list[SyncJob], now: datetime) -> str:
    lines = ["*Latest syncs*"]
    for job in jobs:
        emoji, label = STATUS_LABELS[job.status]
        seconds = job_seconds(job, now)
        # A running sync's duration would be stale by the time it is read.
        took = f" in {format_duration(seconds)}" if seconds is not None and not job.is_active else ""
        lines.append(f"{emoji} {label} {slack_date(job_when(job), _WHEN)}{took} · {job.synced_contacts:,} synced")
    return "\n".join(lines)


def _no_syncs(board: PageDashboard) -> str:
    return f"No syncs yet: `/fbsync sync {escape(board.page.name)}`"
