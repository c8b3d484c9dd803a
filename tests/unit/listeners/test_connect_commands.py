"""connect (a single-use Facebook Login link) and disconnect (a button that asks first)."""

from __future__ import annotations

from bot import views
from bot.listeners.commands import handle_fbsync
from conftest import ADMIN, MEMBER, TEAM_ID
from core import pages
from support import buttons, visible_text


def test_connect_gives_the_asker_their_own_link(slack):
    handle_fbsync(**slack.command("connect"))

    answer = slack.answer()
    [button] = buttons(answer)
    assert (button["action_id"], button["url"]) == (
        views.CONNECT_LINK_ACTION,
        f"https://fbsync.test/connect/{TEAM_ID}/{ADMIN}",
    )
    assert "The link works once, for 10 minutes, and only for you." in visible_text(answer)


def test_a_member_gets_no_connect_link(slack):
    handle_fbsync(**slack.command("connect", user=MEMBER))

    answer = slack.answer()
    assert buttons(answer) == [] and "Only workspace admins and owners" in visible_text(answer)


def test_disconnect_asks_first(slack, pool, page):
    handle_fbsync(**slack.command("disconnect bluebird"))

    answer = slack.answer()
    [button] = buttons(answer)
    assert (button["action_id"], button["value"], button["style"]) == (views.DISCONNECT_ACTION, str(page.id), "danger")
    assert "Disconnect *Bluebird Coffee*?" in visible_text(answer)
    with pool.connection() as conn:
        assert pages.get_page(conn, page.id).is_active
