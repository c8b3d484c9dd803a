"""`/fbsync alerts`: anyone sees which stages alert and where; only admins set them or turn them off."""

from __future__ import annotations

from bot.listeners.commands import handle_fbsync
from conftest import MEMBER, SALES_CHANNEL
from core import pages
from support import visible_text


def alert_stages(pool, page) -> list[str] | None:
    with pool.connection() as conn:
        row = conn.execute("SELECT alert_stages FROM facebook_pages WHERE id = %s", (page.id,)).fetchone()
    assert row is not None
    return row["alert_stages"]


def test_anyone_sees_the_default_alerts_and_how_to_get_a_channel(slack, pool, page):
    handle_fbsync(**slack.command("alerts bluebird", user=MEMBER))

    text = visible_text(slack.answer())
    assert "moves into *Qualified Lead* and *Proposal Sent* are announced once the page has a notify channel" in text
    assert '`/fbsync notify "Bluebird Coffee"`' in text
    assert alert_stages(pool, page) is None


def test_an_admin_chooses_the_stages_by_the_names_people_type(slack, pool, page):
    with pool.connection() as conn:
        pages.set_notify_channel(conn, page.id, SALES_CHANNEL)

    handle_fbsync(**slack.command("alerts bluebird proposal won"))

    assert f"into *Proposal Sent* and *Won* are announced in <#{SALES_CHANNEL}>" in visible_text(slack.answer())
    assert alert_stages(pool, page) == ["Proposal Sent", "Won"]

    slack.forget()
    handle_fbsync(**slack.command("alerts bluebird off"))
    assert "Lead alerts for *Bluebird Coffee* are off" in visible_text(slack.answer())
    assert alert_stages(pool, page) == []


def test_a_stage_the_pipeline_lacks_changes_nothing(slack, pool, page):
    handle_fbsync(**slack.command("alerts bluebird qualified wholesale"))

    text = visible_text(slack.answer())
    assert "No stage called “wholesale” in" in text and "Qualified Lead" in text
    assert alert_stages(pool, page) is None


def test_a_member_cannot_configure_alerts(slack, pool, page):
    handle_fbsync(**slack.command("alerts bluebird off", user=MEMBER))
    assert ":no_entry:" in visible_text(slack.answer())

    slack.forget()
    handle_fbsync(**slack.command("alerts bluebird won", user=MEMBER))
    assert ":no_entry:" in visible_text(slack.answer())
    assert alert_stages(pool, page) is None
