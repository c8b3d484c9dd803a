"""Facebook Login: `/facebook/connect` sends the browser to Meta's dialog, `/facebook/callback` finishes.

The person sees a short page in the browser and the outcome again in Slack.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

from flask import Blueprint, Response, redirect, request
from werkzeug.wrappers import Response as WerkzeugResponse

from core.config import Settings
from core.connect import ConnectError, FacebookLogin, StateRejected, StateSigner, connect, store_pages
from core.db import Pool
from core.tokens import TokenCipher

logger = logging.getLogger(__name__)

# (team id, user id, message) -> tell the person in Slack.
TellUser = Callable[[str, str, str], None]


def connect_blueprint(
    settings: Settings, pool: Pool, signer: StateSigner, login: FacebookLogin, tell_user: TellUser
) -> Blueprint:
    blueprint = Blueprint("connect", __name__)

    @blueprint.get("/facebook/connect")
    def start() -> WerkzeugResponse:  # flask.redirect's type; flask's Response is a subclass
        state = request.args.get("state", "")
        try:
            signer.read(state)
        except ConnectError as exc:
            return refused(exc)
        return redirect(login.dialog(state), code=302)

    @blueprint.get("/facebook/callback")
    def callback() -> Response:
        try:
            state = signer.consume(request.args.get("state", ""))
        except ConnectError as exc:
            return refused(exc)
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
        logger.info(
            "facebook pages connected team_id=%s pages=%d refused=%d",
            state.team_id,
            len(stored.pages),
            len(stored.refused),
        )
        names = ", ".join(page.name for page in stored.pages)
        refusals = " ".join(str(refusal) for refusal in stored.refused)
        if not stored.pages:
            tell_user(state.team_id, state.user_id, f"No page was connected. {refusals}")
            return _page(f"No page was connected. {refusals}", status=409)
        tell_user(
            state.team_id,
            state.user_id,
            f"Connected {len(stored.pages)} page(s): {names}. Start a sync with `/fbsync sync PAGE`."
            + (f" {refusals}" if refusals else ""),
        )
        return _page(
            f"Connected: {names}. "
            + (f"{refusals} " if refusals else "")
            + "You can close this window and go back to Slack."
        )

    def refused(exc: ConnectError) -> Response:
        """An unusable link; when it is genuine, whoever asked for it hears why in Slack as well."""
        if isinstance(exc, StateRejected):
            tell_user(exc.state.team_id, exc.state.user_id, str(exc))
        return _page(str(exc), status=400)

    return blueprint


def _page(message: str, status: int = 200) -> Response:
    body = (
        "<!doctype html><html><head><meta charset='utf-8'><title>fbsync</title></head>"
        f"<body style='font-family: sans-serif; margin: 3em'><h1>fbsync</h1><p>{html.escape(message)}</p></body></html>"
    )
    return Response(body, status=status, mimetype="text/html")
