"""The SlackStub server: routing, authentication, scopes, injected faults and the call log, over the
workspace (messages), the Home tab views, the file uploads and "Add to Slack" (see the package docstring)."""

from __future__ import annotations

import copy
import json
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sandbox.http_stub import HOST, HttpStub, RequestHeaders, Response, StubHandler
from sandbox.slack_stub.files import Files
from sandbox.slack_stub.oauth import AUTHORIZE_PATH, OAuth, OAuthApp
from sandbox.slack_stub.views import Views
from sandbox.slack_stub.wire import (
    SlackError,
    basic_credentials,
    bearer,
    decode_json_fields,
    parse_args,
    slack_json,
    text_response,
)
from sandbox.slack_stub.workspace import (
    BOT_ID,
    BOT_NAME,
    TEAM_NAME,
    TEXT_LIMIT,
    WORKSPACE_URL,
    Channel,
    Workspace,
    snapshot,
)

# What this app's bot token carries (bot/app.py BOT_SCOPES, the manifest's bot scopes), and whether the
# manifest turns its Home tab on; a test keeps the two in step with the app's.
DEFAULT_SCOPES = "chat:write,commands,im:write,users:read"
DEFAULT_HOME_TAB_ENABLED = False
DEFAULT_APP_ID = "A0FBSYNC"

# The bot scope each method needs (any one of them), from Slack's method reference; the rest need none.
NEEDED_SCOPES: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "conversations.open": ("channels:manage", "groups:write", "im:write", "mpim:write"),
    "users.info": ("users:read",),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
}
# Methods an app calls with its client id and secret instead of a token.
_CLIENT_AUTHENTICATED = frozenset({"oauth.v2.access"})
_API_PREFIX = "/api/"
_RESPONSE_PREFIX = "/response/"
_UPLOAD_PREFIX = "/upload/v1/"


@dataclass(frozen=True)
class _Token:
    team_id: str
    scopes: str  # comma-separated, as X-OAuth-Scopes carries them


@dataclass
class _Fault:
    retry_after: int | None  # set: HTTP 429 ratelimited with this Retry-After
    error: str | None  # set: HTTP 200 {"ok": false, "error": error}


class _Handler(StubHandler):
    do_GET = do_POST = StubHandler.dispatch


