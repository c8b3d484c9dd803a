"""Facebook Login: `/facebook/connect` sends the browser to Meta's dialog, `/facebook/callback` finishes.

The person sees a short page in the browser and the outcome again in Slack.
"""
from __future__ import annotations

import html
import logging
from typing import Callable

from flask import Blueprint, Response, redirect, request
from psycopg_pool import ConnectionPool

from core.config import Settings
from core.connect import ConnectError, FacebookLogin, StateSigner, connect, store_pages
from core.tokens import TokenCipher

logger = logging.getLogger(__name__)

# (team id, user id, message) -> tell the person in Slack.
TellUser = Callable[[str, str, str], None]


def connect_blueprint(
    settings: Settings, pool: ConnectionPool, signer: StateSigner, login: FacebookLogin, tell_user: TellUser
) -> Blueprint:
    blueprint = Blueprint("connect", __name__)

    @blueprint.get("/facebook/connect")
    def start() -> Response:
        state = request.args.get("state", "")
        try:
            signer.read(state)
        except ConnectError as exc:
            return _page(str(exc), status=400)
        return redirect(login.dialog(state), code=302)

    @blueprint.get("/facebook/callback")
    def callback() -> Response:
        try:
            state = signer.consume(request.args.get("state", ""))
        except ConnectError as exc:
            return _page(str(exc), status=400)
        if request.args.get("error"):
            message = "You cancelled the Facebook login, so no page was connected."
            tell_user(state.team_id, state.user_id, message)
            return _page(message, status=200)
        try:
            managed = connect(login, request.args.get("code", ""))
            cipher = TokenCipher.from_settings(settings)
            with pool.connection() as conn:
                stored = store_pages(conn, cipher, state.team_id, managed)
        except ConnectError as exc:
            logger.warning("facebook connect failed team_id=%s: %s", state.team_id, exc)
            tell_user(state.team_id, state.user_id, f"Connecting Facebook pages failed: {exc}")
            return _page(f"Connecting failed: {exc}", status=502)
        names = ", ".join(page.name for page in stored)
        logger.info("facebook pages connected team_id=%s pages=%d", state.team_id, len(stored))
        tell_user(state.team_id, state.user_id,
                  f"Connected {len(stored)} page(s): {names}. Start a sync with `/fbsync sync PAGE`.")
        return _page(f"Connected: {names}. You can close this window and go back to Slack.")

    return blueprint


def _page(message: str, status: int = 200) -> Response:
    body = (
        "<!doctype html><html><head><meta charset='utf-8'><title>fbsync</title></head>"
        f"<body style='font-family: sans-serif; margin: 3em'><h1>fbsync</h1><p>{html.escape(message)}</p></body></html>"
    )
    return Response(body, status=status, mimetype="text/html")
