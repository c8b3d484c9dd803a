"""Slack's external file upload, as `WebClient.files_upload_v2` drives it:

1. files.getUploadURLExternal (filename, length): a file id and a single-use upload URL (here on the
   stand-in's own host, /upload/v1/<ticket>; Slack's is on files.slack.com).
2. POST the bytes to that URL (slack_sdk sends them raw; Slack also takes a multipart form): HTTP 200
   "OK - <length>". Bytes of another length than announced, or a second upload, are refused.
3. files.completeUploadExternal (files=[{id, title}], channel_id / channels, initial_comment,
   thread_ts, blocks): finishes the upload and shares the files, as one message per conversation
   carrying the files and the comment. Without a conversation the file stays private (its own), yet
   it exists: an image block can show it by `slack_file` id (or by its url_private or permalink).
"""

from __future__ import annotations

import copy
import email.parser
import email.policy
import mimetypes
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sandbox.http_stub import Response
from sandbox.slack_stub.wire import SlackError, invalid_arguments, json_argument, optional_str, text_response
from sandbox.slack_stub.workspace import WORKSPACE_URL, Workspace

# Documented limits of files.getUploadURLExternal and files.completeUploadExternal.
_ALT_TXT_LIMIT = 1000
_SNIPPET_LIMIT = 1024 * 1024
_MAX_CHANNELS = 100
# The files an image block (a slack_file object) can show.
_IMAGE_TYPES = frozenset({"png", "jpg", "jpeg", "gif"})


@dataclass
class StoredFile:
    id: str
    team_id: str
    name: str
    length: int  # as announced to files.getUploadURLExternal
    alt_txt: str | None
    snippet_type: str | None
    created: int
    content: bytes | None = None  # set once the bytes reach the upload URL
    completed: bool = False
    title: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None
    shares: list[tuple[str, str]] = field(default_factory=list)  # (channel, message ts)

    @property
    def filetype(self) -> str:
        _, dot, extension = self.name.rpartition(".")
        return extension.lower() if dot and extension else "binary"


