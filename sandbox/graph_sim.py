"""Meta Graph API simulator: a real HTTP server on 127.0.0.1 speaking the Graph API wire format.

Serves `GET /{version}/{page_id}/conversations` for Messenger and Instagram from generated data
(sandbox.graph_data), the page node, and the User Profile API (`GET /{version}/{psid or igsid}`
with the page's token), with fault injection and a `/_sim/` control surface so that a process
that only has the URL (the demo, a worker) can drive it too.

It also stands in for Facebook Login and page management, so the connect flow runs over HTTP:
the Login dialog (`/{version}/dialog/oauth`, served on this host instead of www.facebook.com),
code and long-lived token exchange (`/oauth/access_token`), `/me`, `/me/accounts`,
`/me/permissions`, `/{page_id}/subscribed_apps` and `/debug_token`, for the users (SimUser) who
manage the pages.

    python -m sandbox.graph_sim --port 8765 --demo
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import itertools
import json
import re
import secrets
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from sandbox.graph_data import (
    DEFAULT_SCOPES,
    DEMO_PAGE,
    DEMO_USER,
    INSTAGRAM,
    MESSENGER,
    PLATFORMS,
    Conversation,
    Inbox,
    Message,
    Person,
    Profile,
    SimPage,
    SimUser,
    format_time,
)
from sandbox.http_stub import HOST, HttpStub, RequestHeaders, Response, StubHandler, serve_until_stopped

__all__ = [
    "APP_NAME",
    "DEFAULT_SCOPES",
    "DEMO_PAGE",
    "DEMO_USER",
    "FAULT_KINDS",
    "OAUTH_FAULT_KINDS",
    "PROFILE_ERROR_CODES",
    "GraphSimulator",
    "SimPage",
    "SimUser",
]

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
DEFAULT_MESSAGE_LIMIT = 10
SNIPPET_LENGTH = 100

# Fault kind -> the options it accepts; anything else is a typo worth failing loudly on.
_FAULT_OPTIONS: dict[str, frozenset[str]] = {
    "token_invalid": frozenset({"error_subcode", "permanent"}),
    "rate_limit": frozenset({"code", "regain_minutes"}),
    "server_error": frozenset(),
    "reduce_data": frozenset({"max_limit"}),
    "empty_page": frozenset(),
    "malformed_json": frozenset(),
    # A 302 to `location`, as a misconfigured proxy or a hijacked host answers: clients must not follow it.
    "redirect": frozenset({"location"}),
    # A normal page in which one conversation is damaged: for per-contact failure handling.
    "corrupt_conversation": frozenset({"position", "damage"}),
}
_DAMAGES = ("no_participants", "nul_in_name")
FAULT_KINDS = tuple(_FAULT_OPTIONS)

# Fields Meta knows on these node types. Unknown names get Meta's #100 error; known names the
# simulator does not generate are left out, as Meta leaves out empty fields.
_CONVERSATION_FIELDS = frozenset(
    {
        "id",
        "updated_time",
        "participants",
        "senders",
        "messages",
        "message_count",
        "unread_count",
        "snippet",
        "can_reply",
        "link",
        "name",
        "subject",
        "scoped_thread_key",
        "wallpaper",
        "former_participants",
        "is_subscribed",
    }
)
_MESSAGE_FIELDS = frozenset(
    {
        "id",
        "created_time",
        "from",
        "to",
        "message",
        "attachments",
        "sticker",
        "tags",
        "shares",
        "story",
        "reactions",
        "is_unsupported",
        "reply_to",
    }
)

# Messenger's User Profile API and Instagram's (IGSID) profile fields, and what a bare GET returns.
_MESSENGER_PROFILE_FIELDS = frozenset(
    {
        "id",
        "name",
        "first_name",
        "last_name",
        "profile_pic",
        "locale",
        "timezone",
        "gender",
    }
)
_INSTAGRAM_PROFILE_FIELDS = frozenset(
    {
        "id",
        "name",
        "username",
        "profile_pic",
        "is_verified_user",
        "follower_count",
        "is_user_follow_business",
        "is_business_follow_user",
    }
)
_DEFAULT_PROFILE_FIELDS = {
    MESSENGER: ("first_name", "last_name", "profile_pic"),
    INSTAGRAM: ("name", "username", "profile_pic"),
}
# Injectable profile error code -> (message, error_subcode); 190 is built like the token faults.
_PROFILE_ERRORS: dict[int, tuple[str, int | None]] = {
    100: ("(#100) No profile available for that user.", 2018218),
    230: ("(#230) Requires pages_messaging_subscriptions permission to manage the object", None),
    10: ("(#10) Application does not have permission for this action", None),
}
_NO_PROFILE_SUBCODE = 2018218
PROFILE_ERROR_CODES = (*_PROFILE_ERRORS, 190)

# --- Facebook Login and page management ---

APP_NAME = "fbsync"
# What Meta's token endpoint reports for user tokens from the code flow and for long-lived ones.
USER_TOKEN_EXPIRES_IN = 5183944
# Meta lets an app read a user's data for 90 days after they last used it, whatever the token.
DATA_ACCESS_SECONDS = 90 * 24 * 3600
# Meta's authorization codes die about ten minutes after the dialog; read at call time, so a test
# can shorten it.
CODE_LIFETIME_SECONDS = 600
OAUTH_FAULT_KINDS = ("code_exchange", "subscribe")
_REDACTED = "[redacted]"
# Credentials that travel as parameters; access_token is dropped from the log like the header.
_SECRET_PARAMS = frozenset({"client_secret", "code", "fb_exchange_token", "input_token"})
# Permissions the Login dialog accepts; anything else is a typo in our scope list, which Meta
# answers with an "Invalid Scopes" page rather than a login.
_KNOWN_SCOPES = frozenset(
    {
        "public_profile",
        "email",
        "pages_show_list",
        "pages_messaging",
        "pages_messaging_subscriptions",
        "pages_read_engagement",
        "pages_read_user_content",
        "pages_manage_metadata",
        "pages_manage_posts",
        "pages_manage_engagement",
        "pages_manage_ads",
        "pages_utility_messaging",
        "read_page_mailboxes",
        "business_management",
        "instagram_basic",
        "instagram_manage_messages",
        "instagram_manage_comments",
        "instagram_manage_insights",
        "instagram_content_publish",
        "read_insights",
        "ads_read",
        "ads_management",
        "leads_retrieval",
        "catalog_management",
    }
)
_OWNER_TASKS = ("ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE")
_ACCOUNT_FIELDS = frozenset(
    {
        "id",
        "name",
        "access_token",
        "category",
        "category_list",
        "tasks",
        "instagram_business_account",
        "link",
        "username",
        "about",
        "fan_count",
        "picture",
        "is_published",
        "verification_status",
    }
)
_DEFAULT_ACCOUNT_FIELDS = ("access_token", "category", "name", "id", "tasks")
_INSTAGRAM_ACCOUNT_FIELDS = frozenset(
    {
        "id",
        "username",
        "name",
        "profile_picture_url",
        "followers_count",
        "media_count",
        "biography",
        "website",
    }
)
_USER_FIELDS = frozenset({"id", "name", "first_name", "last_name", "middle_name", "short_name", "email", "picture"})
# Page webhook fields an app can subscribe a page to; the messaging ones also need pages_messaging.
_MESSAGING_WEBHOOK_FIELDS = frozenset(
    {
        "messages",
        "message_echoes",
        "messaging_postbacks",
        "messaging_optins",
        "message_deliveries",
        "message_reads",
        "messaging_referrals",
        "messaging_handovers",
        "standby",
        "message_reactions",
        "message_edits",
        "messaging_account_linking",
        "messaging_policy_enforcement",
        "messaging_feedback",
        "inbox_labels",
    }
)
_PAGE_WEBHOOK_FIELDS = _MESSAGING_WEBHOOK_FIELDS | frozenset(
    {
        "feed",
        "mention",
        "name",
        "picture",
        "category",
        "description",
        "conversations",
        "ratings",
        "leadgen",
        "live_videos",
        "videos",
        "email",
        "website",
        "phone",
        "location",
    }
)

_GRAPH_PATH = re.compile(r"^/(?:(v\d+\.\d+)/)?([^/]+)(?:/([^/]+))?/?$")
_PST = timezone(timedelta(hours=-8))
_JSON_TYPE = "application/json; charset=UTF-8"
_MODEST_USAGE = {"call_count": 1, "total_cputime": 1, "total_time": 1}
_THROTTLED_USAGE = {"call_count": 100, "total_cputime": 12, "total_time": 15}

_TOKEN_SUBCODE_MESSAGES = {
    460: "Error validating access token: The session has been invalidated because the user changed "
    "their password or Facebook has changed the session for security reasons.",
    458: "Error validating access token: The user has not authorized application 1234567890123456.",
    467: "Error validating access token: The session is invalid because the user logged out.",
}
_RATE_LIMIT_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80001: "There have been too many calls to this Page account. Wait a bit and try again. For more "
    "info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
}


class _GraphError(Exception):
    """A Meta error response; fbtrace_id is added when it is sent."""

    def __init__(
        self,
        status: int,
        message: str,
        type_: str,
        code: int,
        *,
        subcode: int | None = None,
        transient: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.error: dict[str, Any] = {"message": message, "type": type_, "code": code}
        if subcode is not None:
            self.error["error_subcode"] = subcode
        if transient:
            self.error["is_transient"] = True
        self.headers = dict(headers or {})


def _invalid_token() -> _GraphError:
    return _GraphError(400, "Invalid OAuth access token - Cannot parse access token", "OAuthException", 190)


def _expired_token(subcode: int, expired_at: datetime) -> _GraphError:
    now = datetime.now(_PST).strftime("%A, %d-%b-%y %H:%M:%S PST")
    expired = expired_at.astimezone(_PST).strftime("%A, %d-%b-%y %H:%M:%S PST")
    message = _TOKEN_SUBCODE_MESSAGES.get(
        subcode, f"Error validating access token: Session has expired on {expired}. The current time is {now}."
    )
    return _GraphError(400, message, "OAuthException", 190, subcode=subcode)


def _unsupported(method: str, node: str) -> _GraphError:
    return _GraphError(
        400,
        f"Unsupported {method.lower()} request. Object with ID '{node}' does not exist, cannot be loaded "
        "due to missing permissions, or does not support this operation. Please read the Graph API "
        "documentation at https://developers.facebook.com/docs/graph-api",
        "GraphMethodException",
        100,
        subcode=33,
    )


def _param_error(message: str) -> _GraphError:
    return _GraphError(400, message, "OAuthException", 100)


def _code_error(subcode: int, message: str) -> _GraphError:
    return _GraphError(400, message, "OAuthException", 100, subcode=subcode)


def _profile_error(code: int, subcode: int | None) -> _GraphError:
    if code == 190:
        if subcode is None:
            return _invalid_token()
        return _expired_token(subcode, datetime.now(UTC).replace(minute=0, second=0, microsecond=0))
    message, default_subcode = _PROFILE_ERRORS[code]
    return _GraphError(400, message, "OAuthException", code, subcode=default_subcode if subcode is None else subcode)


# --- fields=... expansion syntax -----------------------------------------------------------------


@dataclass(frozen=True)
class _FieldSpec:
    modifiers: dict[str, str]
    children: dict[str, _FieldSpec] | None


class _FieldParser:
    """Parses Meta's field expansion: `a,b.limit(5){c,d{e}}`; modifiers may also follow the braces."""

    _NAME = re.compile(r"\s*([A-Za-z0-9_]+)\s*")

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0

    def parse(self) -> dict[str, _FieldSpec]:
        fields = self._list()
        if self._pos != len(self._text):
            raise self._syntax_error("Expected end of string")
        return fields

    def _list(self) -> dict[str, _FieldSpec]:
        fields: dict[str, _FieldSpec] = {}
        while True:
            name = self._name()
            modifiers: dict[str, str] = {}
            children: dict[str, _FieldSpec] | None = None
            while self._peek() in (".", "{"):
                if self._take() == ".":
                    modifier = self._name()
                    self._expect("(")
                    end = self._text.find(")", self._pos)
                    if end < 0:
                        raise self._syntax_error('Expected ")"')
                    modifiers[modifier] = self._text[self._pos : end].strip()
                    self._pos = end + 1
                else:
                    children = self._list()
                    self._expect("}")
            fields[name] = _FieldSpec(modifiers, children)
            if self._peek() != ",":
                return fields
            self._take()

    def _name(self) -> str:
        match = self._NAME.match(self._text, self._pos)
        if not match:
            raise self._syntax_error("Expected a field name")
        self._pos = match.end()
        return match.group(1)

    def _peek(self) -> str:
        while self._pos < len(self._text) and self._text[self._pos].isspace():
            self._pos += 1
        return self._text[self._pos : self._pos + 1]

    def _take(self) -> str:
        char = self._peek()
        self._pos += 1
        return char

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise self._syntax_error(f'Expected "{char}"')
        self._pos += 1

    def _syntax_error(self, detail: str) -> _GraphError:
        return _GraphError(
            400, f'Syntax error "{detail}" at character {self._pos}: {self._text}', "OAuthException", 2500
        )


