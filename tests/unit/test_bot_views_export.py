"""The export's messages: what the requester reads, escaped, and each one a message Slack accepts."""

from __future__ import annotations

from bot.views.export import export_failed, export_progress, export_queued, export_ready
from support import PAGE, TRICKY, assert_slack_accepts, visible_text


def test_the_export_messages_read_as_the_requester_sees_them():
    shown = [
        export_queued(PAGE, "Qualified Lead"),
        export_progress(PAGE, None, 0, None),
        export_progress(PAGE, "Qualified Lead", 40000, 100000),
        export_ready(PAGE, None, 100000),
        export_failed(PAGE, None, "Slack refused the file: missing_scope"),
    ]
    for message in shown:
        assert_slack_accepts(message)
    assert [visible_text(m) for m in shown] == [
        ":outbox_tray: Exporting *Bluebird Coffee (Qualified Lead)* … you'll get the file by DM.",
        ":hourglass_flowing_sand: Exporting *Bluebird Coffee* …",
        ":hourglass_flowing_sand: Exporting *Bluebird Coffee (Qualified Lead)*: 40,000 of 100,000 contacts",
        ":white_check_mark: Export ready: 100,000 contacts of *Bluebird Coffee*",
        ":warning: The export of *Bluebird Coffee* failed: Slack refused the file: missing_scope",
    ]


def test_names_are_escaped_for_slack():
    message = export_ready(TRICKY, "<b>", 3)
    assert "&lt;Tom &amp; Jerry&gt; (&lt;b&gt;)" in visible_text(message)
    assert "<Tom" not in message["text"]
