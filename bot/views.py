"""Block Kit messages of the bot. Each function returns keyword arguments for chat.postMessage / chat.update /
respond: {"text": plain fallback for notifications, "blocks": [...]}. Pure: times are relative to a `now` passed in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.commands import USAGE
from core.jobs import JobStatus, SyncJob
from core.pages import Page, PageSummary
from core.pipeline.pipelines import AutoMode, Pipeline
from core.schedule import format_interval
from core.stats import PageStats, StageCount
from core.sync.reporter import SyncProgress
from core.token_health import EXPIRY_WARNING as TOKEN_EXPIRY_WARNING

Block = dict[str, Any]
Message = dict[str, Any]

CANCEL_ACTION = "fbsync_cancel"
CONNECT_HINT = "`/fbsync connect`"

# Slack's limits: 3000 characters of section text, 50 blocks per message; lists stop short of both.
SECTION_LIMIT = 3000
MAX_LISTED = 40
MAX_ERROR_CHARS = 200
BAR_WIDTH = 10

_PLATFORMS = {"messenger": "Messenger", "instagram": "Instagram"}
_STATUS = {
    JobStatus.PENDING: (":clock3:", "Queued"),
    JobStatus.IN_PROGRESS: (":arrows_counterclockwise:", "Running"),
    JobStatus.COMPLETED: (":white_check_mark:", "Completed"),
    JobStatus.FAILED: (":x:", "Failed"),
    JobStatus.CANCELLED: (":no_entry_sign:", "Cancelled"),
}
_MODES = {
    AutoMode.SKIP_EXISTING: "New contacts are placed; contacts already in a pipeline stay where they are.",
    AutoMode.UPDATE_EXISTING: "Every analysed contact is re-evaluated and may move to another stage.",
}


# --- formatting helpers -------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack reads &, < and > as control characters in mrkdwn and in the `text` fallback."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def format_duration(seconds: float) -> str:
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def _eta(seconds: float) -> str:
    """An estimate, so in round figures: "under a minute", "31 min", "2h05m"."""
    if seconds < 60:
        return "under a minute"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    return format_duration(round(seconds / 60) * 60)


def time_ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never"
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "just now"  # also absorbs small clock differences between machines
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return _plural(int(seconds // 3600), "hour") + " ago"
    return _plural(int(seconds // 86400), "day") + " ago"


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _slack_date(when: datetime, tokens: str) -> str:
    """A date Slack renders in each reader's time zone; for messages built without a `now`."""
    fallback = when.strftime("%Y-%m-%d %H:%M %Z").strip()
    return f"<!date^{int(when.timestamp())}^{tokens}|{fallback}>"


def _code(text: str) -> str:
    # A backtick inside would end the code span early.
    return "`" + escape(text).replace("`", "'") + "`"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _platform(name: str | None) -> str:
    return _PLATFORMS.get(name or "", (name or "unknown").title())


def _job_seconds(job: SyncJob, now: datetime) -> float | None:
    if job.started_at is None:
        return None
    return ((job.completed_at or now) - job.started_at).total_seconds()


def _job_when(job: SyncJob) -> datetime:
    return job.completed_at or job.started_at or job.created_at


def _rate(contacts: int, seconds: float) -> str:
    if seconds <= 0:
        return "—"
    per_minute = contacts * 60 / seconds
    return f"{per_minute:.1f}" if per_minute < 10 else f"{per_minute:,.0f}"


# --- block builders -----------------------------------------------------------------------------------------


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, SECTION_LIMIT)}}


def _fields(*texts: str) -> Block:
    return {"type": "section", "fields": [{"type": "mrkdwn", "text": _clip(t, 2000)} for t in texts]}


def _context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(t, SECTION_LIMIT)} for t in texts]}


def _message(text: str, blocks: list[Block]) -> Message:
    """`text` is plain: it is escaped here, as Slack parses the fallback like mrkdwn."""
    return {"text": escape(_clip(text, SECTION_LIMIT)), "blocks": blocks}


def _capped(blocks: list[Block], total: int, noun: str) -> list[Block]:
    """The first MAX_LISTED item blocks and a note about the rest, within Slack's 50 blocks."""
    if total <= MAX_LISTED:
        return blocks
    return blocks[:MAX_LISTED] + [_context(f"…and {total - MAX_LISTED:,} more {noun}")]


