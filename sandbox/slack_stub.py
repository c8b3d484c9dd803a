"""Slack Web API stand-in: a real HTTP server on 127.0.0.1 speaking the Web API wire format, so the
real `slack_sdk.WebClient(token=..., base_url=stub.base_url)` (urllib, its own HTTP stack) and Bolt
can be pointed at it.

What the SDK (slack_sdk 3.x) sends, and so what this serves:
    POST /api/{method}                                   (always POST, even for "GET" methods)
    Authorization: Bearer xoxb-...                       (a `token` form field is accepted too)
    application/json;charset=utf-8        for chat.postMessage / chat.update / chat.postEphemeral
    application/x-www-form-urlencoded     for the rest; `blocks`/`attachments` arrive as JSON text
Answers are Slack's: HTTP 200 with {"ok": true, ...} or {"ok": false, "error": "..."} (what makes the
SDK raise SlackApiError), and HTTP 429 + `Retry-After: <seconds>` when rate limited (what
`RateLimitErrorRetryHandler` sleeps on). Query-string arguments are merged in, as Slack does.

Posted messages are kept (with their edits) for assertions; rate limits and Slack errors can be
injected per method; `POST /response/{id}` stands in for slash-command response_urls.

"Add to Slack" (after enable_oauth): `GET /oauth/v2/authorize` approves at once as the person
install_as() names and redirects to the app with a single-use code; `oauth.v2.access` (client id
and secret by HTTP Basic or form fields) exchanges it for a bot token of that workspace, which the
API then accepts (auth.test answers with its team) until uninstall().

    python -m sandbox.slack_stub --port 8767 --channel C0SALES:sales --user U0ADMIN:ana:admin
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import re
import secrets
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from sandbox.http_stub import HOST, HttpStub, RequestHeaders, Response, StubHandler, serve_until_stopped

__all__ = ["BOT_ID", "METHODS", "SlackStub", "block_errors"]

BOT_ID = "B0BOT"
WORKSPACE_URL = "https://fbsync-test.slack.com/"
_TEAM_NAME = "fbsync test"
_BOT_NAME = "fbsync"
# What a bot token for this app would carry; Bolt reads it from auth.test's X-OAuth-Scopes header.
_SCOPES = "chat:write,commands,im:write,users:read"

_API_PATH = re.compile(r"^/api/([^/]*)$")
_AUTHORIZE_PATH = "/oauth/v2/authorize"
_SCOPE = re.compile(r"^[a-z]+(?:[:.][a-z_.]+)*$")
_CODE_TTL_SECONDS = 600
# Methods an app calls with its client id and secret instead of a token.
_CLIENT_AUTHENTICATED = frozenset({"oauth.v2.access"})
_RESPONSE_PATH = re.compile(r"^/response/([^/]+)$")
_JSON_TYPE = "application/json; charset=utf-8"
_TEXT_TYPE = "text/plain; charset=utf-8"

# Form bodies carry these as JSON text; each maps to the error Slack gives when the text is not JSON.
_JSON_FIELDS = {
    "blocks": "invalid_blocks_format",
    "attachments": "invalid_attachments",
    "metadata": "invalid_metadata_format",
}
_MAX_BLOCKS = 50


class _SlackError(Exception):
    """An {"ok": false, "error": code} answer; `messages` become response_metadata.messages."""

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages


@dataclass
class _Channel:
    id: str
    name: str
    bot_is_member: bool


@dataclass
class _Message:
    channel: str
    ts: str
    thread_ts: str | None
    text: str
    blocks: list[dict[str, Any]] | None
    attachments: list[Any] | None
    updates: int = 0
    history: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _OAuthApp:
    client_id: str
    client_secret: str
    redirect_urls: tuple[str, ...]
    app_id: str


@dataclass(frozen=True)
class _Grant:
    """What an approved authorize hands to oauth.v2.access, once."""

    team_id: str
    team_name: str
    user_id: str
    scopes: str
    redirect_uri: str | None  # as given to authorize: oauth.v2.access must repeat it
    expires_at: float


@dataclass
class _Fault:
    retry_after: int | None  # set: HTTP 429 ratelimited with this Retry-After
    error: str | None  # set: HTTP 200 {"ok": false, "error": error}


# --- The server --------------------------------------------------------------------------------


class _Handler(StubHandler):
    do_GET = do_POST = StubHandler.dispatch


class SlackStub(HttpStub):
    """A Slack Web API server for tests, the demo and benchmarks. See the module docstring."""

    _handler = _Handler
    _thread_name = "slack-stub"

    def __init__(
        self, token: str = "xoxb-test", team_id: str = "T0FBSYNC", bot_user_id: str = "U0BOT", port: int = 0
    ) -> None:
        if not token:
            raise ValueError("token must be non-empty")
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        super().__init__(port)
        self._users: dict[str, dict[str, Any]] = {}
        self._channels: dict[str, _Channel] = {}
        self._calls: list[dict[str, Any]] = []
        self._messages: list[_Message] = []
        self._by_ts: dict[tuple[str, str], _Message] = {}
        self._ephemerals: list[dict[str, Any]] = []
        self._responses: list[dict[str, Any]] = []
        self._response_ids: set[str] = set()
        self._open_dms: set[str] = set()
        self._faults: dict[str, deque[_Fault]] = {}
        self._last_ts_us = 0
        self._team_of_token: dict[str, str] = {token: team_id}
        self._caller_team = team_id  # the team of the token of the call being handled
        self._oauth: _OAuthApp | None = None
        self._grants: dict[str, _Grant] = {}
        self._installer = (team_id, _TEAM_NAME, "")
        # The bot is a workspace member like any other, so users.info on it answers as Slack does.
        self._users[bot_user_id] = self._user_record(
            bot_user_id, _BOT_NAME, is_admin=False, is_owner=False, is_bot=True
        )

    # -- lifecycle: start(), stop(), port, errors and the context manager come from HttpStub

    @property
    def base_url(self) -> str:
        # The SDK concatenates base_url + method, so the trailing slash is load-bearing.
        return f"http://{HOST}:{self.port}/api/"

    # -- scenario setup

    def add_user(self, user_id: str, name: str, is_admin: bool = False, is_owner: bool = False) -> None:
        """A workspace member for users.info; re-adding an id replaces it."""
        record = self._user_record(user_id, name, is_admin=is_admin, is_owner=is_owner, is_bot=False)
        with self._lock:
            self._users[user_id] = record

    def add_channel(self, channel_id: str, name: str, bot_is_member: bool = True) -> None:
        """A public/private channel; re-adding an id replaces it (how a test invites the bot later)."""
        if not channel_id or channel_id[0] not in "CG":
            raise ValueError("channel ids start with C (or G for old private channels); DMs need no setup")
        with self._lock:
            self._channels[channel_id] = _Channel(channel_id, name.lstrip("#"), bot_is_member)

    # -- "Add to Slack"

    def enable_oauth(
        self, client_id: str, client_secret: str, redirect_urls: list[str], app_id: str = "A0FBSYNC"
    ) -> None:
        """Serve the OAuth v2 flow for an app with these credentials and redirect URLs."""
        if not (client_id and client_secret and redirect_urls):
            raise ValueError("client_id, client_secret and at least one redirect URL are required")
        with self._lock:
            self._oauth = _OAuthApp(client_id, client_secret, tuple(redirect_urls), app_id)

    def install_as(self, team_id: str, team_name: str, user_id: str) -> None:
        """The person (and workspace) who approves the next authorize requests."""
        with self._lock:
            self._installer = (team_id, team_name, user_id)

    def uninstall(self, team_id: str) -> None:
        """The app is removed from a workspace: its bot tokens stop working (Slack then sends the
        app_uninstalled and tokens_revoked events, which a test posts itself)."""
        with self._lock:
            for token in [t for t, team in self._team_of_token.items() if team == team_id]:
                del self._team_of_token[token]

    @property
    def authorize_url(self) -> str:
        return f"http://{HOST}:{self.port}{_AUTHORIZE_PATH}"

    # -- fault injection

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls of `method` answer HTTP 429 ratelimited with `Retry-After`."""
        # The SDK parses Retry-After with int(); a fractional value would crash its retry handler.
        if isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0:
            raise ValueError("retry_after must be a whole number of seconds >= 0")
        self._queue(method, times, _Fault(retry_after=retry_after, error=None))

    def fail(self, method: str, error: str, times: int = 1) -> None:
        """The next `times` calls of `method` answer HTTP 200 {"ok": false, "error": error}."""
        if not error:
            raise ValueError("error must be a Slack error code such as 'channel_not_found'")
        self._queue(method, times, _Fault(retry_after=None, error=error))

    def reset(self) -> None:
        """Forget calls, messages, ephemerals, responses, opened DMs and pending faults; users,
        channels and issued response URLs stay."""
        with self._lock:
            self._calls.clear()
            self._messages.clear()
            self._by_ts.clear()
            self._ephemerals.clear()
            self._responses.clear()
            self._open_dms.clear()
            self._faults.clear()

    def response_url(self) -> str:
        """A fresh absolute URL to answer a slash command on, as Slack puts in its payload."""
        response_id = secrets.token_hex(8)
        with self._lock:
            self._response_ids.add(response_id)
        return f"http://{HOST}:{self.port}/response/{response_id}"

    # -- inspection

    @property
    def calls(self) -> list[dict[str, Any]]:
        """Every /api/ request, oldest first: method, args (without the token), at, status, ok, error."""
        with self._lock:
            return copy.deepcopy(self._calls)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy([call for call in self._calls if call["method"] == method])

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Posted messages as they are now (edits applied), in posting order; `channel` is the id
        Slack answered with (a DM's "D..." id, not the user id posted to)."""
        with self._lock:
            return [_snapshot(message) for message in self._messages if channel is None or message.channel == channel]

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """The replies (not the parent) in the thread under message `ts`, in order."""
        with self._lock:
            return [
                _snapshot(message)
                for message in self._messages
                if message.channel == channel and message.thread_ts == ts
            ]

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        """chat.postEphemeral messages: channel, user, text, blocks, thread_ts, message_ts."""
        with self._lock:
            return copy.deepcopy(self._ephemerals)

    @property
    def responses(self) -> list[dict[str, Any]]:
        """Accepted response_url posts, oldest first: id, body (the parsed JSON)."""
        with self._lock:
            return copy.deepcopy(self._responses)

    # -- request handling (called from server threads)

    def _respond(self, method: str, target: str, headers: RequestHeaders, body: bytes) -> Response:
        parts = urlsplit(target)
        try:
            api = _API_PATH.match(parts.path)
            if api:
                return self._api(api.group(1), parts.query, headers, body)
            if parts.path == _AUTHORIZE_PATH and method == "GET":
                return self._authorize(parts.query)
            hook = _RESPONSE_PATH.match(parts.path)
            if hook and method == "POST":
                return self._response_post(hook.group(1), body)
            return Response(404, b"Not Found", {"Content-Type": _TEXT_TYPE})
        except Exception:  # noqa: BLE001 - a stub bug must not kill the connection or spam stderr
            self._record_error()
            return _slack_json(200, {"ok": False, "error": "internal_error"})

    def _api(self, method: str, query: str, headers: RequestHeaders, body: bytes) -> Response:
        entry: dict[str, Any] = {
            "method": method,
            "args": {},
            "at": time.monotonic(),
            "status": 200,
            "ok": False,
            "error": None,
        }
        try:
            handler = _HANDLERS.get(method)
            if handler is None:
                raise _SlackError("unknown_method")
            args, form_token = _parse_args(headers.get("Content-Type"), body, query)
            entry["args"] = args
            token = _bearer(headers.get("Authorization")) or form_token
            if method in _CLIENT_AUTHENTICATED:
                args.update(_basic_credentials(headers.get("Authorization")))
                team = None
            else:
                if not token:
                    raise _SlackError("not_authed")
                team = self._token_team(token)
                if team is None:
                    raise _SlackError("invalid_auth")
                entry["team"] = team
            _decode_json_fields(args)
            with self._lock:
                self._caller_team = team or self.team_id
                fault = self._take_fault(method)
                if fault is not None and fault.retry_after is not None:
                    entry.update(status=429, error="ratelimited")
                    return _slack_json(
                        429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(fault.retry_after)}
                    )
                if fault is not None:
                    raise _SlackError(str(fault.error))
                payload = handler(self, args)
            entry["ok"] = True
            return _slack_json(200, {"ok": True, **payload}, {"X-OAuth-Scopes": _SCOPES})
        except _SlackError as exc:
            entry["error"] = exc.error
            answer: dict[str, Any] = {"ok": False, "error": exc.error}
            if exc.error == "unknown_method":
                answer["req_method"] = method
            if exc.messages:
                answer["response_metadata"] = {"messages": exc.messages}
            return _slack_json(200, answer)
        finally:
            # Logged before the response is sent, so a caller sees its call as soon as it has the answer.
            with self._lock:
                self._calls.append(entry)

    def _response_post(self, response_id: str, body: bytes) -> Response:
        with self._lock:
            known = response_id in self._response_ids
        if not known:
            return Response(404, b"no_service", {"Content-Type": _TEXT_TYPE})
        try:
            payload = json.loads(body or b"")
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("text", ""), str):
            return Response(400, b"invalid_payload", {"Content-Type": _TEXT_TYPE})
        blocks = payload.get("blocks")
        if blocks is not None and (not isinstance(blocks, list) or block_errors(blocks)):
            # What Slack answers a response_url post it cannot render; the user sees nothing.
            return Response(400, b"invalid_blocks", {"Content-Type": _TEXT_TYPE})
        with self._lock:
            self._responses.append({"id": response_id, "body": payload})
        return Response(200, b"ok", {"Content-Type": _TEXT_TYPE})

    def _queue(self, method: str, times: int, fault: _Fault) -> None:
        if method not in _HANDLERS:
            raise ValueError(f"the stub does not serve {method!r}; it serves {', '.join(METHODS)}")
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError("times must be an integer >= 1")
        with self._lock:
            self._faults.setdefault(method, deque()).extend([fault] * times)

    def _take_fault(self, method: str) -> _Fault | None:
        pending = self._faults.get(method)
        return pending.popleft() if pending else None

    # -- methods (called with the lock held; raise _SlackError for {"ok": false})

    def _token_team(self, token: str) -> str | None:
        with self._lock:
            known = list(self._team_of_token.items())
        return next(
            (team for candidate, team in known if secrets.compare_digest(candidate.encode(), token.encode())), None
        )

    def _authorize(self, query: str) -> Response:
        """Slack's consent screen, approved at once by the installer; errors are pages, as Slack's are."""
        params = dict(parse_qsl(query, keep_blank_values=True))
        with self._lock:
            app, (team_id, team_name, user_id) = self._oauth, self._installer
            if app is None:
                return Response(404, b"Not Found", {"Content-Type": _TEXT_TYPE})
            if params.get("client_id") != app.client_id:
                return Response(400, b"invalid_client_id", {"Content-Type": _TEXT_TYPE})
            redirect_uri = params.get("redirect_uri") or None
            if redirect_uri is not None and redirect_uri not in app.redirect_urls:
                return Response(400, b"bad_redirect_uri", {"Content-Type": _TEXT_TYPE})
            scopes = [scope for scope in params.get("scope", "").split(",") if scope]
            if not scopes or not all(_SCOPE.match(scope) for scope in scopes):
                return Response(400, b"invalid_scope", {"Content-Type": _TEXT_TYPE})
            code = f"{int(time.time())}.{secrets.token_hex(16)}"
            self._grants[code] = _Grant(
                team_id, team_name, user_id, ",".join(scopes), redirect_uri, time.monotonic() + _CODE_TTL_SECONDS
            )
        back = {"code": code, **({"state": params["state"]} if "state" in params else {})}
        target = redirect_uri or app.redirect_urls[0]
        separator = "&" if "?" in target else "?"
        return Response(302, b"", {"Location": f"{target}{separator}{urlencode(back)}"})

    def _oauth_access(self, args: dict[str, Any]) -> dict[str, Any]:
        app = self._oauth
        if app is None or args.get("client_id") != app.client_id:
            raise _SlackError("invalid_client_id")
        if not secrets.compare_digest(str(args.get("client_secret", "")).encode(), app.client_secret.encode()):
            raise _SlackError("bad_client_secret")
        grant = self._grants.pop(str(args.get("code", "")), None)  # a code works once
        if grant is None or grant.expires_at < time.monotonic():
            raise _SlackError("invalid_code")
        if grant.redirect_uri is not None and args.get("redirect_uri") != grant.redirect_uri:
            raise _SlackError("bad_redirect_uri")
        token = f"xoxb-{grant.team_id}-{secrets.token_hex(12)}"
        self._team_of_token[token] = grant.team_id
        return {
            "access_token": token,
            "token_type": "bot",
            "scope": grant.scopes,
            "bot_user_id": self.bot_user_id,
            "app_id": app.app_id,
            "team": {"name": grant.team_name, "id": grant.team_id},
            "enterprise": None,
            "authed_user": {"id": grant.user_id},
            "is_enterprise_install": False,
        }

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": WORKSPACE_URL,
            "team": _TEAM_NAME,
            "user": _BOT_NAME,
            "team_id": self._caller_team,
            "user_id": self.bot_user_id,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable_channel(args.get("channel"))
        text, blocks, attachments = _content(args)
        thread_ts = _optional_str(args.get("thread_ts"))
        message = _Message(channel, self._next_ts(), thread_ts, text or "", blocks, attachments)
        self._messages.append(message)
        self._by_ts[(channel, message.ts)] = message
        return {"channel": channel, "ts": message.ts, "message": self._render(message)}

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self._existing_message(args.get("channel"), args.get("ts"))
        text, blocks, attachments = _content(args)
        message.history.append(message.text)
        message.updates += 1
        # Slack keeps what an update leaves out; an empty blocks list is how one removes blocks.
        if text is not None:
            message.text = text
        if blocks is not None:
            message.blocks = blocks or None
        if attachments is not None:
            message.attachments = attachments or None
        return {"channel": message.channel, "ts": message.ts, "text": message.text, "message": self._render(message)}

    def _post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable_channel(args.get("channel"))
        user = _optional_str(args.get("user"))
        if not user:
            raise _SlackError("user_not_in_channel")
        text, blocks, _ = _content(args)
        message_ts = self._next_ts()
        self._ephemerals.append(
            {
                "channel": channel,
                "user": user,
                "text": text or "",
                "blocks": blocks,
                "thread_ts": _optional_str(args.get("thread_ts")),
                "message_ts": message_ts,
            }
        )
        return {"message_ts": message_ts}

    def _open_conversation(self, args: dict[str, Any]) -> dict[str, Any]:
        requested = _optional_str(args.get("channel"))
        if requested:
            # Reopening an existing conversation by id.
            if requested[0] != "D" and requested not in self._channels:
                raise _SlackError("channel_not_found")
            return {"no_op": True, "already_open": True, "channel": {"id": requested}}
        raw = args.get("users")
        users = raw if isinstance(raw, list) else str(raw or "").split(",")
        users = sorted({str(user).strip() for user in users if str(user).strip()})
        if not users:
            raise _SlackError("users_list_not_supplied")
        if len(users) == 1:
            channel_id = _dm_id(users[0])
        else:
            # A group DM: stable per set of members, as Slack reuses an existing mpim.
            channel_id = "G" + hashlib.sha1(",".join(users).encode()).hexdigest()[:10].upper()
        if channel_id in self._open_dms:
            return {"no_op": True, "already_open": True, "channel": {"id": channel_id}}
        self._open_dms.add(channel_id)
        return {"channel": {"id": channel_id}}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._users.get(_optional_str(args.get("user")) or "")
        if user is None:
            raise _SlackError("user_not_found")
        return {"user": copy.deepcopy(user)}

    def _get_permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self._existing_message(args.get("channel"), args.get("message_ts"))
        permalink = f"{WORKSPACE_URL}archives/{message.channel}/p{message.ts.replace('.', '')}"
        if message.thread_ts:
            permalink += f"?thread_ts={message.thread_ts}&cid={message.channel}"
        return {"channel": message.channel, "permalink": permalink}

    # -- helpers

    def _postable_channel(self, raw: Any) -> str:
        """The channel id a post lands in, or Slack's reason it cannot."""
        channel = _optional_str(raw) or ""
        if channel[:1] in ("U", "W"):
            return _dm_id(channel)  # Slack posts to the app's DM with that user
        if channel.startswith("D"):
            return channel
        known = self._channels.get(channel) or next(
            (candidate for candidate in self._channels.values() if candidate.name == channel.lstrip("#")), None
        )
        if known is None:
            raise _SlackError("channel_not_found")
        if not known.bot_is_member:
            raise _SlackError("not_in_channel")
        return known.id

    def _existing_message(self, raw_channel: Any, raw_ts: Any) -> _Message:
        channel = _optional_str(raw_channel) or ""
        # Editing and linking need the conversation id; Slack does not resolve user ids or names here.
        if not channel.startswith("D") and channel not in self._channels:
            raise _SlackError("channel_not_found")
        message = self._by_ts.get((channel, _optional_str(raw_ts) or ""))
        if message is None:
            raise _SlackError("message_not_found")
        return message

    def _next_ts(self) -> str:
        # Wall-clock microseconds like Slack's, bumped so that two posts never share a ts.
        micros = max(time.time_ns() // 1000, self._last_ts_us + 1)
        self._last_ts_us = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _render(self, message: _Message) -> dict[str, Any]:
        rendered: dict[str, Any] = {
            "type": "message",
            "text": message.text,
            "user": self.bot_user_id,
            "bot_id": BOT_ID,
            "team": self.team_id,
            "ts": message.ts,
        }
        if message.blocks:
            rendered["blocks"] = copy.deepcopy(message.blocks)
        if message.attachments:
            rendered["attachments"] = copy.deepcopy(message.attachments)
        if message.thread_ts:
            rendered["thread_ts"] = message.thread_ts
        return rendered

    def _user_record(self, user_id: str, name: str, *, is_admin: bool, is_owner: bool, is_bot: bool) -> dict[str, Any]:
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": name,
            # Slack makes every owner an admin too.
            "is_admin": bool(is_admin or is_owner),
            "is_owner": bool(is_owner),
            "is_bot": is_bot,
            "deleted": False,
            "profile": {"real_name": name, "display_name": name},
        }


