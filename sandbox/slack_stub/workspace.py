"""The workspace the stand-in's bot lives in: members, channels, DMs, and the messages posted to them
(chat.postMessage, chat.update, chat.postEphemeral, chat.getPermalink, conversations.open, users.info).
Called with the stand-in's lock held; a refusal is a SlackError."""

from __future__ import annotations

import copy
import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.slack_stub.blocks import SlackFileCheck, block_errors
from sandbox.slack_stub.wire import SlackError, optional_str

BOT_ID = "B0BOT"
WORKSPACE_URL = "https://fbsync-test.slack.com/"
TEAM_NAME = "fbsync test"
BOT_NAME = "fbsync"
# Slack posts a longer `text` cut to this length, and says so in the answer.
TEXT_LIMIT = 40_000
_TRUNCATED_WARNING = {
    "messages": [
        "[WARN] Your message was truncated but still posted. The `text` field accepts up to 40,000 characters."
    ],
    "warnings": ["message_truncated"],
}


@dataclass
class Channel:
    id: str
    name: str
    bot_is_member: bool


@dataclass
class Message:
    channel: str
    ts: str
    thread_ts: str | None
    text: str
    blocks: list[dict[str, Any]] | None
    attachments: list[Any] | None
    files: list[dict[str, Any]] | None = None  # a file share: the files' objects
    updates: int = 0
    history: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Content:
    """What a post carries, each None when not given, and whether `text` was cut to Slack's limit."""

    text: str | None
    blocks: list[dict[str, Any]] | None
    attachments: list[Any] | None
    truncated: bool


