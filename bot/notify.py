"""Stage-change notices in a page's notify channel."""

from __future__ import annotations

from bot import views
from bot.slack_client import SlackClients, safe_call
from core.pages import Page
from core.refresh import StageChange


class SlackStageNotifier:
    def __init__(self, clients: SlackClients) -> None:
        self._clients = clients

    def stage_changed(self, page: Page, change: StageChange) -> None:
        channel = page.notify_channel
        client = self._clients.for_page(page) if channel else None
        if not (channel and client):
            return
        safe_call(client.chat_postMessage, channel=channel, unfurl_links=False, **views.stage_change_notice(change))