# --- simple answers -----------------------------------------------------------------------------------------


def help_message() -> Message:
    return _message("How to use /fbsync", [_section(USAGE)])


def error_message(problem: str) -> Message:
    return _message(problem, [_section(f":warning: {escape(problem)}"), _section(USAGE)])


def denied(why: str) -> Message:
    return _message(f"Not allowed: {why}", [_section(f":no_entry: {escape(why)}")])


def sync_queued(page: Page, not_in_channel: str | None = None) -> Message:
    """`not_in_channel`: the channel the bot could not post in, so progress goes by direct message."""
    name = escape(page.name)
    if not_in_channel is None:
        return _message(
            f"Starting a sync of {page.name}",
            [_section(f":arrows_counterclockwise: Starting a sync of *{name}*; progress will appear in this channel.")],
        )
    return _message(
        f"Starting a sync of {page.name}; progress comes by direct message",
        [
            _section(f":arrows_counterclockwise: Starting a sync of *{name}*."),
            _context(
                f":information_source: I'm not a member of <#{not_in_channel}>, so sync progress comes to you by"
                " direct message. To get it in the channel, invite me there with `/invite @fbsync`."
            ),
        ],
    )


def already_running(page: Page, job: SyncJob, permalink: str | None) -> Message:
    started = _slack_date(job.started_at or job.created_at, "{ago}")
    text = f":hourglass_flowing_sand: A sync of *{escape(page.name)}* is already running (started {started})."
    if permalink:
        text += f"\n<{permalink}|Follow it in its thread>"
    return _message(f"A sync of {page.name} is already running", [_section(text)])


def cancel_requested(page: Page, job: SyncJob) -> Message:
    name = escape(page.name)
    if job.status is JobStatus.CANCELLED:  # it had not started: cancelled at once
        text = f":no_entry_sign: Cancelled the queued sync of *{name}* before it started."
    else:
        text = (
            f":octagonal_sign: Stopping the sync of *{name}* after the current batch"
            f" ({job.synced_contacts:,} contacts synced so far)."
        )
    return _message(f"Cancelling the sync of {page.name}", [_section(text)])


def nothing_to_cancel(page: Page) -> Message:
    return _message(
        f"No sync of {page.name} is running",
        [_section(f"No sync of *{escape(page.name)}* is running, so there is nothing to cancel.")],
    )


# --- pages and pipelines ------------------------------------------------------------------------------------


def pages_message(summaries: list[PageSummary], now: datetime) -> Message:
    if not summaries:
        return _message(
            "No Facebook pages connected yet",
            [_section(f":electric_plug: No Facebook pages connected yet. Run {CONNECT_HINT} to connect one.")],
        )
    blocks = [_section(f"*Connected pages* ({len(summaries)})")]
    blocks += _capped([_section(_page_line(s, now)) for s in summaries], len(summaries), "pages")
    blocks.append(_context("`/fbsync PAGE` to sync · `/fbsync stats PAGE` for numbers · `/fbsync status PAGE`"))
    names = ", ".join(s.page.name for s in summaries)
    return _message(f"{len(summaries)} connected pages: {names}", blocks)


def _page_line(summary: PageSummary, now: datetime) -> str:
    page = summary.page
    lines = [
        f"*{escape(page.name)}*  {_code(page.page_id)}",
        " · ".join(_platform_counts(summary)),
        f"Last synced {time_ago(page.last_synced_at, now)}",
    ]
    if summary.running_job_id is not None:
        lines[-1] += " · :arrows_counterclockwise: sync running"
    if page.needs_reauth:
        lines.append(f":warning: Needs reconnect: Facebook no longer accepts its token. Run {CONNECT_HINT}.")
    elif page.token_expires_at and page.token_expires_at - now <= TOKEN_EXPIRY_WARNING:
        lines.append(f":hourglass: Its Facebook token expires {page.token_expires_at:%Y-%m-%d}. Run {CONNECT_HINT}.")
    if page.auto_sync:
        lines[2] += f" · syncs every {format_interval(page.sync_interval)}"  # the "Last synced" line
    return "\n".join(lines)


