"""Who may change things: workspace admins and owners, plus the users configured by id."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.config import Settings

DENIED = (
    "Only workspace admins and owners, or users listed in FBSYNC_SLACK_ALLOWED_USERS, "
    "can start, cancel or configure syncs and move leads. Anyone can use `pages`, `status`, `stats`, `leads`"
    " and `find`."
)


def may_change(client: WebClient, settings: Settings, user_id: str) -> bool:
    if user_id in settings.slack_allowed_users:
        return True
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError:
        return False  # when in doubt, read-only
    return bool(user.get("is_admin") or user.get("is_owner"))
