"""Stage-change notices in a page's notify channel."""

from __future__ import annotations

from bot.slack_client import SlackClients, safe_call
from bot.views import escape
from core.pages import Page
from core.refresh import StageChange

SUMMARY_CHARS = 140


class SlackStageNotifier:
    def __init__(self, clients: SlackClients) -> None:
        self._clients = clients

    def stage_changed(self, page: Page, change: StageChange) -> None:
        channel = page.notify_channel
        client = self._clients.for_page(page) if channel else None
        if not (channel and client):
            return
        score = f" (score {change.lead_score})" if change.lead_score is not None else ""
        summary = change.summary if len(change.summary) <= SUMMARY_CHARS else change.summary[: SUMMARY_CHARS - 1] + "…"
        text = f"{escape(change.contact_name)} -> {escape(change.to_stage)}{score}: {escape(summary)}"
        safe_call(client.chat_postMessage, channel=channel, text=text, unfurl_links=False)
