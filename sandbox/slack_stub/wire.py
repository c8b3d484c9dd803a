"""Slack's Web API wire format, as the stand-in reads and answers it: arguments from the query string
and a form or JSON body, credentials from the headers, and Slack's compact JSON answers."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from sandbox.http_stub import Response

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"

# Form bodies carry these as JSON text; each maps to the error Slack gives when the text is not JSON.
_JSON_FIELDS = {
    "blocks": "invalid_blocks_format",
    "attachments": "invalid_attachments",
    "metadata": "invalid_metadata_format",
}


class SlackError(Exception):
    """An {"ok": false, "error": code} answer; `messages` become response_metadata.messages and
    `extra` is merged into the answer (missing_scope's `needed` and `provided`)."""

    def __init__(self, error: str, messages: list[str] | None = None, **extra: str) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages
        self.extra = extra


def invalid_arguments(pointer: str, what: str) -> SlackError:
    """Slack's answer to an argument that is there but unusable, pointed at as its schema errors are."""
    return SlackError("invalid_arguments", [f"[ERROR] {what} [json-pointer:{pointer}]"])


def parse_args(content_type: str | None, body: bytes, query: str) -> tuple[dict[str, Any], str | None]:
    """The call's arguments (query string, then body) without `token`, and that token if given."""
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            raise SlackError("invalid_json") from None
        if not isinstance(payload, dict):
            raise SlackError("json_not_object")
        # Slack takes a JSON call's token from the Authorization header only.
        payload.pop("token", None)
        args.update(payload)
    elif media_type in ("", "application/x-www-form-urlencoded", "text/plain"):
        try:
            args.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body)))
        except ValueError:
            raise SlackError("invalid_form_data") from None
    else:
        # multipart/form-data (the legacy files.upload) is valid for Slack, but no method served here
        # takes it: the external upload posts its bytes to the upload URL, not to a method.
        raise SlackError("invalid_post_type")
    token = args.pop("token", None)
    return args, token if isinstance(token, str) else None


def decode_json_fields(args: dict[str, Any]) -> None:
    """Form bodies carry blocks/attachments/metadata as JSON text; the log and state hold the values."""
    for name, error in _JSON_FIELDS.items():
        if isinstance(args.get(name), str):
            try:
                args[name] = json.loads(args[name])
            except ValueError:
                raise SlackError(error) from None


def json_argument(args: dict[str, Any], name: str) -> Any:
    """An argument that a form carries as JSON text and a JSON body as the value itself (`view`, `files`);
    decoded in `args` too, so that the call log holds the value either way."""
    value = args.get(name)
    if isinstance(value, str):
        try:
            args[name] = value = json.loads(value)
        except ValueError:
            raise invalid_arguments(f"/{name}", "must be a valid JSON value") from None
    return value


def optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def basic_credentials(authorization: str | None) -> dict[str, str]:
    """client_id and client_secret from `Authorization: Basic ...`, as the SDK sends them."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return {}
    try:
        client_id, _, client_secret = base64.b64decode(value.strip()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return {}
    return {"client_id": client_id, "client_secret": client_secret}


def bearer(authorization: str | None) -> str | None:
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def slack_json(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
    # Slack answers compact JSON with "/" escaped; "/" only occurs inside JSON strings, so this is safe.
    body = json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode()
    return Response(status, body, {"Content-Type": JSON_TYPE, **(headers or {})})


def text_response(status: int, body: str) -> Response:
    """The plain-text answers of Slack's non-API endpoints (response URLs, upload URLs, authorize)."""
    return Response(status, body.encode(), {"Content-Type": TEXT_TYPE})
