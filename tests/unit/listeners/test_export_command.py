"""export: recorded and owed together, for admins only; the page and stage read from the words typed."""

from __future__ import annotations

from bot.listeners.commands import handle_fbsync
from conftest import MEMBER
from support import visible_text


def recorded(pool) -> list[tuple[int, int | None, str]]:
    """(page, stage, requester) of each export, and each one owed to the workers."""
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT e.facebook_page_id, e.stage_id, e.slack_user_id, w.kind FROM lead_exports e"
            " LEFT JOIN pending_work w ON w.kind = 'export' AND w.subject_id = e.id ORDER BY e.id"
        ).fetchall()
    assert all(row["kind"] == "export" for row in rows)
    return [(row["facebook_page_id"], row["stage_id"], row["slack_user_id"]) for row in rows]


def test_an_admin_exports_and_is_told_the_file_comes_by_dm(slack, pool, page):
    handle_fbsync(**slack.command("export bluebird"))

    assert visible_text(slack.answer()) == ":outbox_tray: Exporting *Bluebird Coffee* … you'll get the file by DM."
    assert recorded(pool) == [(page.id, None, "U0ADMIN")]


def test_the_words_are_the_page_when_the_last_is_no_stage(slack, pool, page):
    handle_fbsync(**slack.command("export Bluebird Coffee"))

    assert "Exporting *Bluebird Coffee*" in visible_text(slack.answer())
    assert recorded(pool) == [(page.id, None, "U0ADMIN")]


def test_a_member_is_refused_before_anything_is_recorded(slack, pool, page):
    handle_fbsync(**slack.command("export bluebird", user=MEMBER))

    assert "Only workspace admins" in visible_text(slack.answer())
    assert recorded(pool) == []