class SlackStub(HttpStub):
    """A Slack Web API server for tests, the demo and benchmarks. See the package docstring."""

    _handler = _Handler
    _thread_name = "slack-stub"

    def __init__(
        self,
        token: str = "xoxb-test",
        team_id: str = "T0FBSYNC",
        bot_user_id: str = "U0BOT",
        port: int = 0,
        *,
        scopes: str = DEFAULT_SCOPES,
        home_tab_enabled: bool = DEFAULT_HOME_TAB_ENABLED,
        app_id: str = DEFAULT_APP_ID,
    ) -> None:
        if not token:
            raise ValueError("token must be non-empty")
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.home_tab_enabled = home_tab_enabled
        super().__init__(port)
        self._files = Files(bot_user_id)
        self._workspace = Workspace(team_id, bot_user_id, self._files.check_slack_file)
        self._views = Views(app_id, BOT_ID)
        self._oauth = OAuth(team_id, TEAM_NAME)
        self._calls: list[dict[str, Any]] = []
        self._responses: list[dict[str, Any]] = []
        self._response_ids: set[str] = set()
        self._faults: dict[str, deque[_Fault]] = {}
        self._tokens: dict[str, _Token] = {token: _Token(team_id, _scope_list(scopes))}
        self._caller_team = team_id  # the team of the token of the call being handled

    # -- lifecycle: start(), stop(), port, errors and the context manager come from HttpStub

    @property
    def base_url(self) -> str:
        # The SDK concatenates base_url + method, so the trailing slash is load-bearing.
        return f"http://{HOST}:{self.port}{_API_PREFIX}"

    # -- scenario setup

    def add_user(self, user_id: str, name: str, is_admin: bool = False, is_owner: bool = False) -> None:
        """A workspace member for users.info (and views.publish); re-adding an id replaces it."""
        with self._lock:
            self._workspace.users[user_id] = self._workspace.user_record(
                user_id, name, is_admin=is_admin, is_owner=is_owner, is_bot=False
            )

    def add_channel(self, channel_id: str, name: str, bot_is_member: bool = True) -> None:
        """A public/private channel; re-adding an id replaces it (how a test invites the bot later)."""
        if not channel_id or channel_id[0] not in "CG":
            raise ValueError("channel ids start with C (or G for old private channels); DMs need no setup")
        with self._lock:
            self._workspace.channels[channel_id] = Channel(channel_id, name.lstrip("#"), bot_is_member)

    # -- "Add to Slack"

    def enable_oauth(
        self, client_id: str, client_secret: str, redirect_urls: list[str], app_id: str = DEFAULT_APP_ID
    ) -> None:
        """Serve the OAuth v2 flow for an app with these credentials and redirect URLs."""
        if not (client_id and client_secret and redirect_urls):
            raise ValueError("client_id, client_secret and at least one redirect URL are required")
        with self._lock:
            self._oauth.app = OAuthApp(client_id, client_secret, tuple(redirect_urls), app_id)

    def install_as(self, team_id: str, team_name: str, user_id: str) -> None:
        """The person (and workspace) who approves the next authorize requests."""
        with self._lock:
            self._oauth.installer = (team_id, team_name, user_id)

    def uninstall(self, team_id: str) -> None:
        """The app is removed from a workspace: its bot tokens stop working (Slack then sends the
        app_uninstalled and tokens_revoked events, which a test posts itself)."""
        with self._lock:
            for token in [t for t, held in self._tokens.items() if held.team_id == team_id]:
                del self._tokens[token]

    @property
    def authorize_url(self) -> str:
        return f"http://{HOST}:{self.port}{AUTHORIZE_PATH}"

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
        """Forget calls, messages, ephemerals, responses, opened DMs, Home tab views, uploaded files and
        pending faults; users, channels, tokens and issued response URLs stay."""
        with self._lock:
            self._calls.clear()
            self._workspace.reset()
            self._views.reset()
            self._files.reset()
            self._responses.clear()
            self._faults.clear()

    def response_url(self) -> str:
        """A fresh absolute URL to answer a slash command or a click on, as Slack puts in its payload."""
        response_id = secrets.token_hex(8)
        with self._lock:
            self._response_ids.add(response_id)
        return f"http://{HOST}:{self.port}{_RESPONSE_PREFIX}{response_id}"

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
        Slack answered with (a DM's "D..." id, not the user id posted to). A file share's message has
        the files' objects in `files`."""
        with self._lock:
            return [snapshot(m) for m in self._workspace.messages if channel is None or m.channel == channel]

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """The replies (not the parent) in the thread under message `ts`, in order."""
        with self._lock:
            return [snapshot(m) for m in self._workspace.messages if m.channel == channel and m.thread_ts == ts]

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        """chat.postEphemeral messages: channel, user, text, blocks, thread_ts, message_ts."""
        with self._lock:
            return copy.deepcopy(self._workspace.ephemerals)

    @property
    def responses(self) -> list[dict[str, Any]]:
        """Accepted response_url posts, oldest first: id, body (the parsed JSON)."""
        with self._lock:
            return copy.deepcopy(self._responses)

    def home_view(self, user_id: str, team_id: str | None = None) -> dict[str, Any] | None:
        """The Home tab view last published for this person (in `team_id`, by default the stub's own
        workspace), as views.publish answered it (id, hash, blocks...); None before any."""
        with self._lock:
            return self._views.home_view(team_id or self.team_id, user_id)

    def uploaded_files(self) -> list[dict[str, Any]]:
        """Files whose bytes reached their upload URL, oldest first: id, name, title, content (the
        bytes), size, mimetype, alt_txt, snippet_type, completed, channel (the first conversation it was
        shared in, None while private), channels, initial_comment, thread_ts."""
        with self._lock:
            return self._files.uploaded()

    # -- request handling (called from server threads)

    def _respond(self, method: str, target: str, headers: RequestHeaders, body: bytes) -> Response:
        parts = urlsplit(target)
        path = parts.path
        try:
            if path.startswith(_API_PREFIX) and "/" not in path[len(_API_PREFIX) :]:
                return self._api(path[len(_API_PREFIX) :], parts.query, headers, body)
            if path == AUTHORIZE_PATH and method == "GET":
                with self._lock:
                    return self._oauth.authorize(parts.query)
            if path.startswith(_RESPONSE_PREFIX) and method == "POST":
                return self._response_post(path[len(_RESPONSE_PREFIX) :], body)
            if path.startswith(_UPLOAD_PREFIX) and method == "POST":
                with self._lock:
                    return self._files.receive(path[len(_UPLOAD_PREFIX) :], headers.get("Content-Type"), body)
            return text_response(404, "Not Found")
        except Exception:  # noqa: BLE001 - a stub bug must not kill the connection or spam stderr
            self._record_error()
            return slack_json(200, {"ok": False, "error": "internal_error"})

    def _api(self, method: str, query: str, headers: RequestHeaders, body: bytes) -> Response:
        entry: dict[str, Any] = {
            "method": method,
            "args": {},
            "at": time.monotonic(),
            "status": 200,
            "ok": False,
            "error": None,
        }
        scope_headers: dict[str, str] = {}
        try:
            handler = _HANDLERS.get(method)
            if handler is None:
                raise SlackError("unknown_method")
            args, form_token = parse_args(headers.get("Content-Type"), body, query)
            entry["args"] = args
            token = bearer(headers.get("Authorization")) or form_token
            held: _Token | None = None
            if method in _CLIENT_AUTHENTICATED:
                args.update(basic_credentials(headers.get("Authorization")))
            else:
                if not token:
                    raise SlackError("not_authed")
                held = self._token(token)
                if held is None:
                    raise SlackError("invalid_auth")
                entry["team"] = held.team_id
                needed = NEEDED_SCOPES.get(method, ())
                scope_headers = {"X-OAuth-Scopes": held.scopes}
                if needed:
                    scope_headers["X-Accepted-OAuth-Scopes"] = ",".join(needed)
                if needed and not set(needed) & set(held.scopes.split(",")):
                    raise SlackError("missing_scope", needed=",".join(needed), provided=held.scopes)
            decode_json_fields(args)
            with self._lock:
                self._caller_team = held.team_id if held is not None else self.team_id
                fault = self._take_fault(method)
                if fault is not None and fault.retry_after is not None:
                    entry.update(status=429, error="ratelimited")
                    return slack_json(
                        429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(fault.retry_after)}
                    )
                if fault is not None:
                    raise SlackError(str(fault.error))
                payload = handler(self, args)
            entry["ok"] = True
            return slack_json(200, {"ok": True, **payload}, scope_headers)
        except SlackError as exc:
            entry["error"] = exc.error
            answer: dict[str, Any] = {"ok": False, "error": exc.error, **exc.extra}
            if exc.error == "unknown_method":
                answer["req_method"] = method
            if exc.messages:
                answer["response_metadata"] = {"messages": exc.messages}
            return slack_json(200, answer, scope_headers)
        finally:
            # Logged before the response is sent, so a caller sees its call as soon as it has the answer.
            with self._lock:
                self._calls.append(entry)

    def _response_post(self, response_id: str, body: bytes) -> Response:
        with self._lock:
            known = response_id in self._response_ids
        if not known:
            return text_response(404, "no_service")
        try:
            payload = json.loads(body or b"")
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("text", ""), str):
            return text_response(400, "invalid_payload")
        blocks = payload.get("blocks")
        with self._lock:
            if blocks is not None:
                try:
                    self._workspace.check_blocks(blocks)
                except SlackError:
                    # What Slack answers a response_url post it cannot render; the user sees nothing.
                    return text_response(400, "invalid_blocks")
            if len(payload.get("text", "")) > TEXT_LIMIT:
                payload["text"] = payload["text"][:TEXT_LIMIT]  # cut, as Slack cuts every post's text
            self._responses.append({"id": response_id, "body": payload})
        return text_response(200, "ok")

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

    def _token(self, token: str) -> _Token | None:
        with self._lock:
            known = list(self._tokens.items())
        return next(
            (held for candidate, held in known if secrets.compare_digest(candidate.encode(), token.encode())), None
        )

    # -- methods (called with the lock held; raise SlackError for {"ok": false})

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": WORKSPACE_URL,
            "team": TEAM_NAME,
            "user": BOT_NAME,
            "team_id": self._caller_team,
            "user_id": self.bot_user_id,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _oauth_access(self, args: dict[str, Any]) -> dict[str, Any]:
        app, grant = self._oauth.exchange(args)
        token = f"xoxb-{grant.team_id}-{secrets.token_hex(12)}"
        self._tokens[token] = _Token(grant.team_id, grant.scopes)
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

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._views.publish(
            args,
            self._caller_team,
            self._workspace.users,
            home_tab_enabled=self.home_tab_enabled,
            slack_files=self._files.check_slack_file,
        )

    def _get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._files.upload_url(args, self._caller_team, f"http://{HOST}:{self.port}{_UPLOAD_PREFIX}")

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._files.complete(args, self._caller_team, self._workspace)


def _scope_list(scopes: str) -> str:
    listed = [scope.strip() for scope in scopes.split(",") if scope.strip()]
    return ",".join(dict.fromkeys(listed))


_HANDLERS: dict[str, Callable[[SlackStub, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": SlackStub._auth_test,
    "chat.postMessage": lambda stub, args: stub._workspace.post_message(args),
    "chat.update": lambda stub, args: stub._workspace.update(args),
    "chat.postEphemeral": lambda stub, args: stub._workspace.post_ephemeral(args),
    "conversations.open": lambda stub, args: stub._workspace.open_conversation(args),
    "users.info": lambda stub, args: stub._workspace.users_info(args),
    "chat.getPermalink": lambda stub, args: stub._workspace.get_permalink(args),
    "oauth.v2.access": SlackStub._oauth_access,
    "views.publish": SlackStub._views_publish,
    "files.getUploadURLExternal": SlackStub._get_upload_url,
    "files.completeUploadExternal": SlackStub._complete_upload,
}
METHODS = tuple(_HANDLERS)