class Workspace:
    def __init__(self, team_id: str, bot_user_id: str, slack_files: SlackFileCheck) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.slack_files = slack_files
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: list[Message] = []
        self.by_ts: dict[tuple[str, str], Message] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.open_dms: set[str] = set()
        self._last_ts_us = 0
        # The bot is a workspace member like any other, so users.info on it answers as Slack does.
        self.users[bot_user_id] = self.user_record(bot_user_id, BOT_NAME, is_admin=False, is_owner=False, is_bot=True)

    def reset(self) -> None:
        self.messages.clear()
        self.by_ts.clear()
        self.ephemerals.clear()
        self.open_dms.clear()

    def user_record(self, user_id: str, name: str, *, is_admin: bool, is_owner: bool, is_bot: bool) -> dict[str, Any]:
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

    # -- methods

    def post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.postable_channel(args.get("channel"))
        content = self.content(args)
        message = self.post(channel, content.text or "", content.blocks, content.attachments, args.get("thread_ts"))
        return {"channel": channel, "ts": message.ts, "message": self.render(message), **_warnings(content)}

    def update(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self.existing_message(args.get("channel"), args.get("ts"))
        content = self.content(args)
        message.history.append(message.text)
        message.updates += 1
        # Slack keeps what an update leaves out; an empty blocks list is how one removes blocks.
        if content.text is not None:
            message.text = content.text
        if content.blocks is not None:
            message.blocks = content.blocks or None
        if content.attachments is not None:
            message.attachments = content.attachments or None
        return {
            "channel": message.channel,
            "ts": message.ts,
            "text": message.text,
            "message": self.render(message),
            **_warnings(content),
        }

    def post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.postable_channel(args.get("channel"))
        user = optional_str(args.get("user"))
        if not user:
            raise SlackError("user_not_in_channel")
        content = self.content(args)
        message_ts = self.next_ts()
        self.ephemerals.append(
            {
                "channel": channel,
                "user": user,
                "text": content.text or "",
                "blocks": content.blocks,
                "thread_ts": optional_str(args.get("thread_ts")),
                "message_ts": message_ts,
            }
        )
        return {"message_ts": message_ts, **_warnings(content)}

    def open_conversation(self, args: dict[str, Any]) -> dict[str, Any]:
        requested = optional_str(args.get("channel"))
        if requested:
            # Reopening an existing conversation by id.
            if requested[0] != "D" and requested not in self.channels:
                raise SlackError("channel_not_found")
            return {"no_op": True, "already_open": True, "channel": {"id": requested}}
        raw = args.get("users")
        users = raw if isinstance(raw, list) else str(raw or "").split(",")
        users = sorted({str(user).strip() for user in users if str(user).strip()})
        if not users:
            raise SlackError("users_list_not_supplied")
        if len(users) == 1:
            channel_id = dm_id(users[0])
        else:
            # A group DM: stable per set of members, as Slack reuses an existing mpim.
            channel_id = "G" + hashlib.sha1(",".join(users).encode()).hexdigest()[:10].upper()
        if channel_id in self.open_dms:
            return {"no_op": True, "already_open": True, "channel": {"id": channel_id}}
        self.open_dms.add(channel_id)
        return {"channel": {"id": channel_id}}

    def users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(optional_str(args.get("user")) or "")
        if user is None:
            raise SlackError("user_not_found")
        return {"user": copy.deepcopy(user)}

    def get_permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self.existing_message(args.get("channel"), args.get("message_ts"))
        permalink = f"{WORKSPACE_URL}archives/{message.channel}/p{message.ts.replace('.', '')}"
        if message.thread_ts:
            permalink += f"?thread_ts={message.thread_ts}&cid={message.channel}"
        return {"channel": message.channel, "permalink": permalink}

    # -- helpers

    def content(self, args: Mapping[str, Any]) -> Content:
        """A post's text, blocks and attachments, or Slack's reason it cannot be posted."""
        text = args.get("text")
        if text is not None and not isinstance(text, str):
            # Slack refuses a `text` that is an object, a number or a list.
            raise SlackError("invalid_arguments", ["[ERROR] must be a string [json-pointer:/text]"])
        blocks = args.get("blocks")
        attachments = args.get("attachments")
        if blocks is not None:
            self.check_blocks(blocks)
        if attachments is not None and not isinstance(attachments, list):
            raise SlackError("invalid_attachments")
        if not text and not blocks and not attachments:
            raise SlackError("no_text")
        truncated = text is not None and len(text) > TEXT_LIMIT
        return Content(text if text is None else text[:TEXT_LIMIT], blocks, attachments, truncated)

    def check_blocks(self, blocks: Any) -> None:
        if not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        errors = block_errors(blocks, slack_files=self.slack_files)
        if errors:
            raise SlackError("invalid_blocks", errors)

    def post(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None,
        attachments: list[Any] | None,
        thread_ts: Any,
        files: list[dict[str, Any]] | None = None,
    ) -> Message:
        message = Message(channel, self.next_ts(), optional_str(thread_ts), text, blocks, attachments, files)
        self.messages.append(message)
        self.by_ts[(channel, message.ts)] = message
        return message

    def postable_channel(self, raw: Any) -> str:
        """The channel id a post lands in, or Slack's reason it cannot."""
        channel = optional_str(raw) or ""
        if channel[:1] in ("U", "W"):
            return dm_id(channel)  # Slack posts to the app's DM with that user
        if channel.startswith("D"):
            return channel
        known = self.channels.get(channel) or next(
            (candidate for candidate in self.channels.values() if candidate.name == channel.lstrip("#")), None
        )
        if known is None:
            raise SlackError("channel_not_found")
        if not known.bot_is_member:
            raise SlackError("not_in_channel")
        return known.id

    def existing_message(self, raw_channel: Any, raw_ts: Any) -> Message:
        channel = optional_str(raw_channel) or ""
        # Editing and linking need the conversation id; Slack does not resolve user ids or names here.
        if not channel.startswith("D") and channel not in self.channels:
            raise SlackError("channel_not_found")
        message = self.by_ts.get((channel, optional_str(raw_ts) or ""))
        if message is None:
            raise SlackError("message_not_found")
        return message

    def next_ts(self) -> str:
        # Wall-clock microseconds like Slack's, bumped so that two posts never share a ts.
        micros = max(time.time_ns() // 1000, self._last_ts_us + 1)
        self._last_ts_us = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def render(self, message: Message) -> dict[str, Any]:
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
        if message.files:
            rendered.update(files=copy.deepcopy(message.files), upload=True)
        if message.thread_ts:
            rendered["thread_ts"] = message.thread_ts
        return rendered


def dm_id(user_id: str) -> str:
    """The app's DM channel with a user: stable per user, like Slack's."""
    return "D" + user_id[1:]


def snapshot(message: Message) -> dict[str, Any]:
    return {
        "channel": message.channel,
        "ts": message.ts,
        "thread_ts": message.thread_ts,
        "text": message.text,
        "blocks": copy.deepcopy(message.blocks),
        "attachments": copy.deepcopy(message.attachments),
        "files": copy.deepcopy(message.files),
        "updates": message.updates,
        "history": list(message.history),
    }


def _warnings(content: Content) -> dict[str, Any]:
    return {"response_metadata": copy.deepcopy(_TRUNCATED_WARNING)} if content.truncated else {}