_HANDLERS: dict[str, Callable[[SlackStub, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": SlackStub._auth_test,
    "chat.postMessage": SlackStub._post_message,
    "chat.update": SlackStub._update,
    "chat.postEphemeral": SlackStub._post_ephemeral,
    "conversations.open": SlackStub._open_conversation,
    "users.info": SlackStub._users_info,
    "chat.getPermalink": SlackStub._get_permalink,
    "oauth.v2.access": SlackStub._oauth_access,
}
METHODS = tuple(_HANDLERS)


# --- Wire format -------------------------------------------------------------------------------


def _parse_args(content_type: str | None, body: bytes, query: str) -> tuple[dict[str, Any], str | None]:
    """The call's arguments (query string, then body) without `token`, and that token if given."""
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            raise _SlackError("invalid_json") from None
        if not isinstance(payload, dict):
            raise _SlackError("json_not_object")
        # Slack takes a JSON call's token from the Authorization header only.
        payload.pop("token", None)
        args.update(payload)
    elif media_type in ("", "application/x-www-form-urlencoded", "text/plain"):
        try:
            args.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body)))
        except ValueError:
            raise _SlackError("invalid_form_data") from None
    else:
        # multipart/form-data (file uploads) is valid for Slack, but no method served here takes files.
        raise _SlackError("invalid_post_type")
    token = args.pop("token", None)
    return args, token if isinstance(token, str) else None