def _parse_fields(raw: str | None) -> dict[str, _FieldSpec] | None:
    """None means "no fields parameter": Meta then returns each node's default fields."""
    if raw is None or not raw.strip():
        return None
    return _FieldParser(raw).parse()


def _check_fields(fields: Mapping[str, _FieldSpec] | None, known: frozenset[str], node_type: str) -> None:
    for name, spec in (fields or {}).items():
        if name not in known:
            raise _param_error(f"(#100) Tried accessing nonexisting field ({name}) on node type ({node_type})")
        if name == "messages":
            _check_fields(spec.children, _MESSAGE_FIELDS, "Message")
            limit = spec.modifiers.get("limit")
            if limit is not None and not limit.isdigit():
                raise _param_error(f"(#100) Invalid limit for messages: {limit}")


# --- Paging ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Position:
    """Where a conversation sits in the inbox order: "s" before everything, "t" a touched
    conversation (by touch sequence, newest first), "i" an untouched one (by generated index)."""

    kind: str
    value: int

    def cursor(self) -> str:
        return _cursor(f"pos:{self.kind}:{self.value}")

    @classmethod
    def from_cursor(cls, cursor: str) -> _Position:
        try:
            tag, kind, value = _uncursor(cursor).split(":")
            if tag != "pos" or kind not in ("s", "t", "i") or not value.isdigit():
                raise ValueError(cursor)
        except ValueError:
            raise _param_error("(#100) Invalid after cursor") from None
        return cls(kind, int(value))


_START = _Position("s", 0)


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _uncursor(cursor: str) -> str:
    # binascii.Error and UnicodeDecodeError are ValueErrors, which callers turn into Meta's #100.
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()


def _account_offset(cursor: str) -> int:
    """Where an /me/accounts cursor points in the user's page list."""
    try:
        tag, value = _uncursor(cursor).split(":")
        if tag != "acct" or not value.isdigit():
            raise ValueError(cursor)
    except ValueError:
        raise _param_error("(#100) Invalid after cursor") from None
    return int(value)


# --- Simulator state ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Touch:
    seq: int
    time: datetime
    messages: tuple[Message, ...]  # newest first


@dataclass(frozen=True)
class _NewConversation:
    """A customer who first wrote while the simulator ran. Its messages live in its _Touch, so
    it is ordered, rendered and touched again exactly like a generated conversation."""

    conversation: Conversation
    profile: Profile | None


