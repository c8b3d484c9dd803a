"""The workspace's pages and pipelines, and the answers that configure them."""

from __future__ import annotations

from dataclasses import replace

from bot import views
from core.pages import PageSummary
from core.pipeline.matching import Stage
from core.pipeline.pipelines import AutoMode, Pipeline
from support import NOW, PAGE, SALES, buttons, visible_text


def test_pages_message():
    summaries = [
        PageSummary(PAGE, 347, 120, None),
        PageSummary(
            replace(
                PAGE,
                name="Corner Deli",
                page_id="555",
                instagram_account_id=None,
                last_synced_at=None,
                needs_reauth=True,
            ),
            12,
            0,
            9,
        ),
    ]
    text = visible_text(views.pages_message(summaries, NOW))
    assert "*Bluebird Coffee*" in text and "`104857600000001`" in text
    assert "Messenger: 347 contacts" in text and "Instagram @bluebird.coffee: 120 contacts" in text
    assert "Last synced 3 min ago" in text
    deli = text[text.index("Corner Deli") :]
    assert "Instagram" not in deli.split("\n")[1]
    assert "Last synced never" in deli and "sync running" in deli and "Needs reconnect" in deli
    assert text.count("sync running") == 1 and text.count("Needs reconnect") == 1


def test_no_pages_explains_how_to_connect():
    assert "`/fbsync connect`" in visible_text(views.pages_message([], NOW))


def test_pipelines_message_lists_stages_in_order():
    other = Pipeline(2, 1, "Wholesale Deals", (Stage(4, "Sample Sent", 0), Stage(5, "Ordered", 1)))
    text = visible_text(views.pipelines_message([SALES, other]))
    assert "*Sales*\nNew Lead → Contacted → Won" in text
    assert "*Wholesale Deals*\nSample Sent → Ordered" in text


def test_pipeline_set():
    text = visible_text(views.pipeline_set(PAGE, SALES, AutoMode.UPDATE_EXISTING))
    assert "*Bluebird Coffee*" in text and "*Sales*" in text and "may move" in text
    assert "stay where they are" in visible_text(views.pipeline_set(PAGE, SALES, AutoMode.SKIP_EXISTING))
    assert "off for *Bluebird Coffee*" in visible_text(views.pipeline_set(PAGE, None, AutoMode.SKIP_EXISTING))


def test_connect_link_is_a_button_that_opens_the_link():
    message = views.connect_link("https://fbsync.example.com/connect/start?state=abc")
    [button] = buttons(message)
    assert (button["action_id"], button["url"]) == (
        views.CONNECT_LINK_ACTION,
        "https://fbsync.example.com/connect/start?state=abc",
    )
    assert "The link works once, for 10 minutes, and only for you." in visible_text(message)


def test_disconnect_asks_first_and_then_says_how_to_come_back():
    message = views.disconnect_confirm(PAGE)
    [button] = buttons(message)
    assert (button["action_id"], button["value"], button["style"]) == (views.DISCONNECT_ACTION, "1", "danger")
    assert "Disconnect *Bluebird Coffee*? Syncs and webhooks stop" in visible_text(message)
    assert "`/fbsync connect` brings it back" in visible_text(views.disconnected(PAGE))
