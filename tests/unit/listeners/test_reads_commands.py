"""pages, pipelines, status and stats: anyone may ask, and the answer is about this workspace only."""

from __future__ import annotations

from bot.listeners.commands import handle_fbsync
from conftest import MEMBER
from support import visible_text


def test_pages_lists_the_workspaces_pages(slack, page):
    handle_fbsync(**slack.command("pages", user=MEMBER))

    text = visible_text(slack.answer())
    assert "*Connected pages* (1)" in text
    assert "*Bluebird Coffee*  `104857600000001`" in text and "Last synced never" in text


def test_pipelines_lists_the_stages_in_order(slack, page):
    handle_fbsync(**slack.command("pipelines", user=MEMBER))

    assert "*Sales*\nNew Lead → Contacted → Qualified Lead → Proposal Sent → Won → Lost" in visible_text(slack.answer())


def test_status_without_a_name_is_about_the_only_page(slack, page):
    handle_fbsync(**slack.command("status", user=MEMBER))

    assert visible_text(slack.answer()) == (
        "*Bluebird Coffee*: latest syncs\nNo syncs yet. Start one with `/fbsync sync Bluebird Coffee`."
    )


def test_stats_of_a_page_without_contacts(slack, page):
    handle_fbsync(**slack.command("stats bluebird", user=MEMBER))

    text = visible_text(slack.answer())
    assert "*Bluebird Coffee*: 0 contacts" in text and "Not in a pipeline: 0" in text


def test_a_page_nobody_connected_is_an_error_with_the_usage(slack, page):
    handle_fbsync(**slack.command("status corner deli", user=MEMBER))

    text = visible_text(slack.answer())
    assert ":warning: no connected page matches 'corner deli'" in text and "*Usage*" in text


def test_status_in_a_workspace_without_pages(slack):
    handle_fbsync(**slack.command("status", user=MEMBER))

    assert "no pages are connected to this workspace yet" in visible_text(slack.answer())
