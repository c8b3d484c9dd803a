"""Buttons: Cancel on a sync's parent, Disconnect, and the Connect link's click; each acks first, and a
button is only trusted for the clicking workspace's own pages."""

from __future__ import annotations

import logging

from bot import views
from bot.listeners.actions import handle_cancel, handle_disconnect
from conftest import MEMBER
from core import jobs, pages
from support import visible_text

OTHER_TEAM = "T0OTHER"


def queued_job(pool, page) -> jobs.SyncJob:
    with pool.connection() as conn:
        return jobs.create_job(conn, page.id, requested_by="U0ADMIN", stale_after_seconds=600)


def test_cancel_button_cancels_the_job_and_answers_only_the_clicker(slack, pool, page):
    job = queued_job(pool, page)

    handle_cancel(**slack.action(views.CANCEL_ACTION, str(job.id)))

    answer = slack.answer()
    assert (answer.pop("replace_original"), answer.pop("response_type")) == (False, "ephemeral")
    assert "Cancelled the queued sync of *Bluebird Coffee* before it started." in visible_text(answer)
    with pool.connection() as conn:
        assert jobs.get_job(conn, job.id).status is jobs.JobStatus.CANCELLED


def test_disconnect_button_deactivates_the_page_in_place(slack, pool, page):
    handle_disconnect(**slack.action(views.DISCONNECT_ACTION, str(page.id)))

    answer = slack.answer()
    assert answer.pop("replace_original") is True
    assert "*Bluebird Coffee* is disconnected. `/fbsync connect` brings it back." in visible_text(answer)
    with pool.connection() as conn:
        assert not pages.get_page(conn, page.id).is_active


def test_a_member_may_not_click_disconnect(slack, pool, page):
    handle_disconnect(**slack.action(views.DISCONNECT_ACTION, str(page.id), user=MEMBER))

    assert "Only workspace admins and owners" in visible_text(slack.answer())
    with pool.connection() as conn:
        assert pages.get_page(conn, page.id).is_active


def test_another_workspaces_click_is_refused_and_logged(slack, pool, page, caplog):
    job = queued_job(pool, page)

    with caplog.at_level(logging.WARNING, logger="bot.listeners"):
        handle_cancel(**slack.action(views.CANCEL_ACTION, str(job.id), team=OTHER_TEAM))

    assert "That page is not connected to this workspace." in visible_text(slack.answer())
    assert f"cancel refused: not this workspace's page team_id={OTHER_TEAM}" in caplog.text
    with pool.connection() as conn:
        assert not jobs.get_job(conn, job.id).cancel_requested


def test_a_cancel_click_without_a_job_id_is_logged_and_ignored(slack, page, caplog):
    with caplog.at_level(logging.WARNING, logger="bot.listeners.actions"):
        handle_cancel(**slack.action(views.CANCEL_ACTION, None))

    assert slack.answers() == []
    assert "cancel button without a job id" in caplog.text