@dataclass
class _PageState:
    """Mutated only under GraphSimulator._lock; `new` lists are only appended to, so a
    conversation found under the lock can be read after releasing it."""

    page: SimPage
    inboxes: dict[str, Inbox]
    touched: dict[str, dict[int, _Touch]]
    # Indexes continue after the generated ones: new[platform][k] is conversation #(count + k).
    new: dict[str, list[_NewConversation]]
    token_issued_at: int
    data_access_expires_at: int
    token_expires_at: int = 0  # 0 is never, as for a page token obtained with a long-lived user token
    revoked: tuple[int, datetime] | None = None  # (error_subcode, expired_at) once a token is killed

    def token_error(self) -> _GraphError | None:
        """Why the page token no longer works, if it does not."""
        if self.revoked is not None:
            return _expired_token(*self.revoked)
        if self.token_expires_at and self.token_expires_at <= time.time():
            return _expired_token(463, datetime.fromtimestamp(self.token_expires_at, UTC))
        return None

    def count(self, platform: str) -> int:
        return self.inboxes[platform].count + len(self.new[platform])

    def check_index(self, platform: str, index: int) -> None:
        total = self.count(platform)
        if not isinstance(index, int) or not 0 <= index < total:
            raise IndexError(f"{platform} conversation index {index} out of range 0..{total - 1}")

    def conversation(self, platform: str, index: int) -> Conversation:
        """The conversation as generated or first received, before any touches."""
        inbox = self.inboxes[platform]
        if index < inbox.count:
            return inbox.conversation(index)
        return self.new[platform][index - inbox.count].conversation

    def profile(self, platform: str, index: int) -> Profile | None:
        inbox = self.inboxes[platform]
        if index < inbox.count:
            return inbox.profile(index)
        return self.new[platform][index - inbox.count].profile

    def locate(self, user_id: str) -> tuple[str, int] | None:
        """(platform, index) of the conversation `user_id` is the customer of, if any."""
        for platform in PLATFORMS:
            inbox = self.inboxes[platform]
            index = inbox.customer_index(user_id)
            if index is not None:
                return platform, index
            for offset, new in enumerate(self.new[platform]):
                if new.conversation.customer.id == user_id:
                    return platform, inbox.count + offset
        return None


@dataclass(frozen=True)
class _UserToken:
    user_id: str
    issued_at: int
    expires_at: int


@dataclass(frozen=True)
class _Code:
    """An authorization code handed out by the Login dialog, redeemable once."""

    user_id: str
    redirect_uri: str
    issued: float  # time.monotonic()


@dataclass(frozen=True)
class _Consent:
    """How the user at the Login dialog answers, until the next consent_as()."""

    user_id: str
    deny: bool
    declined: frozenset[str]


@dataclass
class _Fault:
    page_id: str
    kind: str
    on_call: int
    times: int
    options: dict[str, Any]
    seen: int = 0

    def applies(self, limit: int) -> bool:
        # A small enough page is what Meta asks for, so it succeeds and leaves the fault armed.
        return self.kind != "reduce_data" or limit > int(self.options.get("max_limit", 25))


def _corrupt(conversation: dict[str, Any], damage: str) -> None:
    if damage == "no_participants":
        conversation.pop("participants", None)
        return
    # nul_in_name: a NUL character, which JSON allows and PostgreSQL text refuses.
    for participant in conversation.get("participants", {}).get("data", []):
        if "name" in participant:
            participant["name"] += "\u0000"
        if "username" in participant:
            participant["username"] += "\u0000"


class _Handler(StubHandler):
    do_GET = do_POST = do_DELETE = StubHandler.dispatch


