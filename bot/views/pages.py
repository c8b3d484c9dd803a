"""A workspace's pages and pipelines, and the answers to the commands that configure or connect them."""

from __future__ import annotations

from datetime import datetime

from bot.views.blocks import (
    CONNECT_HINT,
    CONNECT_LINK_ACTION,
    DISCONNECT_ACTION,
    Message,
    actions,
    button,
    capped,
    code,
    context,
    escape,
    message,
    section,
)
from bot.views.format import plural, time_ago
from core.pages import Page, PageSummary
from core.pipeline.pipelines import AutoMode, Pipeline
from core.schedule import format_interval
from core.token_health import EXPIRY_WARNING as TOKEN_EXPIRY_WARNING

_MODES = {
    AutoMode.SKIP_EXISTING: "New contacts are placed; contacts already in a pipeline stay where they are.",
    AutoMode.UPDATE_EXISTING: "Every analysed contact is re-evaluated and may move to another stage.",
}


def pages_message(summaries: list[PageSummary], now: datetime) -> Message:
    if not summaries:
        return message(
            "No Facebook pages connected yet",
            [section(f":electric_plug: No Facebook pages connected yet. Run {CONNECT_HINT} to connect one.")],
        )
    blocks = [section(f"*Connected pages* ({len(summaries)})")]
    blocks += capped([section(_page_line(s, now)) for s in summaries], len(summaries), "pages")
    blocks.append(context("`/fbsync PAGE` to sync · `/fbsync stats PAGE` for numbers · `/fbsync status PAGE`"))
    names = ", ".join(s.page.name for s in summaries)
    return message(f"{len(summaries)} connected pages: {names}", blocks)


def _page_line(summary: PageSummary, now: datetime) -> str:
    page = summary.page
    lines = [
        f"*{escape(page.name)}*  {code(page.page_id)}",
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
    counts = [f"Messenger: {plural(summary.messenger_contacts, 'contact')}"]
    if summary.page.instagram_account_id:
        handle = f" @{escape(summary.page.instagram_username)}" if summary.page.instagram_username else ""
        counts.append(f"Instagram{handle}: {plural(summary.instagram_contacts, 'contact')}")
    return counts


def pipelines_message(pipelines: list[Pipeline]) -> Message:
    if not pipelines:
        return message("No pipelines yet", [section("No pipelines yet.")])
    blocks = [section(f"*Pipelines* ({len(pipelines)})")]
    blocks += capped([section(_pipeline_line(p)) for p in pipelines], len(pipelines), "pipelines")
    blocks.append(context("Choose a page's pipeline: `/fbsync pipeline PAGE PIPELINE [skip|update]`"))
    return message("Pipelines: " + ", ".join(p.name for p in pipelines), blocks)


def _pipeline_line(pipeline: Pipeline) -> str:
    return f"*{escape(pipeline.name)}*\n{_stage_path(pipeline)}"


def _stage_path(pipeline: Pipeline) -> str:
    return " → ".join(escape(name) for name in pipeline.stage_names) or "_no stages_"


def pipeline_set(page: Page, pipeline: Pipeline | None, mode: AutoMode) -> Message:
    name = escape(page.name)
    if pipeline is None:
        return message(
            f"Automatic pipeline assignment is off for {page.name}",
            [
                section(
                    f":no_entry_sign: Automatic pipeline assignment is off for *{name}*."
                    " Contacts still get AI summaries and lead scores."
                )
            ],
        )
    text = (
        f":white_check_mark: Analysed contacts of *{name}* now go to *{escape(pipeline.name)}*"
        f"\n{_stage_path(pipeline)}\n{_MODES[mode]}"
    )
    return message(f"{page.name}: contacts go to {pipeline.name}", [section(text)])


def notify_set(page: Page, channel_id: str | None) -> Message:
    name = escape(page.name)
    if channel_id is None:
        return message(
            f"Stage-change notices for {page.name} are off",
            [section(f":no_bell: Stage-change notices for *{name}* are off.")],
        )
    alerts = code(f'/fbsync alerts "{page.name}"')
    return message(
        f"Stage changes of {page.name} will be posted in this channel",
        [
            section(
                f":bell: Contacts of *{name}* that change stage between syncs will be announced in <#{channel_id}>."
            ),
            context(f"New hot leads get their lead card here too: {alerts} says which stages."),
        ],
    )


def schedule_set(page: Page, interval: str | None) -> Message:
    name = escape(page.name)
    if interval is None:
        return message(
            f"Scheduled syncs of {page.name} are off",
            [section(f":pause_button: Scheduled syncs of *{name}* are off; webhooks still update it.")],
        )
    return message(
        f"{page.name} syncs every {interval}",
        [section(f":calendar: *{name}* now syncs every *{interval}* (new activity only).")],
    )


def connect_link(url: str) -> Message:
    return message(
        "Connect your Facebook pages",
        [
            section(
                "Connect (or reconnect) the Facebook pages you manage. The link works once, for 10 minutes,"
                " and only for you."
            ),
            actions(button("Connect with Facebook", CONNECT_LINK_ACTION, url=url, style="primary")),
        ],
    )


def disconnect_confirm(page: Page) -> Message:
    name = escape(page.name)
    return message(
        f"Disconnect {page.name}?",
        [
            section(f"Disconnect *{name}*? Syncs and webhooks stop; its contacts and pipeline stay."),
            actions(button("Disconnect", DISCONNECT_ACTION, style="danger", value=str(page.id))),
        ],
    )


def disconnected(page: Page) -> Message:
    return message(
        f"{page.name} is disconnected",
        [section(f":electric_plug: *{escape(page.name)}* is disconnected. `/fbsync connect` brings it back.")],
    )
