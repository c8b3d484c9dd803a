""" "Add to Slack": `GET /oauth/v2/authorize` approves at once as the person install_as() names and
redirects to the app with a single-use code, which oauth.v2.access exchanges (client id and secret by
HTTP Basic or form fields) for a bot token of that workspace carrying the scopes asked for."""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sandbox.http_stub import Response
from sandbox.slack_stub.wire import SlackError, text_response

AUTHORIZE_PATH = "/oauth/v2/authorize"
_SCOPE = re.compile(r"^[a-z]+(?:[:.][a-z_.]+)*$")
_CODE_TTL_SECONDS = 600


@dataclass(frozen=True)
class OAuthApp:
    client_id: str
    client_secret: str
    redirect_urls: tuple[str, ...]
    app_id: str


@dataclass(frozen=True)
class Grant:
    """What an approved authorize hands to oauth.v2.access, once."""

    team_id: str
    team_name: str
    user_id: str
    scopes: str
    redirect_uri: str | None  # as given to authorize: oauth.v2.access must repeat it
    expires_at: float


class OAuth:
    def __init__(self, team_id: str, team_name: str) -> None:
        self.app: OAuthApp | None = None
        self.installer = (team_id, team_name, "")
        self._grants: dict[str, Grant] = {}

    def authorize(self, query: str) -> Response:
        """Slack's consent screen, approved at once by the installer; errors are pages, as Slack's are."""
        params = dict(parse_qsl(query, keep_blank_values=True))
        app, (team_id, team_name, user_id) = self.app, self.installer
        if app is None:
            return text_response(404, "Not Found")
        if params.get("client_id") != app.client_id:
            return text_response(400, "invalid_client_id")
        redirect_uri = params.get("redirect_uri") or None
        if redirect_uri is not None and redirect_uri not in app.redirect_urls:
            return text_response(400, "bad_redirect_uri")
        scopes = [scope for scope in params.get("scope", "").split(",") if scope]
        if not scopes or not all(_SCOPE.match(scope) for scope in scopes):
            return text_response(400, "invalid_scope")
        code = f"{int(time.time())}.{secrets.token_hex(16)}"
        self._grants[code] = Grant(
            team_id, team_name, user_id, ",".join(scopes), redirect_uri, time.monotonic() + _CODE_TTL_SECONDS
        )
        back = {"code": code, **({"state": params["state"]} if "state" in params else {})}
        target = redirect_uri or app.redirect_urls[0]
        separator = "&" if "?" in target else "?"
        return Response(302, b"", {"Location": f"{target}{separator}{urlencode(back)}"})

    def exchange(self, args: dict[str, Any]) -> tuple[OAuthApp, Grant]:
        """oauth.v2.access's checks: the app's credentials, then the code (once, in time, same redirect)."""
        app = self.app
        if app is None or args.get("client_id") != app.client_id:
            raise SlackError("invalid_client_id")
        if not secrets.compare_digest(str(args.get("client_secret", "")).encode(), app.client_secret.encode()):
            raise SlackError("bad_client_secret")
        grant = self._grants.pop(str(args.get("code", "")), None)  # a code works once
        if grant is None or grant.expires_at < time.monotonic():
            raise SlackError("invalid_code")
        if grant.redirect_uri is not None and args.get("redirect_uri") != grant.redirect_uri:
            raise SlackError("bad_redirect_uri")
        return app, grant