def _platform_counts(summary: PageSummary) -> list[str]:
    counts = [f"Messenger: {_plural(summary.messenger_contacts, 'contact')}"]
    if summary.page.instagram_account_id:
        handle = f" @{escape(summary.page.instagram_username)}" if summary.page.instagram_username else ""
        counts.append(f"Instagram{handle}: {_plural(summary.instagram_contacts, 'contact')}")
    return counts


def pipelines_message(pipelines: list[Pipeline]) -> Message:
    if not pipelines:
        return _message("No pipelines yet", [_section("No pipelines yet.")])
    blocks = [_section(f"*Pipelines* ({len(pipelines)})")]
    blocks += _capped([_section(_pipeline_line(p)) for p in pipelines], len(pipelines), "pipelines")
    blocks.append(_context("Choose a page's pipeline: `/fbsync pipeline PAGE PIPELINE [skip|update]`"))
    return _message("Pipelines: " + ", ".join(p.name for p in pipelines), blocks)


def _pipeline_line(pipeline: Pipeline) -> str:
    return f"*{escape(pipeline.name)}*\n{_stage_path(pipeline)}"


def _stage_path(pipeline: Pipeline) -> str:
    return " → ".join(escape(name) for name in pipeline.stage_names) or "_no stages_"


def pipeline_set(page: Page, pipeline: Pipeline | None, mode: AutoMode) -> Message:
    name = escape(page.name)
    if pipeline is None:
        return _message(
            f"Automatic pipeline assignment is off for {page.name}",
            [
                _section(
                    f":no_entry_sign: Automatic pipeline assignment is off for *{name}*."
                    " Contacts still get AI summaries and lead scores."
                )
            ],
        )
    text = (
        f":white_check_mark: Analysed contacts of *{name}* now go to *{escape(pipeline.name)}*"
        f"\n{_stage_path(pipeline)}\n{_MODES[mode]}"
    )
    return _message(f"{page.name}: contacts go to {pipeline.name}", [_section(text)])


def notify_set(page: Page, channel_id: str | None) -> Message:
    name = escape(page.name)
    if channel_id is None:
        return _message(
            f"Stage-change notices for {page.name} are off",
            [_section(f":no_bell: Stage-change notices for *{name}* are off.")],
        )
    return _message(
        f"Stage changes of {page.name} will be posted in this channel",
        [
            _section(
                f":bell: Contacts of *{name}* that change stage between syncs will be announced in <#{channel_id}>."
            )
        ],
    )


def scheduled_summary(page: Page, job: SyncJob, new_contacts: int) -> Message:
    name = escape(page.name)
    if job.status is not JobStatus.COMPLETED:
        reason = escape(job.failure_reason or job.status.value.lower())
        hint = " Reconnect with `/fbsync connect`." if job.token_expired else ""
        return _message(
            f"Scheduled sync of {page.name} failed",
            [_section(f":warning: Scheduled sync of *{name}* failed: {reason}.{hint}")],
        )
    parts = [
        f"{new_contacts} new contact{'s' if new_contacts != 1 else ''}",
        f"{job.stage_changes} stage change{'s' if job.stage_changes != 1 else ''}",
    ]
    if job.failed_contacts:
        parts.append(f"{job.failed_contacts} failed")
    text = f"Scheduled sync of {page.name}: " + ", ".join(parts)
    return _message(text, [_section(f":calendar: Scheduled sync of *{name}*: " + ", ".join(parts))])


def schedule_set(page: Page, interval: str | None) -> Message:
    name = escape(page.name)
    if interval is None:
        return _message(
            f"Scheduled syncs of {page.name} are off",
            [_section(f":pause_button: Scheduled syncs of *{name}* are off; webhooks still update it.")],
        )
    return _message(
        f"{page.name} syncs every {interval}",
        [_section(f":calendar: *{name}* now syncs every *{interval}* (new activity only).")],
    )


