"""Connecting pages (a Facebook Login link) and disconnecting one (a confirm button)."""

from __future__ import annotations

from bot import views
from bot.listeners.commands.invocation import Invocation, named_page


def connect_pages(inv: Invocation) -> views.Message:
    return views.connect_link(inv.deps.connect_link(inv.team_id, inv.user_id, inv.channel_id))


def confirm_disconnect(inv: Invocation) -> views.Message:
    with inv.deps.pool.connection() as conn:
        return views.disconnect_confirm(named_page(conn, inv))