def _decode_json_fields(args: dict[str, Any]) -> None:
    """Form bodies carry blocks/attachments/metadata as JSON text; the log and state hold the values."""
    for name, error in _JSON_FIELDS.items():
        if isinstance(args.get(name), str):
            try:
                args[name] = json.loads(args[name])
            except ValueError:
                raise _SlackError(error) from None


def _content(args: Mapping[str, Any]) -> tuple[str | None, list[dict[str, Any]] | None, list[Any] | None]:
    """(text, blocks, attachments) of a post, each None when not given; Slack's error if unusable."""
    _check_text(args.get("text"))
    text = _optional_str(args.get("text"))
    blocks = args.get("blocks")
    attachments = args.get("attachments")
    if blocks is not None:
        _check_blocks(blocks)
    if attachments is not None and not isinstance(attachments, list):
        raise _SlackError("invalid_attachments")
    if not text and not blocks and not attachments:
        raise _SlackError("no_text")
    return text, blocks, attachments


def _check_blocks(blocks: Any) -> None:
    if not isinstance(blocks, list):
        raise _SlackError("invalid_blocks_format")
    errors = block_errors(blocks)
    if errors:
        raise _SlackError("invalid_blocks", errors)


def _check_text(text: Any) -> None:
    """A message's `text` is a string; Slack refuses anything else (an object, a number, a list)."""
    if text is not None and not isinstance(text, str):
        raise _SlackError("invalid_arguments", ["[ERROR] must be a string [json-pointer:/text]"])


