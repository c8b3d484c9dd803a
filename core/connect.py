"""Connecting pages with Facebook Login: a signed single-use state, the code and token exchanges,
the user's pages with their tokens, webhook subscriptions, and storing it all at once.

Nothing is stored until every step has succeeded: a failed exchange or subscription leaves the
database as it was.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode

import redis
from itsdangerous import BadData, URLSafeSerializer

from core import pages
from core.db import Conn
from core.graph import GraphClient, GraphError, MalformedResponseError, is_graph_id
from core.pages import Page, PageOwnedElsewhere
from core.tokens import TokenCipher

# What the product needs: list pages, read and send messages, subscribe webhooks, Instagram DMs.
REQUIRED_SCOPES = (
    "pages_show_list",
    "pages_messaging",
    "pages_read_engagement",
    "pages_manage_metadata",
    "instagram_basic",
    "instagram_manage_messages",
)
# Every messaging item core/webhook_events.py reads, and nothing else (docs/meta-app.md lists them).
WEBHOOK_FIELDS = (
    "messages",
    "message_echoes",
    "messaging_postbacks",
    "message_reactions",
    "message_reads",
    "message_deliveries",
    "message_edits",
    "messaging_referrals",
    "standby",
)
STATE_TTL_SECONDS = 600


class ConnectError(Exception):
    """The connection could not be completed; the message is for the person connecting."""


class StateRejected(ConnectError):
    """A genuine connect link that can no longer be used (expired, or used already): unlike a forged
    one, it says who asked, so they can be told in Slack too."""

    def __init__(self, message: str, state: ConnectState) -> None:
        super().__init__(message)
        self.state = state


@dataclass(frozen=True)
class ConnectState:
    team_id: str
    user_id: str
    channel_id: str
    expires_at: int
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(16))


class StateSigner:
    """Signed (itsdangerous, HMAC-SHA256), short-lived and single-use (its nonce lives in Redis until used).

    The expiry is a field of the signed state rather than the timestamp of itsdangerous's
    URLSafeTimedSerializer, which reads time.time() itself: the clock stays one we are given (the
    tests issue states an hour old)."""

    def __init__(
        self,
        secret: str,
        store: redis.Redis,
        namespace: str = "fbsync:connect-state",
        clock: Callable[[], float] = time.time,
    ) -> None:
        # A key of its own, derived from the app secret, so a state can never pass for anything else.
        self._serializer = URLSafeSerializer(
            secret,
            salt="fbsync connect state",
            signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
        )
        self._store = store
        self._namespace = namespace
        self._clock = clock

    def issue(self, team_id: str, user_id: str, channel_id: str) -> str:
        state = ConnectState(team_id, user_id, channel_id, int(self._clock()) + STATE_TTL_SECONDS)
        self._store.set(f"{self._namespace}:{state.nonce}", "1", ex=STATE_TTL_SECONDS)
        return self._serializer.dumps(asdict(state))

    def read(self, text: str) -> ConnectState:
        """A genuine, unexpired state (not consumed)."""
        try:
            state = ConnectState(**self._serializer.loads(text))
        except (BadData, TypeError):
            raise ConnectError("This connect link is not valid. Ask for a new one with `/fbsync connect`.") from None
        if state.expires_at < self._clock():
            raise StateRejected("This connect link has expired. Ask for a new one with `/fbsync connect`.", state)
        return state

    def consume(self, text: str) -> ConnectState:
        state = self.read(text)
        if not self._store.delete(f"{self._namespace}:{state.nonce}"):
            raise StateRejected("This connect link was already used. Ask for a new one with `/fbsync connect`.", state)
        return state


def link_maker(signer: StateSigner, public_url: str) -> Callable[[str, str, str], str]:
    """(team id, user id, channel id) -> the single-use link that starts Facebook Login for that person."""

    def link(team_id: str, user_id: str, channel_id: str) -> str:
        return f"{public_url}/facebook/connect?" + urlencode({"state": signer.issue(team_id, user_id, channel_id)})

    return link


@dataclass(frozen=True)
class ManagedPage:
    page_id: str
    name: str
    token: str = field(repr=False)
    instagram_account_id: str | None
    instagram_username: str | None


class FacebookLogin:
    def __init__(
        self, graph: Callable[[str], GraphClient], *, dialog_url: str, app_id: str, app_secret: str, redirect_uri: str
    ) -> None:
        self._graph = graph  # a client speaking with the given token ("" before there is one)
        self._dialog_url = dialog_url
        self._app_id = app_id
        self._app_secret = app_secret
        self._redirect_uri = redirect_uri

    def dialog(self, state: str) -> str:
        query = {
            "client_id": self._app_id,
            "redirect_uri": self._redirect_uri,
            "state": state,
            "scope": ",".join(REQUIRED_SCOPES),
            "response_type": "code",
        }
        return f"{self._dialog_url}?{urlencode(query)}"

    def user_token(self, code: str) -> str:
        """The code -> a short-lived user token -> a long-lived one (60 days)."""
        exchange = self._graph("")
        try:
            short = exchange.get(
                "oauth/access_token",
                {
                    "client_id": self._app_id,
                    "client_secret": self._app_secret,
                    "redirect_uri": self._redirect_uri,
                    "code": code,
                },
                secrets=(self._app_secret, code),
            )["access_token"]
            return exchange.get(
                "oauth/access_token",
                {
                    "grant_type": "fb_exchange_token",
                    "client_id": self._app_id,
                    "client_secret": self._app_secret,
                    "fb_exchange_token": short,
                },
                secrets=(self._app_secret, short),
            )["access_token"]
        except (GraphError, KeyError) as exc:
            raise ConnectError(f"Facebook did not accept the login ({_reason(exc)}). Please try again.") from None

    def check_scopes(self, user_token: str) -> None:
        answer = self._graph(user_token).get("me/permissions", {})
        granted = {p.get("permission") for p in answer.get("data", []) if p.get("status") == "granted"}
        missing = [scope for scope in REQUIRED_SCOPES if scope not in granted]
        if missing:
            raise ConnectError(
                "fbsync needs these permissions, which were not granted: "
                + ", ".join(missing)
                + ". Connect again and keep them ticked."
            )

    def managed_pages(self, user_token: str) -> list[ManagedPage]:
        found: list[ManagedPage] = []
        graph = self._graph(user_token)
        params = {"fields": "id,name,access_token,instagram_business_account{id,username}", "limit": "100"}
        after: str | None = None
        while True:
            answer = graph.get("me/accounts", {**params, **({"after": after} if after else {})})
            found.extend(_managed_page(item) for item in answer.get("data", []))
            paging = answer.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
            if not after:
                return found

    def subscribe(self, page: ManagedPage) -> None:
        try:
            self._graph(page.token).post(
                f"{page.page_id}/subscribed_apps", {"subscribed_fields": ",".join(WEBHOOK_FIELDS)}
            )
        except GraphError as exc:
            raise ConnectError(f"Could not subscribe {page.name} to messages ({_reason(exc)}).") from None


def _managed_page(item: object) -> ManagedPage:
    """One entry of `/me/accounts`, refused unless its ids are Meta ids and it has a name and a token."""
    if not isinstance(item, dict):
        raise MalformedResponseError("Facebook listed a page that is not an object")
    instagram = item.get("instagram_business_account") or {}
    name, token = item.get("name"), item.get("access_token")
    if not (
        is_graph_id(item.get("id"))
        and isinstance(name, str)
        and name.strip()
        and isinstance(token, str)
        and token
        and isinstance(instagram, dict)
        and (instagram.get("id") is None or is_graph_id(instagram.get("id")))
    ):
        raise MalformedResponseError("Facebook listed a page without a valid id, name or token")
    username = instagram.get("username")
    return ManagedPage(
        item["id"],
        name.strip(),
        token,
        instagram.get("id"),
        username if isinstance(username, str) and username else None,
    )


def connect(login: FacebookLogin, code: str) -> list[ManagedPage]:
    """Everything that talks to Meta, before anything is stored."""
    user_token = login.user_token(code)
    try:
        login.check_scopes(user_token)
        managed = login.managed_pages(user_token)
    except GraphError as exc:
        raise ConnectError(f"Facebook did not list your pages ({_reason(exc)}). Please try again.") from None
    if not managed:
        raise ConnectError("Your Facebook account manages no pages that fbsync can connect.")
    for page in managed:
        login.subscribe(page)
    return managed


@dataclass(frozen=True)
class Stored:
    pages: list[Page]
    refused: list[PageOwnedElsewhere]  # pages another workspace has: theirs stay untouched


def store_pages(conn: Conn, cipher: TokenCipher, team_id: str, managed: list[ManagedPage]) -> Stored:
    """All pages in one transaction; a page that needed reconnecting gets its new token and is cleared.
    A page another workspace has is refused, and the rest are stored."""
    stored: list[Page] = []
    refused: list[PageOwnedElsewhere] = []
    with conn.transaction():
        organization_id = pages.ensure_organization(conn, team_id)
        for m in managed:
            try:
                with conn.transaction():
                    stored.append(
                        pages.add_page(
                            conn,
                            organization_id=organization_id,
                            page_id=m.page_id,
                            name=m.name,
                            token_ciphertext=cipher.encrypt(m.token),
                            instagram_account_id=m.instagram_account_id,
                            instagram_username=m.instagram_username,
                        )
                    )
            except PageOwnedElsewhere as exc:
                refused.append(exc)
    return Stored(stored, refused)


def _reason(exc: Exception) -> str:
    if isinstance(exc, MalformedResponseError):
        return exc.message  # ours, naming what was wrong with Meta's answer
    return f"code {exc.code}" if isinstance(exc, GraphError) and exc.code else type(exc).__name__