class GraphSimulator(HttpStub):
    """A Graph API server for tests, the demo and benchmarks. See the module docstring."""

    _handler = _Handler
    _thread_name = "graph-sim"
    _noun = "simulator"

    def __init__(
        self,
        pages: Iterable[SimPage] = (),
        port: int = 0,
        version: str = "v25.0",
        app_id: str = "1234567890",
        app_secret: str = "sim-app-secret",
    ) -> None:
        self.version = version
        self.app_id = app_id
        self.app_secret = app_secret
        super().__init__(port)
        self._default_anchor = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
        self._pages: dict[str, _PageState] = {}
        self._faults: list[_Fault] = []
        self._profile_errors: dict[tuple[str, str], tuple[int, int | None]] = {}
        self._touch_seq = itertools.count(1)
        self._trace_seq = itertools.count(1)
        self._requests: list[dict[str, Any]] = []
        self._users: dict[str, SimUser] = {}
        # user_id -> scope -> "granted" or "declined": Meta keeps one such record per user and app.
        self._permissions: dict[str, dict[str, str]] = {}
        self._consent: _Consent | None = None
        self._codes: dict[str, _Code] = {}
        self._user_tokens: dict[str, _UserToken] = {}
        # page_id -> the user whose /me/accounts last handed out the page's token, whose permissions
        # the token then carries.
        self._page_grantors: dict[str, str] = {}
        # Kept across add_page: reconnecting a page with a new token leaves its app subscription alone.
        self._subscriptions: dict[str, tuple[str, ...]] = {}
        self._oauth_faults: list[str] = []
        for page in pages:
            self.add_page(page)

    # -- lifecycle: start(), stop(), port, errors and the context manager come from HttpStub

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/{self.version}"

    # -- scenario control

    def add_page(self, page: SimPage) -> None:
        """Add a page; re-adding a page_id replaces it with fresh state (how a test re-authenticates
        with a new token after a permanent token_invalid). Injected faults and profile errors are kept."""
        anchor = page.anchor or self._default_anchor
        now = int(time.time())
        state = _PageState(
            page=page,
            inboxes={platform: Inbox(page, platform, anchor) for platform in PLATFORMS},
            touched={platform: {} for platform in PLATFORMS},
            new={platform: [] for platform in PLATFORMS},
            token_issued_at=now,
            data_access_expires_at=now + DATA_ACCESS_SECONDS,
        )
        with self._lock:
            self._pages[page.page_id] = state

    def inject(self, page_id: str, kind: str, on_call: int = 1, times: int = 1, **options: Any) -> None:
        if kind not in _FAULT_OPTIONS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        unknown = set(options) - _FAULT_OPTIONS[kind]
        if unknown:
            raise ValueError(f"fault {kind!r} takes no option(s) {', '.join(sorted(unknown))}")
        if kind == "redirect" and not isinstance(options.get("location"), str):
            raise ValueError("redirect needs location= the URL to send the client to")
        if kind == "corrupt_conversation" and options.get("damage") not in _DAMAGES:
            raise ValueError(f"corrupt_conversation needs damage= one of {', '.join(_DAMAGES)}")
        if not isinstance(on_call, int) or not isinstance(times, int) or on_call < 1 or times < 1:
            raise ValueError("on_call and times must be integers >= 1")
        with self._lock:
            if page_id not in self._pages:
                raise ValueError(f"unknown page {page_id!r}")
            self._faults.append(_Fault(page_id, kind, on_call, times, dict(options)))

    def clear_faults(self) -> None:
        """Disarm every page fault and every fail_oauth() fault."""
        with self._lock:
            self._faults.clear()
            self._oauth_faults.clear()

    def inject_profile_error(self, page_id: str, user_id: str, code: int, subcode: int | None = None) -> None:
        """Make `user_id`'s profile answer Meta's error `code` until clear_profile_errors():
        100 (error_subcode 2018218 unless given; 2018218 itself is accepted as shorthand),
        230, 10, or 190 (invalid token; with a subcode, expired like the token_invalid fault)."""
        if code == _NO_PROFILE_SUBCODE:
            code, subcode = 100, _NO_PROFILE_SUBCODE
        if code not in PROFILE_ERROR_CODES:
            codes = ", ".join(str(known) for known in (*PROFILE_ERROR_CODES, _NO_PROFILE_SUBCODE))
            raise ValueError(f"unknown profile error code {code!r}; expected one of {codes}")
        if subcode is not None and not isinstance(subcode, int):
            raise ValueError("subcode must be an integer")
        with self._lock:
            if page_id not in self._pages:
                raise ValueError(f"unknown page {page_id!r}")
            self._profile_errors[(page_id, str(user_id))] = (code, subcode)

    def clear_profile_errors(self) -> None:
        with self._lock:
            self._profile_errors.clear()

    def touch(self, page_id: str, platform: str, index: int, text: str) -> dict[str, Any]:
        """The customer of conversation #index sends `text` now. Returns what a webhook about it
        carries: conversation_id, mid, sender_id and timestamp_ms (millisecond precision, as in
        webhooks, while created_time keeps Meta's whole seconds)."""
        with self._lock:
            state = self._state(page_id, platform)
            state.check_index(platform, index)
            customer = state.conversation(platform, index).customer
            return self._receive(state, platform, index, customer, text)

    def new_sender(
        self,
        page_id: str,
        platform: str,
        sender_id: str,
        text: str,
        name: str | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        """A customer who never wrote to the page sends `text` now, opening a conversation at the
        front of the inbox. Messenger customers have a `name`, Instagram ones a `username` (and an
        optional profile `name`); without them the customer is nameless and has no profile. Returns
        conversation_id, mid, timestamp_ms, and the conversation's index for touch() and customer()."""
        if not isinstance(sender_id, str) or not sender_id.isdigit():
            raise ValueError(f"sender_id must be a numeric string like Meta's PSIDs and IGSIDs, got {sender_id!r}")
        if platform == MESSENGER and username is not None:
            raise ValueError("Messenger participants have no username; pass name")
        with self._lock:
            state = self._state(page_id, platform)
            page = state.page
            if platform == INSTAGRAM and not page.instagram_account_id:
                raise ValueError(f"page {page_id!r} has no Instagram account")
            if sender_id in (page.page_id, page.instagram_account_id) or state.locate(sender_id) is not None:
                raise ValueError(f"{sender_id} already has a conversation with page {page_id!r}; use touch()")
            inbox = state.inboxes[platform]
            index = state.count(platform)
            if platform == MESSENGER:
                customer = Person(id=sender_id, name=name, email=f"{sender_id}@facebook.com")
                named = name is not None
            else:
                customer = Person(id=sender_id, username=username)
                named = username is not None
            profile = Profile(sender_id, platform, name, username, inbox.profile_pic(sender_id)) if named else None
            conversation = Conversation(
                id=inbox.conversation_id(index),
                index=index,
                platform=platform,
                updated_time=datetime.now(UTC).replace(microsecond=0),
                customer=customer,
                page=inbox.page_person,
                messages=(),
            )
            state.new[platform].append(_NewConversation(conversation, profile))
            receipt = self._receive(state, platform, index, customer, text)
        return {
            "conversation_id": receipt["conversation_id"],
            "mid": receipt["mid"],
            "timestamp_ms": receipt["timestamp_ms"],
            "index": index,
        }

    def customer(self, page_id: str, platform: str, index: int) -> dict[str, Any]:
        """Who conversation #index is with, for building webhooks about existing contacts: id,
        name (their profile name; None when nameless), username (Instagram) and conversation_id."""
        with self._lock:
            state = self._state(page_id, platform)
            state.check_index(platform, index)
            conversation = state.conversation(platform, index)
            profile = state.profile(platform, index)
        return {
            "id": conversation.customer.id,
            "name": profile.name if profile else None,
            "username": conversation.customer.username,
            "conversation_id": conversation.id,
        }

    # -- Facebook Login scenario control

    def add_user(self, user: SimUser) -> None:
        """Add a user who can log in and manages `user.page_ids` (pages already added). Re-adding a
        user_id replaces it and resets their permissions to `user.granted`; tokens stay valid."""
        with self._lock:
            unknown = [page_id for page_id in user.page_ids if page_id not in self._pages]
            if unknown:
                raise ValueError(f"unknown page(s) {', '.join(unknown)}; add_page() them first")
            self._users[user.user_id] = user
            self._permissions[user.user_id] = {
                "public_profile": "granted",
                **{scope: "granted" for scope in user.granted},
            }

    def consent_as(self, user_id: str, *, deny: bool = False, declined: Iterable[str] = ()) -> None:
        """Who is logged in at the Login dialog from now on, and how they answer it: deny cancels
        the dialog, `declined` are the requested scopes they untick. Without a consent_as() the
        first user added logs in and grants everything they can."""
        if isinstance(declined, str):
            raise ValueError("declined must be a list of scopes")
        with self._lock:
            if user_id not in self._users:
                raise ValueError(f"unknown user {user_id!r}; add_user() them first")
            self._consent = _Consent(user_id, bool(deny), frozenset(declined))

    def fail_oauth(self, kind: str) -> None:
        """Make the next call of `kind` fail once: "code_exchange" answers Meta's transient 500 to a
        code exchange (the code stays redeemable), "subscribe" a (#100) error to a subscribed_apps POST."""
        if kind not in OAUTH_FAULT_KINDS:
            raise ValueError(f"unknown oauth fault {kind!r}; expected one of {', '.join(OAUTH_FAULT_KINDS)}")
        with self._lock:
            self._oauth_faults.append(kind)

    def expire_token(self, page_id: str, expires_at: int, data_access_expires_at: int | None = None) -> None:
        """Set the page token's expires_at (unix time; 0 is never) and data_access_expires_at (same as
        expires_at unless given), as /debug_token reports them. A time in the past kills the token
        like Meta's expiry: Graph calls answer 190/463 and /debug_token reports it invalid."""
        if not isinstance(expires_at, int) or expires_at < 0:
            raise ValueError("expires_at must be a unix time (int >= 0)")
        if data_access_expires_at is not None and not isinstance(data_access_expires_at, int):
            raise ValueError("data_access_expires_at must be a unix time (int)")
        with self._lock:
            state = self._pages.get(page_id)
            if state is None:
                raise ValueError(f"unknown page {page_id!r}")
            state.token_expires_at = expires_at
            state.data_access_expires_at = expires_at if data_access_expires_at is None else data_access_expires_at

    def subscriptions(self, page_id: str) -> list[str]:
        """The webhook fields our app is subscribed to on the page; [] when not subscribed."""
        with self._lock:
            if page_id not in self._pages:
                raise ValueError(f"unknown page {page_id!r}")
            return list(self._subscriptions.get(page_id, ()))

    def _state(self, page_id: str, platform: str) -> _PageState:
        state = self._pages.get(page_id)
        if state is None:
            raise ValueError(f"unknown page {page_id!r}")
        if platform not in PLATFORMS:
            raise ValueError(f"platform must be one of {PLATFORMS}")
        return state

    def _receive(self, state: _PageState, platform: str, index: int, customer: Person, text: str) -> dict[str, Any]:
        """Record `customer`'s new message at the front of conversation #index; caller holds the lock."""
        inbox = state.inboxes[platform]
        earlier = state.touched[platform].get(index)
        earlier_messages = earlier.messages if earlier else ()
        moment = datetime.now(UTC)
        now = moment.replace(microsecond=0)
        message = Message(
            id=inbox.message_id(index, f"touch{len(earlier_messages)}"),
            created_time=now,
            sender=customer,
            recipient=inbox.page_person,
            text=text,
        )
        state.touched[platform][index] = _Touch(next(self._touch_seq), now, (message, *earlier_messages))
        return {
            "conversation_id": inbox.conversation_id(index),
            "mid": message.id,
            # Integer arithmetic, so that timestamp_ms // 1000 is exactly created_time's second.
            "timestamp_ms": int(now.timestamp()) * 1000 + moment.microsecond // 1000,
            "sender_id": customer.id,
        }

    # -- inspection

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._requests]

    def reset_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # -- request handling (called from server threads)

    def _respond(self, method: str, target: str, headers: RequestHeaders, body: bytes) -> Response:
        parts = urlsplit(target)
        if parts.path == "/_sim" or parts.path.startswith("/_sim/"):
            return self._control(method, parts.path.rstrip("/"), body)
        query = parse_qsl(parts.query, keep_blank_values=True)
        content_type = (headers.get("Content-Type") or "").partition(";")[0].strip().lower()
        if body and content_type == "application/x-www-form-urlencoded":
            # Meta reads a POST's parameters from a form body as well as from the query string.
            query += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        return self._graph(method, parts.path, query, headers)

    def _graph(self, method: str, path: str, query: list[tuple[str, str]], headers: RequestHeaders) -> Response:
        params = dict(query)
        token = params.pop("access_token", None) or _header_token(headers.get("Authorization"))
        match = _GRAPH_PATH.match(path)
        version, node, edge = match.groups() if match else (None, None, None)
        entry: dict[str, Any] = {
            "method": method,
            "path": path,
            "params": {key: _REDACTED if key in _SECRET_PARAMS else value for key, value in params.items()},
            "page_id": node,
            "platform": (params.get("platform") or MESSENGER).lower() if edge == "conversations" else None,
            "status": 0,
            "authorized": False,
        }
        try:
            if node is None:
                raise _GraphError(400, f"Unknown path components: {path}", "OAuthException", 2500)
            response = self._route(method, version, node, edge, params, token, entry)
        except _GraphError as exc:
            entry["authorized"] = entry["authorized"] and exc.code != 190
            response = self._error_response(exc, version)
        except Exception:  # noqa: BLE001 - a simulator bug must not kill the connection or spam stderr
            self._record_error()
            response = self._error_response(
                _GraphError(500, "An unknown error has occurred.", "OAuthException", 1), version
            )
        entry["status"] = response.status
        # Logged before the response is sent, so a caller sees its request as soon as it has the answer.
        with self._lock:
            self._requests.append(entry)
        return response

    def _route(
        self,
        method: str,
        version: str | None,
        node: str,
        edge: str | None,
        params: Mapping[str, str],
        token: str | None,
        entry: dict[str, Any],
    ) -> Response:
        """Answer one Graph call, noting in `entry` which page it was for and whether its credentials held."""
        if (node, edge) == ("dialog", "oauth"):
            entry["page_id"] = None
            return self._login_dialog(params)
        if (node, edge) in (("oauth", "access_token"), ("debug_token", None)):
            entry["page_id"] = None
            if node == "oauth":
                response = self._access_token(version, params)
            else:
                response = self._debug_token(version, params, token)
            entry["authorized"] = True
            return response
        user_token = self._user_token(token)
        if user_token is not None and node in ("me", user_token.user_id):
            entry["page_id"] = None
            if method != "GET":
                raise _unsupported(method, node)
            entry["authorized"] = True
            return self._user_edge(version, edge, params, token or "", user_token)
        state = self._authorize(method, node, edge, token)
        entry["page_id"] = state.page.page_id
        entry["authorized"] = True
        if edge == "subscribed_apps":
            return self._subscribed_apps(method, state, version, params)
        if edge is None and node in ("me", state.page.page_id):
            return self._page_node(state, version, params)
        if edge is None:
            return self._user_node(state, version, node, params)
        if edge == "conversations":
            return self._conversations(state, version, params, token or "")
        raise _param_error(f"(#100) Tried accessing nonexisting field ({edge}) on node type (Page)")

    def _authorize(self, method: str, node: str, edge: str | None, token: str | None) -> _PageState:
        with self._lock:
            if token in self._user_tokens:
                # Our code handing a user token to a page endpoint is a bug worth seeing, as on Meta.
                raise _GraphError(
                    400, "(#210) A page access token is required to request this resource.", "OAuthException", 210
                )
            if node == "me" or (edge is None and node not in self._pages):
                # A node that is not a page is a user (PSID or IGSID), read with the page's own token.
                state = next((s for s in self._pages.values() if token and s.page.token == token), None)
            else:
                state = self._pages.get(node)
                if state is None:
                    if token and any(s.page.token == token for s in self._pages.values()):
                        raise _unsupported(method, node)
                    raise _invalid_token()
            if state is None or token != state.page.token:
                raise _invalid_token()
            error = state.token_error()
            if error is not None:
                raise error
        if method != "GET" and edge != "subscribed_apps":
            raise _unsupported(method, node)
        return state

    def _page_node(self, state: _PageState, version: str | None, params: Mapping[str, str]) -> Response:
        page = state.page
        fields = _parse_fields(params.get("fields")) or {"name": _FieldSpec({}, None)}
        payload: dict[str, Any] = {}
        if "name" in fields:
            payload["name"] = page.name
        if "instagram_business_account" in fields and page.instagram_account_id:
            payload["instagram_business_account"] = {"id": page.instagram_account_id}
        payload["id"] = page.page_id
        return self._graph_response(payload, page.page_id, version)

    def _user_node(self, state: _PageState, version: str | None, user_id: str, params: Mapping[str, str]) -> Response:
        with self._lock:
            injected = self._profile_errors.get((state.page.page_id, user_id))
            located = state.locate(user_id)
            profile = state.profile(*located) if located else None
        if injected is not None:
            raise _profile_error(*injected)
        if profile is None:
            raise _profile_error(100, None)
        known = _MESSENGER_PROFILE_FIELDS if profile.platform == MESSENGER else _INSTAGRAM_PROFILE_FIELDS
        fields = _parse_fields(params.get("fields"))
        _check_fields(fields, known, "User")
        payload: dict[str, Any] = {}
        for name in fields or _DEFAULT_PROFILE_FIELDS[profile.platform]:
            value = _profile_field(profile, name)
            if value is not None:
                payload[name] = value
        payload["id"] = profile.id
        return self._graph_response(payload, state.page.page_id, version)

    def _conversations(self, state: _PageState, version: str | None, params: Mapping[str, str], token: str) -> Response:
        page = state.page
        platform = (params.get("platform") or MESSENGER).lower()
        if platform not in PLATFORMS:
            raise _param_error(f'(#100) param platform must be one of {{MESSENGER, INSTAGRAM}} - got "{platform}"')
        if platform == INSTAGRAM and not page.instagram_account_id:
            raise _param_error(
                "(#100) The Page does not have an Instagram professional account connected, "
                "so platform=instagram is not available"
            )
        limit = _parse_limit(params.get("limit"))
        position = _Position.from_cursor(params["after"]) if params.get("after") else _START
        fields = _parse_fields(params.get("fields"))
        _check_fields(fields, _CONVERSATION_FIELDS, "Conversation")

        fault = self._due_fault(state, limit)
        if fault is not None and fault.kind != "corrupt_conversation":
            return self._fault_response(fault, version, params, token, limit, position)

        user_id = params.get("user_id")
        with self._lock:
            if user_id is None:
                picked = _select(state, platform, position, limit + 1)
            else:
                picked = _find(state, platform, user_id)
        shown = picked[:limit]
        data = [_render_conversation(_materialize(state, platform, index, touch), fields) for _, index, touch in shown]
        if fault is not None and data:
            _corrupt(data[min(int(fault.options.get("position", 0)), len(data) - 1)], str(fault.options.get("damage")))
        payload: dict[str, Any] = {"data": data}
        if shown:
            after = shown[-1][0].cursor()
            paging: dict[str, Any] = {"cursors": {"before": shown[0][0].cursor(), "after": after}}
            if len(picked) > limit:
                paging["next"] = self._next_url(version, f"{page.page_id}/conversations", params, token, limit, after)
            payload["paging"] = paging
        return self._graph_response(payload, page.page_id, version)

    def _due_fault(self, state: _PageState, limit: int) -> _Fault | None:
        """Count this call against every armed fault of the page; fire at most one, oldest first."""
        with self._lock:
            due: _Fault | None = None
            for fault in self._faults:
                if fault.page_id != state.page.page_id:
                    continue
                fault.seen += 1
                if due is None and fault.seen >= fault.on_call and fault.applies(limit):
                    due = fault
            if due is None:
                return None
            due.times -= 1
            if due.times == 0:
                self._faults.remove(due)
            if due.kind == "token_invalid" and due.options.get("permanent"):
                state.revoked = (int(due.options.get("error_subcode", 463)), datetime.now(UTC))
            return due

    def _fault_response(
        self,
        fault: _Fault,
        version: str | None,
        params: Mapping[str, str],
        token: str,
        limit: int,
        position: _Position,
    ) -> Response:
        page_id, options = fault.page_id, fault.options
        if fault.kind == "token_invalid":
            expired_at = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
            raise _expired_token(int(options.get("error_subcode", 463)), expired_at)
        if fault.kind == "rate_limit":
            code = int(options.get("code", 613))
            usage = {
                page_id: [
                    {
                        "type": "pages",
                        **_THROTTLED_USAGE,
                        "estimated_time_to_regain_access": int(options.get("regain_minutes", 1)),
                    }
                ]
            }
            raise _GraphError(
                400,
                _RATE_LIMIT_MESSAGES.get(code, f"(#{code}) Rate limit reached"),
                "OAuthException",
                code,
                headers={"X-Business-Use-Case-Usage": _compact(usage), "X-App-Usage": _compact(_THROTTLED_USAGE)},
            )
        if fault.kind == "server_error":
            raise _GraphError(
                500,
                "An unexpected error has occurred. Please retry your request later.",
                "OAuthException",
                2,
                transient=True,
            )
        if fault.kind == "reduce_data":
            raise _GraphError(
                500,
                "Please reduce the amount of data you're asking for, then retry your request",
                "OAuthException",
                1,
            )
        if fault.kind == "empty_page":
            cursor = position.cursor()
            return self._graph_response(
                {
                    "data": [],
                    "paging": {
                        "cursors": {"before": cursor, "after": cursor},
                        "next": self._next_url(version, f"{page_id}/conversations", params, token, limit, cursor),
                    },
                },
                page_id,
                version,
            )
        if fault.kind == "redirect":
            return Response(302, b"", {**self._base_headers(version), "Location": str(options["location"])})
        # malformed_json: a body cut off mid-stream, as a dropped proxy connection produces.
        return Response(200, b'{"data": [', self._base_headers(version))

    # -- Facebook Login and page management

    def _login_dialog(self, params: Mapping[str, str]) -> Response:
        """Facebook's Login dialog, answered at once by the user chosen with consent_as()."""
        if params.get("client_id") != self.app_id:
            return _html_page(400, "Invalid App ID", "The provided app ID does not look like a valid app ID.")
        redirect_uri = params.get("redirect_uri")
        if not redirect_uri:
            return _html_page(400, "Error", "The parameter redirect_uri is required.")
        if params.get("response_type", "code") != "code":
            return _html_page(400, "Error", "The simulator's Login dialog only answers response_type=code.")
        scopes = [scope for scope in re.split(r"[,\s]+", params.get("scope", "")) if scope]
        invalid = [scope for scope in scopes if scope not in _KNOWN_SCOPES]
        if invalid:
            return _html_page(400, "Invalid Scopes", f"Invalid Scopes: {', '.join(invalid)}.")
        with self._lock:
            consent = self._consent or next((_Consent(user_id, False, frozenset()) for user_id in self._users), None)
            if consent is None:
                return _html_page(400, "Error", "Nobody can log in: the simulator has no users; add_user() first.")
            answer: dict[str, str]
            if consent.deny:
                answer = {
                    "error": "access_denied",
                    "error_code": "200",
                    "error_description": "Permissions error",
                    "error_reason": "user_denied",
                }
            else:
                user = self._users[consent.user_id]
                permissions = self._permissions[user.user_id]
                for scope in scopes:
                    if scope != "public_profile":  # part of every login: the dialog has no box to untick
                        granted = scope in user.granted and scope not in consent.declined
                        permissions[scope] = "granted" if granted else "declined"
                code = _new_secret("AQ")
                self._codes[code] = _Code(user.user_id, redirect_uri, time.monotonic())
                answer = {"code": code}
        if "state" in params:
            answer["state"] = params["state"]
        separator = "&" if "?" in redirect_uri else "?"
        location = f"{redirect_uri}{separator}{urlencode(answer)}#_=_"
        return Response(302, b"", {"Location": location, "Content-Type": "text/html; charset=utf-8"})

    def _access_token(self, version: str | None, params: Mapping[str, str]) -> Response:
        """The token endpoint: a dialog's code, or a user token (fb_exchange_token), for a user token."""
        client_id = params.get("client_id")
        if not client_id:
            raise _GraphError(400, "Missing client_id parameter.", "OAuthException", 101)
        if client_id != self.app_id:
            raise _GraphError(400, "Error validating application. Invalid application ID.", "OAuthException", 101)
        if params.get("client_secret") != self.app_secret:
            raise _GraphError(400, "Error validating client secret.", "OAuthException", 1)
        if params.get("grant_type") == "fb_exchange_token":
            exchanged = self._user_token(params.get("fb_exchange_token"))
            if exchanged is None:
                raise _invalid_token()
            user_id = exchanged.user_id
        else:
            user_id = self._redeem_code(params.get("code"), params.get("redirect_uri"))
        token = _new_secret("EAA")
        now = int(time.time())
        with self._lock:
            self._user_tokens[token] = _UserToken(user_id, now, now + USER_TOKEN_EXPIRES_IN)
        payload = {"access_token": token, "token_type": "bearer", "expires_in": USER_TOKEN_EXPIRES_IN}
        return self._graph_response(payload, None, version)

    def _redeem_code(self, code: str | None, redirect_uri: str | None) -> str:
        """The user `code` was issued to. Only a successful exchange spends the code, so a client may
        retry after a transient error or after fixing its redirect_uri."""
        with self._lock:
            if self._take_oauth_fault("code_exchange"):
                raise _GraphError(
                    500,
                    "An unexpected error has occurred. Please retry your request later.",
                    "OAuthException",
                    2,
                    transient=True,
                )
            if not redirect_uri:
                raise _GraphError(400, "Missing redirect_uri parameter.", "OAuthException", 191)
            if not code:
                raise _GraphError(400, "Missing authorization code", "OAuthException", 1)
            issued = self._codes.get(code)
            if issued is None:
                # A spent code is forgotten, so it and one never issued get the same answer.
                raise _code_error(36009, "This authorization code has been used.")
            if time.monotonic() - issued.issued >= CODE_LIFETIME_SECONDS:
                del self._codes[code]
                raise _code_error(36007, "This authorization code has expired.")
            if issued.redirect_uri != redirect_uri:
                raise _code_error(
                    36008,
                    "Error validating verification code. Please make sure your redirect_uri is identical "
                    "to the one you used in the OAuth dialog request",
                )
            del self._codes[code]
            return issued.user_id

    def _take_oauth_fault(self, kind: str) -> bool:
        with self._lock:
            if kind not in self._oauth_faults:
                return False
            self._oauth_faults.remove(kind)
            return True

    def _user_token(self, token: str | None) -> _UserToken | None:
        with self._lock:
            return self._user_tokens.get(token) if token else None

    def _granted(self, user_id: str) -> tuple[str, ...]:
        with self._lock:
            return tuple(scope for scope, status in self._permissions[user_id].items() if status == "granted")

    def _page_grant(self, page_id: str) -> tuple[str | None, tuple[str, ...]]:
        """The user a page token acts for and the scopes it carries: those of whoever last got it from
        /me/accounts, else of the first user managing the page. A page no user manages was connected
        before the story began (as in the sync tests): its token carries DEFAULT_SCOPES."""
        with self._lock:
            user_id = self._page_grantors.get(page_id) or next(
                (user.user_id for user in self._users.values() if page_id in user.page_ids), None
            )
            if user_id is None:
                return None, ("public_profile", *DEFAULT_SCOPES)
            return user_id, self._granted(user_id)

    def _user_edge(
        self, version: str | None, edge: str | None, params: Mapping[str, str], token: str, user_token: _UserToken
    ) -> Response:
        with self._lock:
            user = self._users[user_token.user_id]
        if edge == "accounts":
            return self._accounts(version, params, token, user)
        if edge == "permissions":
            with self._lock:
                permissions = self._permissions[user.user_id].items()
                data = [{"permission": scope, "status": status} for scope, status in permissions]
            return self._graph_response({"data": data}, None, version)
        if edge is not None:
            raise _param_error(f"(#100) Tried accessing nonexisting field ({edge}) on node type (User)")
        fields = _parse_fields(params.get("fields"))
        _check_fields(fields, _USER_FIELDS, "User")
        payload: dict[str, Any] = {"name": user.name} if fields is None or "name" in fields else {}
        payload["id"] = user.user_id
        return self._graph_response(payload, None, version)

    def _accounts(self, version: str | None, params: Mapping[str, str], token: str, user: SimUser) -> Response:
        fields = _parse_fields(params.get("fields"))
        _check_fields(fields, _ACCOUNT_FIELDS, "Page")
        instagram = (fields or {}).get("instagram_business_account")
        if instagram is not None:
            _check_fields(instagram.children, _INSTAGRAM_ACCOUNT_FIELDS, "IGUser")
        limit = _parse_limit(params.get("limit"))
        offset = _account_offset(params["after"]) + 1 if params.get("after") else 0
        with self._lock:
            # Without pages_show_list Meta lists no pages rather than failing.
            listed = "pages_show_list" in self._granted(user.user_id)
            states = [self._pages[page_id] for page_id in user.page_ids] if listed else []
            shown = states[offset : offset + limit]
            for state in shown:
                self._page_grantors[state.page.page_id] = user.user_id
        payload: dict[str, Any] = {"data": [_render_account(state, fields) for state in shown]}
        if shown:
            after = _cursor(f"acct:{offset + len(shown) - 1}")
            paging: dict[str, Any] = {"cursors": {"before": _cursor(f"acct:{offset}"), "after": after}}
            if offset + len(shown) < len(states):
                paging["next"] = self._next_url(version, f"{user.user_id}/accounts", params, token, limit, after)
            payload["paging"] = paging
        return self._graph_response(payload, None, version)

    def _subscribed_apps(
        self, method: str, state: _PageState, version: str | None, params: Mapping[str, str]
    ) -> Response:
        page_id = state.page.page_id
        if method == "GET":
            with self._lock:
                subscribed = self._subscriptions.get(page_id)
            data = (
                []
                if subscribed is None
                else [{"name": APP_NAME, "id": self.app_id, "subscribed_fields": list(subscribed)}]
            )
            return self._graph_response({"data": data}, page_id, version)
        if method == "POST" and self._take_oauth_fault("subscribe"):
            # The simulator's wording; what matters to a client is the code.
            raise _param_error("(#100) The app could not be subscribed to the Page's webhooks. Please retry later.")
        _, scopes = self._page_grant(page_id)
        if "pages_manage_metadata" not in scopes:
            raise _GraphError(403, "(#200) Permissions error", "OAuthException", 200)
        if method == "DELETE":
            with self._lock:
                self._subscriptions.pop(page_id, None)
            return self._graph_response({"success": True}, page_id, version)
        fields = _subscribed_fields(params.get("subscribed_fields"))
        messaging = next((name for name in fields if name in _MESSAGING_WEBHOOK_FIELDS), None)
        if messaging is not None and "pages_messaging" not in scopes:
            raise _param_error(
                f"(#100) To subscribe to the {messaging} field, one of these permissions is needed: pages_messaging"
            )
        with self._lock:
            self._subscriptions[page_id] = fields
        return self._graph_response({"success": True}, page_id, version)

    def _debug_token(self, version: str | None, params: Mapping[str, str], token: str | None) -> Response:
        # Meta also lets an app developer's user token inspect tokens; simulated users are not developers.
        if token != f"{self.app_id}|{self.app_secret}":
            raise _invalid_token()
        input_token = params.get("input_token")
        if not input_token:
            raise _param_error("(#100) The parameter input_token is required")
        return self._graph_response({"data": self._inspect(input_token)}, None, version)

    def _inspect(self, token: str) -> dict[str, Any]:
        """/debug_token's data: an unusable token is reported, with Meta's error inside, not refused."""
        common = {"app_id": self.app_id, "application": APP_NAME}
        with self._lock:
            user_token = self._user_tokens.get(token)
            if user_token is not None:
                return {
                    **common,
                    "type": "USER",
                    "data_access_expires_at": user_token.issued_at + DATA_ACCESS_SECONDS,
                    "expires_at": user_token.expires_at,
                    "is_valid": True,
                    "issued_at": user_token.issued_at,
                    "scopes": list(self._granted(user_token.user_id)),
                    "user_id": user_token.user_id,
                }
            state = next((state for state in self._pages.values() if state.page.token == token), None)
            if state is None:
                return {
                    "error": {"code": 190, "message": "Invalid OAuth access token - Cannot parse access token"},
                    "is_valid": False,
                    "scopes": [],
                }
            user_id, scopes = self._page_grant(state.page.page_id)
            error = state.token_error()
            info: dict[str, Any] = {
                **common,
                "type": "PAGE",
                "data_access_expires_at": state.data_access_expires_at,
                "expires_at": state.token_expires_at,
                "is_valid": error is None,
                "issued_at": state.token_issued_at,
                "profile_id": state.page.page_id,
                "scopes": list(scopes),
            }
        if user_id is not None:
            info["user_id"] = user_id
        if error is not None:
            info["error"] = {
                "code": error.code,
                "message": error.error["message"],
                "subcode": error.error["error_subcode"],
            }
        return info

    def _next_url(
        self, version: str | None, edge_path: str, params: Mapping[str, str], token: str, limit: int, after: str
    ) -> str:
        # Like Meta: the token rides in the URL, the other parameters are echoed, limit is explicit.
        query = [("access_token", token)]
        query += [(key, value) for key, value in params.items() if key not in ("limit", "after", "before")]
        query += [("limit", str(limit)), ("after", after)]
        prefix = f"/{version}" if version else ""
        return f"http://{HOST}:{self.port}{prefix}/{edge_path}?{urlencode(query)}"

    def _trace_id(self) -> str:
        with self._lock:
            seq = next(self._trace_seq)
        digest = hashlib.sha256(f"{id(self)}:{seq}".encode()).digest()
        return "A" + base64.urlsafe_b64encode(digest).decode()[:22]

    def _base_headers(self, version: str | None) -> dict[str, str]:
        return {
            "Content-Type": _JSON_TYPE,
            "facebook-api-version": version or self.version,
            "x-fb-trace-id": self._trace_id(),
            "X-App-Usage": _compact(_MODEST_USAGE),
        }

    def _graph_response(self, payload: Any, page_id: str | None, version: str | None) -> Response:
        """A 200 answer; only calls about a page count against (and report) its business use case."""
        headers = self._base_headers(version)
        if page_id is not None:
            headers["X-Business-Use-Case-Usage"] = _compact(
                {page_id: [{"type": "pages", **_MODEST_USAGE, "estimated_time_to_regain_access": 0}]}
            )
        return Response(200, _graph_json(payload), headers)

    def _error_response(self, exc: _GraphError, version: str | None) -> Response:
        headers = self._base_headers(version)
        headers.update(exc.headers)
        if exc.code == 190:
            headers["WWW-Authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{exc.error["message"]}"'
        error = {**exc.error, "fbtrace_id": headers["x-fb-trace-id"]}
        return Response(exc.status, _graph_json({"error": error}), headers)

    # -- /_sim/ control endpoints

    def _control(self, method: str, path: str, body: bytes) -> Response:
        try:
            payload = json.loads(body) if body else {}
            route = (method, path)
            if route == ("GET", "/_sim/requests"):
                return _control_json(200, self.requests)
            if route == ("DELETE", "/_sim/requests"):
                self.reset_requests()
            elif route == ("POST", "/_sim/faults"):
                self.inject(**_json_object(payload))
            elif route == ("DELETE", "/_sim/faults"):
                self.clear_faults()
            elif route == ("POST", "/_sim/pages"):
                self.add_page(_page_from_json(_json_object(payload)))
            elif route == ("POST", "/_sim/touch"):
                return _control_json(200, self.touch(**_json_object(payload)))
            elif route == ("POST", "/_sim/new_sender"):
                return _control_json(200, self.new_sender(**_json_object(payload)))
            elif route == ("POST", "/_sim/profile_errors"):
                self.inject_profile_error(**_json_object(payload))
            elif route == ("DELETE", "/_sim/profile_errors"):
                self.clear_profile_errors()
            elif route == ("POST", "/_sim/users"):
                self.add_user(SimUser(**_json_object(payload)))
            elif route == ("POST", "/_sim/consent"):
                self.consent_as(**_json_object(payload))
            elif route == ("POST", "/_sim/oauth_faults"):
                self.fail_oauth(**_json_object(payload))
            elif route == ("POST", "/_sim/token_expiry"):
                self.expire_token(**_json_object(payload))
            else:
                return _control_json(404, {"error": f"no control endpoint {method} {path}"})
        except (TypeError, ValueError, IndexError) as exc:
            return _control_json(400, {"error": str(exc)})
        except Exception:  # noqa: BLE001 - same policy as _graph: record, answer, keep serving
            self._record_error()
            return _control_json(500, {"error": "simulator bug; see GraphSimulator.errors"})
        return _control_json(200, {"ok": True})


def _select(
    state: _PageState, platform: str, after: _Position, count: int
) -> list[tuple[_Position, int, _Touch | None]]:
    """Up to `count` conversations following `after`: touched ones by touch recency, then the rest
    by index. Keyset, not offset, paging: a touch during a walk moves a conversation to the front
    (where this walk will not see it, as on Meta) but never shifts or skips the others."""
    touched = state.touched[platform]
    picked: list[tuple[_Position, int, _Touch | None]] = []
    if after.kind in ("s", "t"):
        for index, touch in sorted(touched.items(), key=lambda item: -item[1].seq):
            if after.kind == "s" or touch.seq < after.value:
                picked.append((_Position("t", touch.seq), index, touch))
                if len(picked) == count:
                    return picked
        index = 0
    else:
        index = after.value + 1
    total = state.inboxes[platform].count
    while len(picked) < count and index < total:
        if index not in touched:
            picked.append((_Position("i", index), index, None))
        index += 1
    return picked


def _find(state: _PageState, platform: str, user_id: str) -> list[tuple[_Position, int, _Touch | None]]:
    """The `user_id` filter: that customer's conversation on `platform`, if they have one."""
    located = state.locate(user_id)
    if located is None or located[0] != platform:
        return []
    index = located[1]
    touch = state.touched[platform].get(index)
    return [(_Position("t", touch.seq) if touch else _Position("i", index), index, touch)]


def _materialize(state: _PageState, platform: str, index: int, touch: _Touch | None) -> Conversation:
    conversation = state.conversation(platform, index)
    if touch is None:
        return conversation
    return replace(conversation, updated_time=touch.time, messages=touch.messages + conversation.messages)


def _render_person(person: Person) -> dict[str, str]:
    rendered = {"name": person.name, "email": person.email, "username": person.username, "id": person.id}
    return {key: value for key, value in rendered.items() if value is not None}


def _profile_field(profile: Profile, name: str) -> str | None:
    """A profile field's value, None for fields the simulator knows but does not generate."""
    if name in ("first_name", "last_name"):
        # Generated names have no separate given and family parts: splitting at the first space keeps
        # "first last" == name, and a one-word name has no last_name, which Meta then leaves out.
        first, _, last = (profile.name or "").partition(" ")
        return (first if name == "first_name" else last) or None
    if name in ("name", "username", "profile_pic"):
        return getattr(profile, name)
    return None


def _render_message(message: Message, fields: Mapping[str, _FieldSpec] | None) -> dict[str, Any]:
    rendered: dict[str, Any] = {"id": message.id}
    for name in fields or ("created_time",):
        if name == "created_time":
            rendered[name] = format_time(message.created_time)
        elif name == "from":
            rendered[name] = _render_person(message.sender)
        elif name == "to":
            rendered[name] = {"data": [_render_person(message.recipient)]}
        elif name == "message":
            rendered[name] = message.text
    return rendered


def _render_messages(conversation: Conversation, spec: _FieldSpec) -> dict[str, Any]:
    limit = int(spec.modifiers.get("limit", DEFAULT_MESSAGE_LIMIT))
    shown = conversation.messages[:limit]
    rendered: dict[str, Any] = {"data": [_render_message(message, spec.children) for message in shown]}
    if shown:
        cursors = {"before": _cursor(f"msg:{shown[0].id}"), "after": _cursor(f"msg:{shown[-1].id}")}
        rendered["paging"] = {"cursors": cursors}
    return rendered


def _render_conversation(conversation: Conversation, fields: Mapping[str, _FieldSpec] | None) -> dict[str, Any]:
    rendered: dict[str, Any] = {"id": conversation.id}
    people = {"data": [_render_person(conversation.customer), _render_person(conversation.page)]}
    for name, spec in (fields or {"updated_time": _FieldSpec({}, None)}).items():
        if name == "updated_time":
            rendered[name] = format_time(conversation.updated_time)
        elif name in ("participants", "senders"):
            rendered[name] = people
        elif name == "messages":
            rendered[name] = _render_messages(conversation, spec)
        elif name == "message_count":
            rendered[name] = len(conversation.messages)
        elif name == "unread_count":
            rendered[name] = conversation.unread_count
        elif name == "snippet":
            rendered[name] = conversation.messages[0].text[:SNIPPET_LENGTH]
        elif name == "can_reply":
            rendered[name] = True
    return rendered


def _render_account(state: _PageState, fields: Mapping[str, _FieldSpec] | None) -> dict[str, Any]:
    """A page as /me/accounts lists it for one of the users who manage it."""
    page = state.page
    rendered: dict[str, Any] = {}
    for name, spec in (fields or dict.fromkeys(_DEFAULT_ACCOUNT_FIELDS, _FieldSpec({}, None))).items():
        if name == "id":
            rendered[name] = page.page_id
        elif name == "name":
            rendered[name] = page.name
        elif name == "access_token":
            rendered[name] = page.token
        elif name == "category":
            rendered[name] = page.category
        elif name == "tasks":
            rendered[name] = list(_OWNER_TASKS)
        elif name == "instagram_business_account" and page.instagram_account_id:
            # The account conversations show as the page's participant, so the two always agree.
            account = state.inboxes[INSTAGRAM].page_person
            rendered[name] = {"id": account.id}
            if spec.children and "username" in spec.children:
                rendered[name]["username"] = account.username
    rendered.setdefault("id", page.page_id)
    return rendered


def _subscribed_fields(raw: str | None) -> tuple[str, ...]:
    if raw is None or not raw.strip():
        raise _param_error("(#100) The parameter subscribed_fields is required")
    fields = tuple(dict.fromkeys(name.strip() for name in raw.split(",") if name.strip()))
    for position, name in enumerate(fields):
        if name not in _PAGE_WEBHOOK_FIELDS:
            known = ", ".join(sorted(_PAGE_WEBHOOK_FIELDS))
            raise _param_error(f'(#100) Param subscribed_fields[{position}] must be one of {{{known}}} - got "{name}"')
    return fields


def _new_secret(prefix: str) -> str:
    # Random, not derived: a code or token must not be guessable from another one the client saw.
    return prefix + secrets.token_urlsafe(48).replace("-", "x").replace("_", "y")


def _html_page(status: int, title: str, detail: str) -> Response:
    """The Login dialog is a web page, so its errors are shown to the person, not sent as JSON."""
    body = (
        f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(detail)}</p></body></html>"
    )
    return Response(status, body.encode(), {"Content-Type": "text/html; charset=utf-8"})