# --- Block Kit, as Slack checks it ---------------------------------------------------------------
# Limits from Slack's Block Kit reference (blocks, block elements, composition objects). Each problem
# is reported as Slack does: "[ERROR] <what> [json-pointer:/blocks/<i>/...]".

_TEXT_TYPES = ("plain_text", "mrkdwn")
_TEXT_LIMIT = 3000
_BLOCK_ID_LIMIT = 255
_ACTION_ID_LIMIT = 255


class _Problems(list[str]):
    def add(self, pointer: str, what: str) -> None:
        self.append(f"[ERROR] {what} [json-pointer:{pointer}]")

    def text_object(
        self, value: Any, pointer: str, *, limit: int = _TEXT_LIMIT, plain_only: bool = False, required: bool = True
    ) -> None:
        if value is None:
            if required:
                self.add(pointer, "missing required field: text")
            return
        if not isinstance(value, dict):
            self.add(pointer, "expected an object")
            return
        kind = value.get("type")
        allowed = ("plain_text",) if plain_only else _TEXT_TYPES
        if kind not in allowed:
            self.add(
                f"{pointer}/type",
                f"must be one of {', '.join(allowed)}" if isinstance(kind, str) else "missing required field: type",
            )
        text = value.get("text")
        if not isinstance(text, str):
            self.add(f"{pointer}/text", "missing required field: text" if text is None else "must be a string")
        elif not text:
            self.add(f"{pointer}/text", "must be more than 0 characters")
        elif len(text) > limit:
            self.add(f"{pointer}/text", f"must be less than {limit + 1} characters")
        if "emoji" in value and kind != "plain_text":
            self.add(f"{pointer}/emoji", "field emoji is only allowed for plain_text")

    def string(self, value: Any, pointer: str, limit: int, *, required: bool = False) -> None:
        if value is None:
            if required:
                self.add(pointer, f"missing required field: {pointer.rsplit('/', 1)[1]}")
        elif not isinstance(value, str):
            self.add(pointer, "must be a string")
        elif len(value) > limit:
            self.add(pointer, f"must be less than {limit + 1} characters")

    def items(self, value: Any, pointer: str, *, most: int, required: bool = True) -> list[Any]:
        if value is None:
            if required:
                self.add(pointer, f"missing required field: {pointer.rsplit('/', 1)[1]}")
            return []
        if not isinstance(value, list):
            self.add(pointer, "must be an array")
            return []
        if required and not value:
            self.add(pointer, "must contain at least 1 item")
        if len(value) > most:
            self.add(pointer, f"no more than {most} items allowed")
        return value

    def confirm(self, value: Any, pointer: str) -> None:
        if not isinstance(value, dict):
            self.add(pointer, "expected an object")
            return
        self.text_object(value.get("title"), f"{pointer}/title", limit=100, plain_only=True)
        self.text_object(value.get("text"), f"{pointer}/text", limit=300)
        self.text_object(value.get("confirm"), f"{pointer}/confirm", limit=30, plain_only=True)
        self.text_object(value.get("deny"), f"{pointer}/deny", limit=30, plain_only=True)
        if value.get("style") not in (None, "primary", "danger"):
            self.add(f"{pointer}/style", "must be one of primary, danger")

    def element(self, value: Any, pointer: str) -> None:
        """An interactive element (actions block, section accessory)."""
        if not isinstance(value, dict) or not isinstance(value.get("type"), str):
            self.add(pointer, "missing required field: type")
            return
        kind = value["type"]
        self.string(value.get("action_id"), f"{pointer}/action_id", _ACTION_ID_LIMIT)
        if kind == "button":
            self.text_object(value.get("text"), f"{pointer}/text", limit=75, plain_only=True)
            self.string(value.get("url"), f"{pointer}/url", 3000)
            self.string(value.get("value"), f"{pointer}/value", 2000)
            if value.get("style") not in (None, "primary", "danger"):
                self.add(f"{pointer}/style", "must be one of primary, danger")
        elif kind == "image":
            self._image(value, pointer)
        elif kind not in _OTHER_ELEMENTS:
            self.add(f"{pointer}/type", f"unsupported type: {kind}")
        if "confirm" in value:
            self.confirm(value["confirm"], f"{pointer}/confirm")

    def _image(self, value: dict[str, Any], pointer: str) -> None:
        if value.get("image_url") is None and value.get("slack_file") is None:
            self.add(pointer, "missing required field: image_url")
        self.string(value.get("image_url"), f"{pointer}/image_url", 3000)
        self.string(value.get("alt_text"), f"{pointer}/alt_text", 2000, required=True)

    def block(self, block: Any, pointer: str) -> None:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            self.add(pointer, "missing required field: type")
            return
        kind = block["type"]
        self.string(block.get("block_id"), f"{pointer}/block_id", _BLOCK_ID_LIMIT)
        if kind == "section":
            if block.get("text") is None and block.get("fields") is None:
                self.add(pointer, "must provide either text or fields")
            self.text_object(block.get("text"), f"{pointer}/text", required=False)
            for i, field_ in enumerate(self.items(block.get("fields"), f"{pointer}/fields", most=10, required=False)):
                self.text_object(field_, f"{pointer}/fields/{i}", limit=2000)
            if block.get("accessory") is not None:
                self.element(block["accessory"], f"{pointer}/accessory")
        elif kind == "header":
            self.text_object(block.get("text"), f"{pointer}/text", limit=150, plain_only=True)
        elif kind == "context":
            for i, element in enumerate(self.items(block.get("elements"), f"{pointer}/elements", most=10)):
                if isinstance(element, dict) and element.get("type") == "image":
                    self._image(element, f"{pointer}/elements/{i}")
                else:
                    self.text_object(element, f"{pointer}/elements/{i}")
        elif kind == "actions":
            for i, element in enumerate(self.items(block.get("elements"), f"{pointer}/elements", most=25)):
                self.element(element, f"{pointer}/elements/{i}")
        elif kind == "image":
            self._image(block, pointer)
            if block.get("title") is not None:
                self.text_object(block["title"], f"{pointer}/title", limit=2000, plain_only=True)
        elif kind == "markdown":
            self.string(block.get("text"), f"{pointer}/text", 12000, required=True)
        elif kind not in _OTHER_BLOCKS:
            self.add(f"{pointer}/type", f"unsupported type: {kind}")