class Files:
    def __init__(self, bot_user_id: str) -> None:
        self.bot_user_id = bot_user_id
        self._files: dict[str, StoredFile] = {}
        self._tickets: dict[str, str] = {}  # upload URL ticket -> file id

    def reset(self) -> None:
        self._files.clear()
        self._tickets.clear()

    # -- step 1: files.getUploadURLExternal

    def upload_url(self, args: Mapping[str, Any], team_id: str, upload_base: str) -> dict[str, Any]:
        name = args.get("filename")
        if not isinstance(name, str) or not name:
            raise invalid_arguments("/filename", "missing required field: filename")
        length = _length(args.get("length"))
        alt_txt, snippet_type = optional_str(args.get("alt_txt")), optional_str(args.get("snippet_type"))
        if alt_txt is not None and len(alt_txt) > _ALT_TXT_LIMIT:
            raise SlackError("alt_txt_too_large")
        if snippet_type and length > _SNIPPET_LIMIT:
            raise SlackError("snippet_too_large")
        stored = StoredFile(_new_id("F"), team_id, name, length, alt_txt, snippet_type, int(time.time()))
        ticket = secrets.token_urlsafe(24)
        self._files[stored.id] = stored
        self._tickets[ticket] = stored.id
        return {"upload_url": f"{upload_base}{ticket}", "file_id": stored.id}

    # -- step 2: the bytes, POSTed to the upload URL

    def receive(self, ticket: str, content_type: str | None, body: bytes) -> Response:
        file_id = self._tickets.get(ticket)
        stored = self._files.get(file_id or "")
        if stored is None:
            return text_response(404, "Not Found")
        if stored.content is not None:
            return text_response(400, "already_uploaded: this upload URL was used")
        data = _file_bytes(content_type, body)
        if data is None:
            return text_response(400, "invalid_form_data: no file in the multipart form")
        if len(data) != stored.length:
            return text_response(400, f"length_mismatch: announced {stored.length} bytes, received {len(data)}")
        stored.content = data
        return text_response(200, f"OK - {len(data)}")

    # -- step 3: files.completeUploadExternal

    def complete(self, args: dict[str, Any], team_id: str, workspace: Workspace) -> dict[str, Any]:
        """Finish the uploads and share them where asked; nothing changes unless everything is valid."""
        listed = json_argument(args, "files")
        if listed is None:
            raise invalid_arguments("/files", "missing required field: files")
        if not isinstance(listed, list) or not listed:
            raise invalid_arguments("/files", "must be a non-empty array")
        finishing: list[tuple[StoredFile, str]] = []
        for index, item in enumerate(listed):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise invalid_arguments(f"/files/{index}/id", "missing required field: id")
            stored = self._files.get(item["id"])
            # Slack finds a file by its upload ticket: unknown, never uploaded or already finished, it is not there.
            if stored is None or stored.team_id != team_id or stored.content is None or stored.completed:
                raise SlackError("file_not_found")
            title = item.get("title")
            finishing.append((stored, title if isinstance(title, str) and title else stored.name))
        targets = _share_targets(args, workspace)
        comment = optional_str(args.get("initial_comment"))
        blocks = args.get("blocks")
        if comment:
            blocks = None  # documented: blocks are ignored when there is an initial comment
        elif blocks is not None:
            workspace.check_blocks(blocks)
        thread_ts = optional_str(args.get("thread_ts"))
        for stored, title in finishing:
            stored.completed, stored.title = True, title
            stored.initial_comment, stored.thread_ts = comment, thread_ts
        for channel in targets:
            message = workspace.post(channel, comment or "", blocks, None, thread_ts)
            for stored, _ in finishing:
                stored.shares.append((channel, message.ts))
            message.files = [self.info(stored) for stored, _ in finishing]
        return {"files": [self.info(stored) for stored, _ in finishing]}

    # -- what the rest of the stand-in asks of files

    def check_slack_file(self, reference: Mapping[str, Any]) -> str | None:
        """Why Slack would refuse this slack_file object in an image block, or None."""
        file_id, url = reference.get("id"), reference.get("url")
        found = (
            self._files.get(file_id)
            if isinstance(file_id, str)
            else next((f for f in self._files.values() if url in (_url_private(f), self._permalink(f))), None)
        )
        if found is None or not found.completed:
            return "no such Slack file: it was never uploaded and completed"
        if found.filetype not in _IMAGE_TYPES:
            return f"a slack_file must be a png, jpg, jpeg or gif image, not {found.filetype}"
        return None

    def uploaded(self) -> list[dict[str, Any]]:
        """Files whose bytes arrived, oldest first, with those bytes and where they were shared."""
        return [
            {
                "id": stored.id,
                "name": stored.name,
                "title": stored.title,
                "content": stored.content,
                "size": len(stored.content or b""),
                "mimetype": _mimetype(stored.name),
                "alt_txt": stored.alt_txt,
                "snippet_type": stored.snippet_type,
                "completed": stored.completed,
                "channel": stored.shares[0][0] if stored.shares else None,
                "channels": [channel for channel, _ in stored.shares],
                "initial_comment": stored.initial_comment,
                "thread_ts": stored.thread_ts,
            }
            for stored in self._files.values()
            if stored.content is not None
        ]

    def info(self, stored: StoredFile) -> dict[str, Any]:
        """The file object Slack answers with (files.completeUploadExternal, file share messages)."""
        shares: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for channel, ts in stored.shares:
            kind = "public" if channel.startswith("C") else "private"
            share: dict[str, Any] = {"ts": ts, "channel_name": channel, "team_id": stored.team_id}
            if stored.thread_ts:
                share["thread_ts"] = stored.thread_ts
            shares.setdefault(kind, {}).setdefault(channel, []).append(share)
        channels = [channel for channel, _ in stored.shares]
        answer: dict[str, Any] = {
            "id": stored.id,
            "created": stored.created,
            "timestamp": stored.created,
            "name": stored.name,
            "title": stored.title or stored.name,
            "mimetype": _mimetype(stored.name),
            "filetype": stored.filetype,
            "pretty_type": stored.filetype.upper(),
            "user": self.bot_user_id,
            "user_team": stored.team_id,
            "editable": False,
            "size": len(stored.content or b""),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": any(channel.startswith("C") for channel in channels),
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": _url_private(stored),
            "url_private_download": _url_private(stored, download=True),
            "permalink": self._permalink(stored),
            "channels": [c for c in channels if c.startswith("C")],
            "groups": [c for c in channels if c.startswith("G")],
            "ims": [c for c in channels if c.startswith("D")],
            "shares": shares,
            "has_rich_preview": False,
            "file_access": "visible",
        }
        if stored.alt_txt is not None:
            answer["alt_txt"] = stored.alt_txt
        return copy.deepcopy(answer)

    def _permalink(self, stored: StoredFile) -> str:
        return f"{WORKSPACE_URL}files/{self.bot_user_id}/{stored.id}/{quote(stored.name)}"