def token_warning(page: Page, valid: bool, expires_at: datetime | None, now: datetime) -> Message:
    name = escape(page.name)
    if not valid:
        text = f":rotating_light: Facebook no longer accepts the token of *{name}*: syncs and updates have stopped."
    else:
        when = expires_at.strftime("%Y-%m-%d") if expires_at else "soon"
        days = max(0, (expires_at - now).days) if expires_at else 0
        text = f":hourglass: The Facebook token of *{name}* expires on {when} (in {days} days)."
    return _message(f"Reconnect {page.name}", [_section(text + " Reconnect it with `/fbsync connect`.")])


DISCONNECT_ACTION = "fbsync_disconnect"


def connect_link(url: str) -> Message:
    return _message(
        "Connect your Facebook pages",
        [
            _section(
                "Connect (or reconnect) the Facebook pages you manage. The link works once, for 10 minutes,"
                " and only for you."
            ),
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Connect with Facebook"},
                        "url": url,
                        "style": "primary",
                        "action_id": "fbsync_connect_link",
                    }
                ],
            },
        ],
    )


def disconnect_confirm(page: Page) -> Message:
    name = escape(page.name)
    return _message(
        f"Disconnect {page.name}?",
        [
            _section(f"Disconnect *{name}*? Syncs and webhooks stop; its contacts and pipeline stay."),
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Disconnect"},
                        "style": "danger",
                        "action_id": DISCONNECT_ACTION,
                        "value": str(page.id),
                    }
                ],
            },
        ],
    )


def disconnected(page: Page) -> Message:
    return _message(
        f"{page.name} is disconnected",
        [_section(f":electric_plug: *{escape(page.name)}* is disconnected. `/fbsync connect` brings it back.")],
    )


# --- status and stats ---------------------------------------------------------------------------------------


def status_message(page: Page, jobs: list[SyncJob], now: datetime) -> Message:
    name = escape(page.name)
    blocks = [_section(f"*{name}*: latest syncs")]
    if page.needs_reauth:
        blocks.append(_section(f":warning: Facebook no longer accepts this page's token. Run {CONNECT_HINT}."))
    if not jobs:
        blocks.append(_section(f"No syncs yet. Start one with `/fbsync sync {name}`."))
        return _message(f"{page.name}: no syncs yet", blocks)
    for job in jobs[: MAX_LISTED // 2]:  # a job takes up to two blocks
        blocks.append(_section(_job_summary(job, now)))
        if job.errors:
            blocks.append(_context(_errors_digest(job, 3)))
    latest = jobs[0]
    return _message(f"{page.name}: last sync {_STATUS[latest.status][1].lower()}", blocks)


def _job_summary(job: SyncJob, now: datetime) -> str:
    emoji, label = _STATUS[job.status]
    head = [f"{emoji} *{label}*"]
    if job.full_sync:
        head.append("full sync")
    head.append(time_ago(_job_when(job), now))
    seconds = _job_seconds(job, now)
    if seconds is not None:
        head.append(format_duration(seconds))
    lines = [
        " · ".join(head),
        f"{job.synced_contacts:,} synced · {job.failed_contacts:,} failed · {job.analyzed_contacts:,} analysed",
    ]
    if job.is_active and job.cancel_requested:
        lines.append("_cancelling…_")
    if job.token_expired:
        lines.append(f"Reconnect required: run {CONNECT_HINT}, then sync again.")
    elif job.failure_reason:
        lines.append(f"Reason: {escape(job.failure_reason)}")
    return "\n".join(lines)


def stats_message(stats: PageStats, now: datetime) -> Message:
    score = f"{stats.average_score:.0f}" if stats.average_score is not None else "—"
    blocks = [
        _section(f"*{escape(stats.page.name)}*: {_plural(stats.contacts, 'contact')}"),
        _fields(
            f"*Messenger*\n{stats.messenger:,}",
            f"*Instagram*\n{stats.instagram:,}",
            f"*Average lead score*\n{score}",
            f"*AI coverage*\n{stats.ai_coverage:.0%} ({stats.analysed:,} analysed)",
        ),
        _section(_stage_table(stats.stages, stats.unplaced)),
    ]
    if stats.recent_jobs:
        blocks.append(_context(*(_recent_job(job, now) for job in stats.recent_jobs[:3])))
    return _message(f"{stats.page.name}: {stats.contacts:,} contacts, average lead score {score}", blocks)


def _stage_table(stages: list[StageCount], unplaced: int) -> str:
    widest = max((stage.contacts for stage in stages), default=0)
    lines = ["*Contacts per stage*"] + [_stage_row(stage, widest) for stage in stages]
    if not stages:
        lines.append("_No pipeline stages in use._")
    lines.append(f"Not in a pipeline: {unplaced:,}")
    return "\n".join(lines)


def _stage_row(stage: StageCount, widest: int) -> str:
    filled = round(BAR_WIDTH * stage.contacts / widest) if widest else 0
    bar = "█" * filled + "░" * (BAR_WIDTH - filled)
    score = f" · avg score {stage.average_score:.0f}" if stage.average_score is not None else ""
    return f"`{bar}` {escape(stage.stage)}: {stage.contacts:,}{score}"


def _recent_job(job: SyncJob, now: datetime) -> str:
    emoji, label = _STATUS[job.status]
    return f"{emoji} {label} {time_ago(_job_when(job), now)}: {job.synced_contacts:,} synced"


# --- the sync thread ----------------------------------------------------------------------------------------


def sync_started(page: Page, user_id: str, job_id: int, full: bool) -> Message:
    text = f":arrows_counterclockwise: Syncing *{escape(page.name)}*"
    if user_id:
        text += f" — started by <@{user_id}>"
    if full:
        text += "\n_Full sync: every conversation is read again._"
    cancel = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Cancel"},
        "style": "danger",
        "action_id": CANCEL_ACTION,
        "value": str(job_id),
        "confirm": {
            "title": {"type": "plain_text", "text": "Cancel this sync?"},
            "text": {"type": "plain_text", "text": "Contacts synced so far are kept."},
            "confirm": {"type": "plain_text", "text": "Cancel sync"},
            "deny": {"type": "plain_text", "text": "Keep syncing"},
            "style": "danger",
        },
    }
    return _message(f"Syncing {page.name}", [_section(text), {"type": "actions", "elements": [cancel]}])