# Accepted without a deeper look: fbsync does not send them, but Slack knows them.
_OTHER_BLOCKS = frozenset({"divider", "rich_text", "video", "file", "input", "table", "context_actions"})
_OTHER_ELEMENTS = frozenset(
    {
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
        "overflow",
        "datepicker",
        "timepicker",
        "datetimepicker",
        "checkboxes",
        "radio_buttons",
        "workflow_button",
        "rich_text_input",
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_input",
        "file_input",
        "feedback_buttons",
        "icon_button",
    }
)


def block_errors(blocks: list[Any]) -> list[str]:
    """What Slack would say is wrong with these message blocks (empty: Slack accepts them)."""
    problems = _Problems()
    if len(blocks) > _MAX_BLOCKS:
        problems.add("/blocks", f"no more than {_MAX_BLOCKS} items allowed")
    for index, block in enumerate(blocks):
        problems.block(block, f"/blocks/{index}")
    return list(problems)


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _dm_id(user_id: str) -> str:
    """The app's DM channel with a user: stable per user, like Slack's."""
    return "D" + user_id[1:]


def _basic_credentials(authorization: str | None) -> dict[str, str]:
    """client_id and client_secret from `Authorization: Basic ...`, as the SDK sends them."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return {}
    try:
        client_id, _, client_secret = base64.b64decode(value.strip()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return {}
    return {"client_id": client_id, "client_secret": client_secret}


def _bearer(authorization: str | None) -> str | None:
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def _snapshot(message: _Message) -> dict[str, Any]:
    return {
        "channel": message.channel,
        "ts": message.ts,
        "thread_ts": message.thread_ts,
        "text": message.text,
        "blocks": copy.deepcopy(message.blocks),
        "attachments": copy.deepcopy(message.attachments),
        "updates": message.updates,
        "history": list(message.history),
    }


def _slack_json(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
    # Slack answers compact JSON with "/" escaped; "/" only occurs inside JSON strings, so this is safe.
    body = json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode()
    return Response(status, body, {"Content-Type": _JSON_TYPE, **(headers or {})})


def _pair(kind: str) -> Callable[[str], list[str]]:
    """argparse type for ID:NAME[:FLAG] options."""

    def parse(value: str) -> list[str]:
        parts = value.split(":")
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise argparse.ArgumentTypeError(f"expected {kind}")
        return parts

    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.slack_stub", description="Slack Web API stand-in")
    parser.add_argument("--port", type=int, default=8767, help="0 picks a free port (default 8767)")
    parser.add_argument("--token", default="xoxb-test", help="the accepted bot token (default xoxb-test)")
    parser.add_argument("--team-id", default="T0FBSYNC")
    parser.add_argument("--bot-user-id", default="U0BOT")
    parser.add_argument(
        "--channel",
        action="append",
        default=[],
        type=_pair("ID:NAME[:out]"),
        help="a channel (repeatable); ':out' means the bot is not a member",
    )
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        type=_pair("ID:NAME[:admin|:owner]"),
        help="a workspace member for users.info (repeatable)",
    )
    args = parser.parse_args(argv)
    stub = SlackStub(token=args.token, team_id=args.team_id, bot_user_id=args.bot_user_id, port=args.port)
    for channel_id, name, *flag in args.channel:
        stub.add_channel(channel_id, name, bot_is_member=flag != ["out"])
    for user_id, name, *flag in args.user:
        stub.add_user(user_id, name, is_admin=flag == ["admin"], is_owner=flag == ["owner"])
    return serve_until_stopped(stub)


if __name__ == "__main__":
    sys.exit(main())