def _length(raw: Any) -> int:
    if raw is None or raw == "":
        raise invalid_arguments("/length", "missing required field: length")
    try:
        length = int(raw)
    except (TypeError, ValueError):
        raise invalid_arguments("/length", "must be an integer") from None
    if isinstance(raw, bool) or length < 0:
        raise invalid_arguments("/length", "must be an integer")
    if length == 0:
        raise SlackError("missing_argument")  # documented: what a length of 0 gets
    return length


def _share_targets(args: Mapping[str, Any], workspace: Workspace) -> list[str]:
    """The conversations to share in: channel_id (a conversation id) and channels (ids, user ids too)."""
    raw_channels = args.get("channels")
    listed = raw_channels if isinstance(raw_channels, list) else str(raw_channels or "").split(",")
    listed = [str(channel).strip() for channel in listed if str(channel).strip()]
    if len(listed) > _MAX_CHANNELS:
        raise SlackError("channels_limit_exceeded")
    targets: list[str] = []
    channel_id = optional_str(args.get("channel_id"))
    if channel_id:
        targets.append(_conversation(workspace, channel_id, unknown="channel_not_found"))
    for channel in listed:
        target = _conversation(workspace, channel, unknown="invalid_channel", users=True)
        if target not in targets:
            targets.append(target)
    return targets


def _conversation(workspace: Workspace, raw: str, *, unknown: str, users: bool = False) -> str:
    """A conversation a file can be shared in by id: a channel the bot is in, a DM (or, when `users`, a
    user id, meaning the DM with them); Slack does not resolve channel names here."""
    if raw[:1] in ("U", "W") and not users:
        raise SlackError(unknown)
    if raw[:1] in ("U", "W", "D"):
        return workspace.postable_channel(raw)
    if raw not in workspace.channels:
        raise SlackError(unknown)
    return workspace.postable_channel(raw)


def _file_bytes(content_type: str | None, body: bytes) -> bytes | None:
    """The file in an upload: the raw body, or a multipart form's file part (the first with a file name,
    as `curl -F filename=@report.csv` sends it)."""
    if (content_type or "").split(";", 1)[0].strip().lower() != "multipart/form-data":
        return body
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    form = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not form.is_multipart():
        return None
    for part in form.iter_parts():
        if part.get_filename() is not None:
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else None
    return None


def _url_private(stored: StoredFile, *, download: bool = False) -> str:
    where = "download/" if download else ""
    return f"https://files.slack.com/files-pri/{stored.team_id}-{stored.id}/{where}{quote(stored.name)}"


def _mimetype(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(5).upper()