def _parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise _param_error(f"(#100) Param limit must be an integer, got {raw!r}") from None
    return DEFAULT_LIMIT if value <= 0 else min(value, MAX_LIMIT)


def _header_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() not in ("bearer", "oauth"):
        return None
    return value.strip() or None


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _graph_json(payload: Any) -> bytes:
    # Meta escapes "/" (and non-ASCII); "/" only ever occurs inside JSON strings, so this is safe.
    return _compact(payload).replace("/", "\\/").encode()


def _control_json(status: int, payload: Any) -> Response:
    return Response(status, json.dumps(payload).encode(), {"Content-Type": _JSON_TYPE})


def _json_object(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ValueError("expected a JSON object")
    return payload


def _page_from_json(payload: dict[str, Any]) -> SimPage:
    anchor = payload.get("anchor")
    if isinstance(anchor, str):
        try:
            payload = {**payload, "anchor": datetime.strptime(anchor, "%Y-%m-%dT%H:%M:%S%z")}
        except ValueError:
            payload = {**payload, "anchor": datetime.fromisoformat(anchor)}
    return SimPage(**payload)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.graph_sim", description="Meta Graph API simulator")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port (default 8765)")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="serve the demo page (Bluebird Coffee Roasters) and its owner (DEMO_USER), who can log in",
    )
    parser.add_argument("--api-version", default="v25.0", help="Graph API version in the base URL")
    parser.add_argument("--app-id", default="1234567890", help="the Meta app id the Login endpoints accept")
    parser.add_argument("--app-secret", default="sim-app-secret", help="the app secret the token endpoint accepts")
    args = parser.parse_args(argv)
    simulator = GraphSimulator(
        pages=[DEMO_PAGE] if args.demo else [],
        port=args.port,
        version=args.api_version,
        app_id=args.app_id,
        app_secret=args.app_secret,
    )
    if args.demo:
        simulator.add_user(DEMO_USER)
    return serve_until_stopped(simulator)


if __name__ == "__main__":
    sys.exit(main())