def sync_progress(progress: SyncProgress, now: datetime) -> Message:
    elapsed = (now - progress.started_at).total_seconds()
    lines = [
        f"*{progress.synced:,}* contacts synced · {progress.failed:,} failed",
        _reading_line(progress),
        _analysis_line(
            progress.analyzed,
            progress.stage_changes,
            progress.analysis_deferred,
            backlog=progress.analysis_backlog,
            rate=progress.analysis_rate,
        ),
    ]
    footer = f"Running {format_duration(elapsed)} · {_rate(progress.synced, elapsed)} contacts/min"
    return _message(
        f"{progress.page_name}: {progress.synced:,} contacts synced",
        [_section("\n".join(lines)), _context(footer)],
    )


def _reading_line(progress: SyncProgress) -> str:
    seen = f"{progress.conversations_seen:,} conversations seen"
    return f"Reading {_platform(progress.platform)} · {seen}" if progress.platform else seen


def _analysis_line(
    analysed: int,
    stage_changes: int,
    deferred: int,
    failed: int = 0,
    *,
    backlog: int = 0,
    rate: float | None = None,
    paused: str | None = None,
) -> str:
    """ "1,230 of 4,000 analysed · about 31 min left at 90/min · 12 stage changes"; the estimate is
    the backlog at the rate measured so far."""
    head = f"{analysed:,} of {analysed + backlog:,} analysed" if backlog else f"{analysed:,} analysed"
    if backlog and rate:
        head += f" · about {_eta(backlog / rate * 60)} left at {rate:,.0f}/min"
    parts = [head, _plural(stage_changes, "stage change")]
    if failed:
        parts.append(f"{failed:,} analysis failed")
    if backlog and paused:
        parts.append(f"analysis paused: {escape(paused)}")
    elif deferred and backlog:
        parts.append(f"{deferred:,} to be analysed later (AI quota)")
    return " · ".join(parts)


def platform_done(progress: SyncProgress, now: datetime) -> Message:
    label = _platform(progress.platform)
    count = progress.contacts_by_platform.get(progress.platform or "", 0)
    text = f":white_check_mark: {label} done: {_plural(count, 'contact')}"
    elapsed = format_duration((now - progress.started_at).total_seconds())
    return _message(f"{label} done: {_plural(count, 'contact')}", [_section(text), _context(f"after {elapsed}")])


