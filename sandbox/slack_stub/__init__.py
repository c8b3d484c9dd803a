"""Slack Web API stand-in: a real HTTP server on 127.0.0.1 speaking the Web API wire format, so the
real `slack_sdk.WebClient(token=..., base_url=stub.base_url)` (urllib, its own HTTP stack) and Bolt
can be pointed at it.

What the SDK (slack_sdk 3.x) sends, and so what this serves:
    POST /api/{method}                                   (always POST, even for "GET" methods)
    Authorization: Bearer xoxb-...                       (a `token` form field is accepted too)
    application/json;charset=utf-8        for chat.postMessage / chat.update / chat.postEphemeral / views.publish
    application/x-www-form-urlencoded     for the rest; `blocks`/`attachments`/`files` arrive as JSON text
Answers are Slack's: HTTP 200 with {"ok": true, ...} or {"ok": false, "error": "..."} (what makes the
SDK raise SlackApiError), and HTTP 429 + `Retry-After: <seconds>` when rate limited (what
`RateLimitErrorRetryHandler` sleeps on). Query-string arguments are merged in, as Slack does. A token
carries scopes (X-OAuth-Scopes); a method whose scope it lacks answers missing_scope.

Posted messages are kept (with their edits) for assertions; rate limits and Slack errors can be
injected per method; `POST /response/{id}` stands in for slash-command and click response_urls.
Block Kit is checked as Slack checks it (blocks.py), in messages, responses and views.

Modules by concern: server (routing, auth, scopes, faults, the call log), workspace (members,
channels, chat.*), views (views.publish, the Home tab), files (files.getUploadURLExternal, the upload
URL, files.completeUploadExternal), oauth ("Add to Slack"), blocks (the Block Kit checks), wire.

"Add to Slack" (after enable_oauth): `GET /oauth/v2/authorize` approves at once as the person
install_as() names and redirects to the app with a single-use code; `oauth.v2.access` (client id
and secret by HTTP Basic or form fields) exchanges it for a bot token of that workspace, which the
API then accepts (auth.test answers with its team) until uninstall().

    python -m sandbox.slack_stub --port 8767 --channel C0SALES:sales --user U0ADMIN:ana:admin
"""

from sandbox.slack_stub.blocks import MESSAGE_MAX_BLOCKS, VIEW_MAX_BLOCKS, block_errors
from sandbox.slack_stub.cli import main
from sandbox.slack_stub.server import (
    DEFAULT_HOME_TAB_ENABLED,
    DEFAULT_SCOPES,
    METHODS,
    NEEDED_SCOPES,
    SlackStub,
)
from sandbox.slack_stub.workspace import BOT_ID, TEXT_LIMIT, WORKSPACE_URL

__all__ = [
    "BOT_ID",
    "DEFAULT_HOME_TAB_ENABLED",
    "DEFAULT_SCOPES",
    "MESSAGE_MAX_BLOCKS",
    "METHODS",
    "NEEDED_SCOPES",
    "TEXT_LIMIT",
    "VIEW_MAX_BLOCKS",
    "WORKSPACE_URL",
    "SlackStub",
    "block_errors",
    "main",
]
