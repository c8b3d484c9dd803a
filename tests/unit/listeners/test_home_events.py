"""app_home_opened called directly, with a mock WebClient: what Slack refuses of the home, and what
then still reaches the person (the integration tests cover what Slack accepts)."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.listeners.events import home_opened
from conftest import ADMIN, due_in
from core import home, work
from core.pages import Page


def opened(slack: Any, tab: str = "home") -> None:
    slack.context["team_id"] = "T0FBSYNC"
    home_opened(
        event={"type": "app_home_opened", "user": ADMIN, "tab": tab}, context=slack.context, client=slack.client
    )


def refusal(method: str, error: str) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url=method,
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=200,
    )
    return SlackApiError(error, response)


@pytest.fixture
def placed(pool, page: Page) -> Page:
    """Three of the page's contacts in its first stage: a funnel worth drawing."""
    with pool.connection() as conn:
        conn.execute(
            "INSERT INTO contacts (facebook_page_id, messenger_psid, pipeline_id, stage_id)"
            " SELECT p.id, 'psid-' || n, p.auto_pipeline_id, (SELECT min(s.id) FROM pipeline_stages s"
            "  WHERE s.pipeline_id = p.auto_pipeline_id)"
            " FROM facebook_pages p, generate_series(1, 3) n WHERE p.id = %s",
            (page.id,),
        )
    return page


def published_views(slack: Any) -> list[dict[str, Any]]:
    return [call.kwargs["view"] for call in slack.client.views_publish.call_args_list]


def images(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [block for block in view["blocks"] if block["type"] == "image"]


def test_the_messages_tab_is_left_alone(slack, pool, page):
    opened(slack, tab="messages")
    assert slack.client.method_calls == []
    with pool.connection() as conn:
        assert home.audience(conn, page.organization_id) == []


def test_a_picture_slack_has_not_processed_yet_is_shown_at_the_next_publish(slack, pool, placed):
    slack.client.files_upload_v2.return_value = {"ok": True, "file": {"id": "F0NEW"}}
    slack.client.views_publish.side_effect = [refusal("views.publish", "invalid_blocks"), {"ok": True}]
    opened(slack)
    refused, shown = published_views(slack)
    assert images(refused)[0]["slack_file"] == {"id": "F0NEW"} and images(shown) == []
    assert "*Contacts per stage*" in str(shown)  # the funnel, as text bars
    with pool.connection() as conn:
        # Kept, and the home owed again shortly: by then Slack has processed the upload.
        assert home.funnel_images(conn, placed.organization_id, [placed.id])[placed.id].slack_file_id == "F0NEW"
        owed = conn.execute(
            "SELECT due_at - pending_since AS debounce FROM pending_work WHERE kind = 'home' AND subject_id = %s",
            (placed.organization_id,),
        ).fetchone()
        assert owed["debounce"].total_seconds() == home.PUBLISH_DEBOUNCE
    slack.client.files_upload_v2.assert_called_once()
    assert "channel" not in slack.client.files_upload_v2.call_args.kwargs  # private to the app


def test_a_stored_picture_slack_refuses_is_forgotten(slack, pool, placed):
    slack.client.files_upload_v2.return_value = {"ok": True, "file": {"id": "F0OLD"}}
    opened(slack)
    slack.client.views_publish.side_effect = [refusal("views.publish", "invalid_blocks"), {"ok": True}]
    opened(slack)  # the same counts: the stored file, which Slack no longer shows (deleted, say)
    slack.client.files_upload_v2.assert_called_once()
    assert images(published_views(slack)[-1]) == []
    with pool.connection() as conn:
        assert home.funnel_images(conn, placed.organization_id, [placed.id]) == {}  # uploaded anew next time
        assert due_in(conn, work.Kind.HOME, placed.organization_id) is None


def test_without_the_files_scope_the_home_has_its_text_bars(slack, pool, placed):
    slack.client.files_upload_v2.side_effect = refusal("files.getUploadURLExternal", "missing_scope")
    opened(slack)
    (view,) = published_views(slack)
    assert images(view) == [] and "*Contacts per stage*" in str(view)
    with pool.connection() as conn:
        assert home.audience(conn, placed.organization_id) == [ADMIN]
