"""Block Kit messages of the bot. Each function returns keyword arguments for chat.postMessage / chat.update /
respond: {"text": plain fallback for notifications, "blocks": [...]}. Pure: times are relative to a `now` passed in.

One module per surface; this package re-exports them all, so callers keep `views.sync_started(...)`."""

from bot.views.answers import (
    already_running,
    cancel_requested,
    denied,
    error_message,
    help_message,
    nothing_to_cancel,
    sync_queued,
)
from bot.views.blocks import (
    CANCEL_ACTION,
    CONNECT_HINT,
    CONNECT_LINK_ACTION,
    DISCONNECT_ACTION,
    MAX_LISTED,
    SECTION_LIMIT,
    Block,
    Message,
    escape,
)
from bot.views.format import format_duration, time_ago
from bot.views.lead_card import ACCEPT_AI_ACTION, MOVE_ACTION, NOT_A_LEAD_ACTION, OPEN_INBOX_ACTION, lead_card
from bot.views.lead_list import (
    MORE_LEADS_ACTION,
    found_message,
    lead_not_changed,
    lead_updated,
    leads_message,
    swap_card,
)
from bot.views.notices import scheduled_summary, stage_change_notice, token_warning
from bot.views.pages import (
    connect_link,
    disconnect_confirm,
    disconnected,
    notify_set,
    pages_message,
    pipeline_set,
    pipelines_message,
    schedule_set,
)
from bot.views.status import BAR_WIDTH, stats_message, status_message
from bot.views.sync_job import MAX_ERROR_CHARS
from bot.views.sync_thread import (
    batch_finished,
    batch_submitted,
    error_digest,
    platform_done,
    sync_finished,
    sync_progress,
    sync_started,
)

__all__ = [
    "ACCEPT_AI_ACTION",
    "MORE_LEADS_ACTION",
    "MOVE_ACTION",
    "NOT_A_LEAD_ACTION",
    "OPEN_INBOX_ACTION",
    "BAR_WIDTH",
    "CANCEL_ACTION",
    "CONNECT_HINT",
    "CONNECT_LINK_ACTION",
    "DISCONNECT_ACTION",
    "MAX_ERROR_CHARS",
    "MAX_LISTED",
    "SECTION_LIMIT",
    "Block",
    "Message",
    "already_running",
    "cancel_requested",
    "connect_link",
    "denied",
    "disconnect_confirm",
    "disconnected",
    "error_digest",
    "error_message",
    "escape",
    "format_duration",
    "found_message",
    "help_message",
    "lead_card",
    "lead_not_changed",
    "lead_updated",
    "leads_message",
    "notify_set",
    "nothing_to_cancel",
    "pages_message",
    "pipeline_set",
    "pipelines_message",
    "platform_done",
    "batch_finished",
    "batch_submitted",
    "schedule_set",
    "scheduled_summary",
    "stage_change_notice",
    "stats_message",
    "status_message",
    "sync_finished",
    "sync_progress",
    "sync_queued",
    "swap_card",
    "sync_started",
    "time_ago",
    "token_warning",
]
