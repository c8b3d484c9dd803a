"""pipeline, notify and schedule: each sets one thing of a page and says what it set."""

from __future__ import annotations

from bot.listeners.commands import handle_fbsync
from conftest import SALES_CHANNEL
from support import visible_text


def page_row(pool, page) -> dict:
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT p.auto_pipeline_mode, pl.name AS pipeline, p.notify_channel, p.auto_sync, p.sync_interval"
            " FROM facebook_pages p LEFT JOIN pipelines pl ON pl.id = p.auto_pipeline_id WHERE p.id = %s",
            (page.id,),
        ).fetchone()
    assert row is not None
    return dict(row)


def test_pipeline_sets_where_contacts_go(slack, pool, page):
    handle_fbsync(**slack.command("pipeline bluebird Sales update"))

    text = visible_text(slack.answer())
    assert "Analysed contacts of *Bluebird Coffee* now go to *Sales*" in text and "may move" in text
    row = page_row(pool, page)
    assert (row["pipeline"], row["auto_pipeline_mode"]) == ("Sales", "UPDATE_EXISTING")


def test_pipeline_off(slack, pool, page):
    handle_fbsync(**slack.command("pipeline bluebird off"))

    assert "Automatic pipeline assignment is off for *Bluebird Coffee*" in visible_text(slack.answer())
    assert page_row(pool, page)["pipeline"] is None


def test_an_unknown_pipeline_is_an_error(slack, page):
    handle_fbsync(**slack.command("pipeline bluebird Wholesale"))

    assert "no pipeline named 'Wholesale'" in visible_text(slack.answer())


def test_notify_posts_stage_changes_in_this_channel_until_turned_off(slack, pool, page):
    handle_fbsync(**slack.command("notify bluebird"))
    assert f"will be announced in <#{SALES_CHANNEL}>" in visible_text(slack.answer())
    assert page_row(pool, page)["notify_channel"] == SALES_CHANNEL

    slack.forget()
    handle_fbsync(**slack.command("notify bluebird off"))
    assert "Stage-change notices for *Bluebird Coffee* are off." in visible_text(slack.answer())
    assert page_row(pool, page)["notify_channel"] is None


def test_schedule_every_six_hours(slack, pool, page):
    handle_fbsync(**slack.command("schedule bluebird 6h"))

    assert "*Bluebird Coffee* now syncs every *6h* (new activity only)." in visible_text(slack.answer())
    row = page_row(pool, page)
    assert (row["auto_sync"], row["sync_interval"]) == (True, 6 * 3600)


def test_schedule_off_keeps_the_interval_for_later(slack, pool, page):
    handle_fbsync(**slack.command("schedule bluebird off"))

    assert "Scheduled syncs of *Bluebird Coffee* are off; webhooks still update it." in visible_text(slack.answer())
    row = page_row(pool, page)
    assert (row["auto_sync"], row["sync_interval"]) == (False, page.sync_interval)


def test_schedule_refuses_what_is_not_an_interval(slack, pool, page):
    before = page_row(pool, page)
    handle_fbsync(**slack.command("schedule bluebird often"))

    assert "'often' is not an interval" in visible_text(slack.answer())
    assert page_row(pool, page) == before
