"""Block Kit, as Slack checks it. Limits from Slack's Block Kit reference (blocks, block elements,
composition objects); each problem is reported as Slack does: "[ERROR] <what> [json-pointer:/blocks/<i>/...]".

A message takes at most 50 blocks, a view (a Home tab) 100. Where a block names a Slack file
(`slack_file` of an image), only the stand-in knows which files exist: it passes a check for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["MESSAGE_MAX_BLOCKS", "VIEW_MAX_BLOCKS", "SlackFileCheck", "block_errors"]

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100

# A slack_file object ({"id": ...} or {"url": ...}) -> why Slack would refuse it, or None.
SlackFileCheck = Callable[[Mapping[str, Any]], str | None]

_TEXT_TYPES = ("plain_text", "mrkdwn")
_TEXT_LIMIT = 3000
_BLOCK_ID_LIMIT = 255
_ACTION_ID_LIMIT = 255
_OPTION_TEXT_LIMIT = 75
_OPTION_VALUE_LIMIT = 150
_SELECT_PLACEHOLDER_LIMIT = 150
_MAX_OPTIONS = 100
_MAX_OPTION_GROUPS = 100
_OVERFLOW_OPTIONS = (2, 5)
_URL_LIMIT = 3000


def block_errors(
    blocks: list[Any],
    *,
    most: int = MESSAGE_MAX_BLOCKS,
    pointer: str = "/blocks",
    slack_files: SlackFileCheck | None = None,
) -> list[str]:
    """What Slack would say is wrong with these blocks (empty: Slack accepts them). `most` is the
    surface's limit (50 in a message, 100 in a view), `pointer` where the blocks sit in the call, and
    `slack_files` checks the files that image blocks name (without it, only their form is checked)."""
    problems = _Problems(slack_files)
    if len(blocks) > most:
        problems.add(pointer, f"no more than {most} items allowed")
    for index, block in enumerate(blocks):
        problems.block(block, f"{pointer}/{index}")
    return list(problems)


class _Problems(list[str]):
    def __init__(self, slack_files: SlackFileCheck | None = None) -> None:
        super().__init__()
        self.slack_files = slack_files

    def add(self, pointer: str, what: str) -> None:
        self.append(f"[ERROR] {what} [json-pointer:{pointer}]")

    # -- composition objects

    def text_object(
        self, value: Any, pointer: str, *, limit: int = _TEXT_LIMIT, plain_only: bool = False, required: bool = True
    ) -> None:
        if value is None:
            if required:
                self.add(pointer, "missing required field: text")
            return
        if not isinstance(value, dict):
            self.add(pointer, "expected an object")
            return
        kind = value.get("type")
        allowed = ("plain_text",) if plain_only else _TEXT_TYPES
        if kind not in allowed:
            self.add(
                f"{pointer}/type",
                f"must be one of {', '.join(allowed)}" if isinstance(kind, str) else "missing required field: type",
            )
        text = value.get("text")
        if not isinstance(text, str):
            self.add(f"{pointer}/text", "missing required field: text" if text is None else "must be a string")
        elif not text:
            self.add(f"{pointer}/text", "must be more than 0 characters")
        elif len(text) > limit:
            self.add(f"{pointer}/text", f"must be less than {limit + 1} characters")
        if "emoji" in value and kind != "plain_text":
            self.add(f"{pointer}/emoji", "field emoji is only allowed for plain_text")

    def string(self, value: Any, pointer: str, limit: int, *, required: bool = False) -> None:
        if value is None:
            if required:
                self.add(pointer, f"missing required field: {pointer.rsplit('/', 1)[1]}")
        elif not isinstance(value, str):
            self.add(pointer, "must be a string")
        elif len(value) > limit:
            self.add(pointer, f"must be less than {limit + 1} characters")

    def items(self, value: Any, pointer: str, *, most: int, least: int = 1, required: bool = True) -> list[Any]:
        if value is None:
            if required:
                self.add(pointer, f"missing required field: {pointer.rsplit('/', 1)[1]}")
            return []
        if not isinstance(value, list):
            self.add(pointer, "must be an array")
            return []
        if len(value) < least and (required or value):
            self.add(pointer, f"must contain at least {least} item{'s' if least > 1 else ''}")
        if len(value) > most:
            self.add(pointer, f"no more than {most} items allowed")
        return value

    def confirm(self, value: Any, pointer: str) -> None:
        if not isinstance(value, dict):
            self.add(pointer, "expected an object")
            return
        self.text_object(value.get("title"), f"{pointer}/title", limit=100, plain_only=True)
        self.text_object(value.get("text"), f"{pointer}/text", limit=300)
        self.text_object(value.get("confirm"), f"{pointer}/confirm", limit=30, plain_only=True)
        self.text_object(value.get("deny"), f"{pointer}/deny", limit=30, plain_only=True)
        if value.get("style") not in (None, "primary", "danger"):
            self.add(f"{pointer}/style", "must be one of primary, danger")

    def option(self, value: Any, pointer: str, *, url_allowed: bool = False) -> None:
        """An option of a select or overflow menu: plain_text only, `url` in overflow menus only."""
        if not isinstance(value, dict):
            self.add(pointer, "expected an object")
            return
        self.text_object(value.get("text"), f"{pointer}/text", limit=_OPTION_TEXT_LIMIT, plain_only=True)
        self.string(value.get("value"), f"{pointer}/value", _OPTION_VALUE_LIMIT, required=True)
        if value.get("description") is not None:
            self.text_object(value["description"], f"{pointer}/description", limit=_OPTION_TEXT_LIMIT, plain_only=True)
        if value.get("url") is not None:
            if url_allowed:
                self.string(value["url"], f"{pointer}/url", _URL_LIMIT)
            else:
                self.add(f"{pointer}/url", "field url is only allowed in overflow menus")

    def options(
        self, value: Any, pointer: str, *, most: int, least: int = 1, url_allowed: bool = False
    ) -> list[tuple[Any, str]]:
        """A list of options, each checked; their (option, pointer) pairs, for uniqueness and initial_option."""
        listed = self.items(value, pointer, most=most, least=least)
        for index, option in enumerate(listed):
            self.option(option, f"{pointer}/{index}", url_allowed=url_allowed)
        return [(option, f"{pointer}/{index}") for index, option in enumerate(listed)]

    def unique_values(self, options: list[tuple[Any, str]]) -> None:
        seen: set[str] = set()
        for option, pointer in options:
            value = option.get("value") if isinstance(option, dict) else None
            if isinstance(value, str):
                if value in seen:
                    self.add(f"{pointer}/value", f"must be unique among the menu's options: {value!r} repeats")
                seen.add(value)

    def slack_file(self, value: Any, pointer: str) -> None:
        if not isinstance(value, dict):
            self.add(pointer, "expected an object")
            return
        file_id, url = value.get("id"), value.get("url")
        if file_id is None and url is None:
            self.add(pointer, "must provide either id or url")
            return
        if file_id is not None and url is not None:
            self.add(pointer, "must provide either id or url, not both")
            return
        self.string(file_id, f"{pointer}/id", 255)
        self.string(url, f"{pointer}/url", _URL_LIMIT)
        if self.slack_files is not None and isinstance(file_id or url, str):
            problem = self.slack_files(value)
            if problem:
                self.add(pointer, problem)

    # -- block elements

    def element(self, value: Any, pointer: str) -> None:
        """An interactive element (actions block, section accessory)."""
        if not isinstance(value, dict) or not isinstance(value.get("type"), str):
            self.add(pointer, "missing required field: type")
            return
        kind = value["type"]
        self.string(value.get("action_id"), f"{pointer}/action_id", _ACTION_ID_LIMIT)
        if kind == "button":
            self.text_object(value.get("text"), f"{pointer}/text", limit=75, plain_only=True)
            self.string(value.get("url"), f"{pointer}/url", _URL_LIMIT)
            self.string(value.get("value"), f"{pointer}/value", 2000)
            if value.get("style") not in (None, "primary", "danger"):
                self.add(f"{pointer}/style", "must be one of primary, danger")
        elif kind == "image":
            self.image(value, pointer)
        elif kind == "static_select":
            self.static_select(value, pointer)
        elif kind == "overflow":
            least, most = _OVERFLOW_OPTIONS
            self.unique_values(
                self.options(value.get("options"), f"{pointer}/options", most=most, least=least, url_allowed=True)
            )
        elif kind not in _OTHER_ELEMENTS:
            self.add(f"{pointer}/type", f"unsupported type: {kind}")
        if "confirm" in value:
            self.confirm(value["confirm"], f"{pointer}/confirm")

    def static_select(self, value: dict[str, Any], pointer: str) -> None:
        if value.get("placeholder") is not None:
            self.text_object(
                value["placeholder"], f"{pointer}/placeholder", limit=_SELECT_PLACEHOLDER_LIMIT, plain_only=True
            )
        options, groups = value.get("options"), value.get("option_groups")
        if options is None and groups is None:
            self.add(pointer, "must provide either options or option_groups")
        elif options is not None and groups is not None:
            self.add(pointer, "must provide either options or option_groups, not both")
        choices: list[tuple[Any, str]] = []
        if options is not None:
            choices += self.options(options, f"{pointer}/options", most=_MAX_OPTIONS)
        listed = self.items(groups, f"{pointer}/option_groups", most=_MAX_OPTION_GROUPS, required=groups is not None)
        for index, group in enumerate(listed):
            at = f"{pointer}/option_groups/{index}"
            if not isinstance(group, dict):
                self.add(at, "expected an object")
                continue
            self.text_object(group.get("label"), f"{at}/label", limit=_OPTION_TEXT_LIMIT, plain_only=True)
            choices += self.options(group.get("options"), f"{at}/options", most=_MAX_OPTIONS)
        self.unique_values(choices)
        if value.get("initial_option") is not None:
            initial = value["initial_option"]
            self.option(initial, f"{pointer}/initial_option")
            if not any(initial == option for option, _ in choices):
                self.add(f"{pointer}/initial_option", "must exactly match one of the options")

    def image(self, value: dict[str, Any], pointer: str) -> None:
        url, slack_file = value.get("image_url"), value.get("slack_file")
        if url is None and slack_file is None:
            self.add(pointer, "missing required field: image_url")
        elif url is not None and slack_file is not None:
            self.add(pointer, "must provide either image_url or slack_file, not both")
        self.string(url, f"{pointer}/image_url", _URL_LIMIT)
        if slack_file is not None:
            self.slack_file(slack_file, f"{pointer}/slack_file")
        self.string(value.get("alt_text"), f"{pointer}/alt_text", 2000, required=True)

    # -- blocks

    def block(self, block: Any, pointer: str) -> None:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            self.add(pointer, "missing required field: type")
            return
        kind = block["type"]
        self.string(block.get("block_id"), f"{pointer}/block_id", _BLOCK_ID_LIMIT)
        if kind == "section":
            if block.get("text") is None and block.get("fields") is None:
                self.add(pointer, "must provide either text or fields")
            self.text_object(block.get("text"), f"{pointer}/text", required=False)
            for i, field_ in enumerate(self.items(block.get("fields"), f"{pointer}/fields", most=10, required=False)):
                self.text_object(field_, f"{pointer}/fields/{i}", limit=2000)
            if block.get("accessory") is not None:
                self.element(block["accessory"], f"{pointer}/accessory")
        elif kind == "header":
            self.text_object(block.get("text"), f"{pointer}/text", limit=150, plain_only=True)
        elif kind == "context":
            for i, element in enumerate(self.items(block.get("elements"), f"{pointer}/elements", most=10)):
                if isinstance(element, dict) and element.get("type") == "image":
                    self.image(element, f"{pointer}/elements/{i}")
                else:
                    self.text_object(element, f"{pointer}/elements/{i}")
        elif kind == "actions":
            for i, element in enumerate(self.items(block.get("elements"), f"{pointer}/elements", most=25)):
                self.element(element, f"{pointer}/elements/{i}")
        elif kind == "image":
            self.image(block, pointer)
            if block.get("title") is not None:
                self.text_object(block["title"], f"{pointer}/title", limit=2000, plain_only=True)
        elif kind == "markdown":
            self.string(block.get("text"), f"{pointer}/text", 12000, required=True)
        elif kind not in _OTHER_BLOCKS:
            self.add(f"{pointer}/type", f"unsupported type: {kind}")


# Accepted without a deeper look: fbsync does not send them, but Slack knows them.
_OTHER_BLOCKS = frozenset({"divider", "rich_text", "video", "file", "input", "table", "context_actions"})
_OTHER_ELEMENTS = frozenset(
    {
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
        "datepicker",
        "timepicker",
        "datetimepicker",
        "checkboxes",
        "radio_buttons",
        "workflow_button",
        "rich_text_input",
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_input",
        "file_input",
        "feedback_buttons",
        "icon_button",
    }
)
