"""Graph API client: cursor pagination over the conversations edge, retries and rate-limit waits.

The page token travels only in the Authorization header. `paging.next` URLs from Meta carry
`access_token=...`; it is stripped before the URL is followed so it never reaches a log or error.
Ids are checked and every path segment quoted, so no id can change which endpoint is asked, and no
redirect is followed: a Graph API call never redirects, so one means a proxy or a fault, and
following it could carry the token to another origin.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Generator
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

import requests

from core.config import Settings
from core.graph.errors import (
    REDUCE_DATA_CODE,
    GraphRequestError,
    GraphUnavailableError,
    MalformedResponseError,
    RateLimitedError,
    TransientGraphError,
    classify,
    scrub,
)
from core.graph.ids import InvalidGraphId, graph_id
from core.graph.pacing import Pacer

logger = logging.getLogger(__name__)

Platform = Literal["messenger", "instagram"]

MESSAGE_FIELDS = "id,from,to,message,created_time"
CONVERSATION_FIELDS = f"participants,updated_time,messages.limit(25){{{MESSAGE_FIELDS}}}"
PROFILE_FIELDS: dict[str, str] = {
    "messenger": "first_name,last_name,profile_pic",
    "instagram": "name,username,profile_pic",
}
SMALLEST_PAGE = 5
# Meta may answer an empty page that still has `next`; that is not the end, but an endless run of them is a fault.
MAX_EMPTY_PAGES_IN_A_ROW = 10
# Used when Meta throttles us without saying for how long.
DEFAULT_RATE_LIMIT_WAIT = 60.0


class GraphClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        calls_per_second: float = 2.0,
        page_size: int = 100,
        max_retries: int = 4,
        max_rate_limit_wait: float = 300.0,
        timeout: float = 30.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        log: logging.Logger | logging.LoggerAdapter = logger,
    ) -> None:
        self._log = log
        self._base_url = base_url.rstrip("/")
        self._origin = _origin(self._base_url)
        self._token = token
        self._page_size = page_size
        self._max_retries = max_retries
        self._max_rate_limit_wait = max_rate_limit_wait
        self._timeout = timeout
        self._session = session or requests.Session()
        self._sleep = sleep
        self._pacer = Pacer(calls_per_second)

    @classmethod
    def for_page(
        cls,
        settings: Settings,
        token: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        log: logging.Logger | logging.LoggerAdapter = logger,
        session: requests.Session | None = None,
    ) -> GraphClient:
        """A client with the deployment's Graph settings, speaking with one page's token."""
        return cls(
            settings.graph_url,
            token,
            calls_per_second=settings.graph_calls_per_second,
            page_size=settings.graph_page_size,
            max_retries=settings.graph_max_retries,
            max_rate_limit_wait=settings.graph_max_rate_limit_wait,
            timeout=settings.graph_timeout,
            session=session,
            sleep=sleep,
            log=log,
        )

    def conversations(self, page_id: str, platform: Platform = "messenger") -> Generator[list[dict[str, Any]]]:
        """Yield the page's conversations one Graph page at a time, newest `updated_time` first."""
        url = self._url(graph_id(page_id, "page id"), "conversations")
        params: dict[str, str] = {"fields": CONVERSATION_FIELDS, "limit": str(self._page_size)}
        if platform == "instagram":
            params["platform"] = "instagram"
        empty_in_a_row = 0
        while True:
            body = self._call(url, params, page_id=page_id)
            data = body.get("data")
            if not isinstance(data, list):
                raise MalformedResponseError("Graph API conversations response has no 'data' list")
            empty_in_a_row = empty_in_a_row + 1 if not data else 0
            if empty_in_a_row > MAX_EMPTY_PAGES_IN_A_ROW:
                raise MalformedResponseError(
                    f"Graph API returned {empty_in_a_row} empty pages in a row, each with a next link"
                )
            yield data
            paging = body.get("paging")
            next_url = paging.get("next") if isinstance(paging, dict) else None
            if not next_url:
                return
            url, next_params = self._follow(next_url)
            # Keep a page size we had to shrink to, even though Meta's next link repeats the old one.
            next_params["limit"] = str(min(int(next_params.get("limit", self._page_size)), int(params["limit"])))
            params = next_params

    def conversation_with(self, page_id: str, user_id: str, platform: Platform) -> dict[str, Any] | None:
        """The page's conversation with one person (the edge's documented `user_id` lookup), if any."""
        params = {"fields": CONVERSATION_FIELDS, "user_id": graph_id(user_id, "user id")}
        if platform == "instagram":
            params["platform"] = "instagram"
        data = self._call(self._url(graph_id(page_id, "page id"), "conversations"), params, page_id=page_id).get("data")
        if not isinstance(data, list):
            raise MalformedResponseError("Graph API conversations response has no 'data' list")
        return data[0] if data else None

    def profile(self, user_id: str, platform: Platform) -> dict[str, Any]:
        """The Messenger user profile or Instagram user profile of a person who wrote to the page."""
        fields = PROFILE_FIELDS[platform]
        return self._call(self._url(graph_id(user_id, "user id")), {"fields": fields}, page_id=user_id)

    def _follow(self, next_url: str) -> tuple[str, dict[str, str]]:
        parts = urlsplit(next_url)
        if f"{parts.scheme}://{parts.netloc}" != self._origin:
            raise MalformedResponseError("Graph API paging.next points at another host; not following it")
        params = {k: v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "access_token"}
        return f"{self._origin}{parts.path}", params

    def get(self, path: str, params: dict[str, str], *, secrets: tuple[str, ...] = ()) -> dict[str, Any]:
        """Any Graph GET, with this client's retries; `secrets` (codes, app secrets) are kept out of errors."""
        return self._call(self._url(*path.split("/")), dict(params), page_id="-", secrets=secrets)

    def post(self, path: str, params: dict[str, str], *, secrets: tuple[str, ...] = ()) -> dict[str, Any]:
        """A Graph POST (form body), retried like a GET: use it only for idempotent calls."""
        return self._call(self._url(*path.split("/")), dict(params), page_id="-", secrets=secrets, method="POST")

    def _url(self, *segments: str) -> str:
        """The base URL and these path segments, each quoted whole: none can climb or add a level."""
        if any(segment in ("", ".", "..") for segment in segments):
            raise InvalidGraphId("a Graph API path segment is empty or a dot segment")
        return "/".join([self._base_url, *(quote(segment, safe="") for segment in segments)])

    def _call(
        self, url: str, params: dict[str, str], *, page_id: str, secrets: tuple[str, ...] = (), method: str = "GET"
    ) -> dict[str, Any]:
        """One logical call: paced, retried on transient faults, waiting out rate limits within the cap."""
        failures = 0
        while True:
            self._pacer.wait()
            try:
                body = self._request(method, url, params, (self._token, *secrets))
            except RateLimitedError as exc:
                failures += 1
                asked = exc.retry_after if exc.retry_after is not None else DEFAULT_RATE_LIMIT_WAIT
                wait = max(asked, _backoff(failures))
                if wait > self._max_rate_limit_wait or failures > self._max_retries:
                    raise RateLimitedError(
                        f"{exc.message}; Meta asks us to wait {wait / 60:.0f} min, "
                        f"more than this sync waits ({self._max_rate_limit_wait / 60:.0f} min)",
                        retry_after=exc.retry_after,
                        code=exc.code,
                        subcode=exc.subcode,
                        http_status=exc.http_status,
                        fbtrace_id=exc.fbtrace_id,
                    ) from None
                self._log.warning("graph rate limited page_id=%s code=%s wait_s=%.0f", page_id, exc.code, wait)
                self._sleep(wait)
                continue
            except (TransientGraphError, GraphUnavailableError, MalformedResponseError) as exc:
                failures += 1
                if failures > self._max_retries:
                    raise
                if exc.code == REDUCE_DATA_CODE and int(params.get("limit", self._page_size)) > SMALLEST_PAGE:
                    params["limit"] = str(max(SMALLEST_PAGE, int(params["limit"]) // 2))
                self._log.warning(
                    "graph retry page_id=%s attempt=%d error=%s limit=%s",
                    page_id,
                    failures,
                    exc,
                    params.get("limit"),
                )
                self._sleep(_backoff(failures))
                continue
            return body

    def _request(self, method: str, url: str, params: dict[str, str], secrets: tuple[str, ...]) -> dict[str, Any]:
        # An empty token is for calls made before there is one (Facebook Login's code exchange).
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        try:
            if method == "POST":
                response = self._session.post(
                    url, data=params, headers=headers, timeout=self._timeout, allow_redirects=False
                )
            else:
                response = self._session.get(
                    url, params=params, headers=headers, timeout=self._timeout, allow_redirects=False
                )
        except requests.RequestException as exc:
            # requests' own message names the URL; no secret is in it, but scrub anyway.
            raise GraphUnavailableError(
                scrub(f"Graph API unreachable at {self._origin}: {type(exc).__name__}", secrets)
            ) from None
        if response.is_redirect:
            target = _origin(urljoin(url, response.headers.get("Location", "")))
            where = "to another host" if target != self._origin else "within the Graph API"
            raise GraphRequestError(
                f"Graph API answered a redirect {where} (HTTP {response.status_code}); not following it",
                http_status=response.status_code,
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400 or (isinstance(body, dict) and "error" in body):
            raise classify(response.status_code, body, response.headers, secrets)
        if not isinstance(body, dict):
            raise MalformedResponseError(
                f"Graph API answered HTTP {response.status_code} with a body that is not a JSON object",
                http_status=response.status_code,
            )
        return body


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _backoff(failures: int) -> float:
    """Exponential backoff with jitter, so that retrying workers do not stampede together."""
    return min(30.0, 0.5 * 2 ** (failures - 1)) * random.uniform(0.5, 1.0)