def error_digest(job: SyncJob, limit: int = 5) -> Message:
    total = _error_total(job)
    if not total:
        return _message("No errors", [_section("No errors.")])
    text = f":warning: *{_plural(total, 'contact')} with errors*\n{_errors_digest(job, limit)}"
    return _message(f"{_plural(total, 'contact')} with errors", [_section(text)])


def _error_total(job: SyncJob) -> int:
    # `errors` keeps only the first failures; the counts keep the totals.
    return max(len(job.errors), job.failed_contacts + job.analysis_failed)


def _errors_digest(job: SyncJob, limit: int) -> str:
    lines = [_error_line(error) for error in job.errors[:limit]]
    more = _error_total(job) - len(lines)
    if more > 0:
        lines.append(f"…and {more:,} more")
    return "\n".join(lines)


def _error_line(error: dict[str, Any]) -> str:
    code = f" (code {error['code']})" if error.get("code") is not None else ""
    message = escape(_clip(str(error.get("error") or "unknown error"), MAX_ERROR_CHARS))
    return f"• {_platform(error.get('platform'))} {_code(str(error.get('id', '?')))}: {message}{code}"


def sync_finished(page: Page, user_id: str, job: SyncJob, stages: list[tuple[str, int]], now: datetime) -> Message:
    blocks = [_section(_finished_headline(page, job, now))]
    if job.status is JobStatus.COMPLETED and not job.token_expired:
        blocks += _completed_details(job, stages)
    footer = [part for part in (_started_by(user_id), "full sync" if job.full_sync else "") if part]
    if footer:
        blocks.append(_context(" · ".join(footer)))
    return _message(_finished_text(page, job), blocks)


def _started_by(user_id: str) -> str:
    # Jobs started outside Slack (CLI, schedules) have nobody to mention.
    return f"Started by <@{user_id}>" if user_id else ""


def _finished_headline(page: Page, job: SyncJob, now: datetime) -> str:
    name = escape(page.name)
    contacts = _plural(job.synced_contacts, "contact")
    seconds = _job_seconds(job, now)
    took = f" ({format_duration(seconds)})" if seconds is not None else ""
    if job.token_expired:
        return (
            f":warning: *Reconnect required*: Facebook no longer accepts the token of *{name}*."
            f" Run {CONNECT_HINT}, then sync again. ({contacts} synced before it stopped.)"
        )
    if job.status is JobStatus.COMPLETED:
        return f":white_check_mark: Synced {contacts} of *{name}*, {job.failed_contacts:,} failed{took}"
    if job.status is JobStatus.CANCELLED:
        return f":no_entry_sign: Sync of *{name}* cancelled after {contacts}{took}"
    reason = escape(job.failure_reason or "unknown error")
    return f":x: Sync of *{name}* failed after {contacts}{took}: {reason}"


def _completed_details(job: SyncJob, stages: list[tuple[str, int]]) -> list[Block]:
    analysis = _analysis_line(
        job.analyzed_contacts,
        job.stage_changes,
        job.analysis_deferred,
        job.analysis_failed,
        backlog=job.analysis_backlog,
        rate=job.analysis_rate,
        paused=job.analysis_deferred_reason,
    )
    if job.analysis_completed_at is not None:
        analysis = f":white_check_mark: Analysis complete ({job.analysis_completed_at:%H:%M} UTC): {analysis}"
    details = [_section(analysis)]
    if stages:
        breakdown = " · ".join(f"{escape(stage)}: {count:,}" for stage, count in stages)
        details.insert(0, _section(f"*Stages*\n{breakdown}"))
    return details


def _finished_text(page: Page, job: SyncJob) -> str:
    if job.token_expired:
        return f"Reconnect required for {page.name}"
    if job.status is JobStatus.COMPLETED:
        return f"Synced {job.synced_contacts:,} contacts of {page.name}, {job.failed_contacts:,} failed"
    if job.status is JobStatus.CANCELLED:
        return f"Sync of {page.name} cancelled after {job.synced_contacts:,} contacts"
    return f"Sync of {page.name} failed: {job.failure_reason or 'unknown error'}"
