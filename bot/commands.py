"""The text after `/fbsync` -> a Command. Pure parsing: pages and pipelines are resolved by the handlers."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal, cast, get_args

CommandName = Literal[
    "help",
    "pages",
    "sync",
    "status",
    "cancel",
    "pipeline",
    "pipelines",
    "stats",
    "notify",
    "schedule",
    "connect",
    "disconnect",
    "alerts",
    "leads",
    "find",
    "export",
    "merges",
]
Mode = Literal["skip", "update"]

COMMANDS: tuple[str, ...] = get_args(CommandName)
_NO_ARGUMENTS = frozenset({"help", "pages", "pipelines", "connect"})
_OPTIONAL_PAGE = frozenset({"status", "stats"})
_MODES: tuple[str, ...] = get_args(Mode)

# Slack clients turn typed quotes into typographic ones; each family closes with any of its members.
_QUOTE_FAMILIES = ('"“”„', "'‘’")
# Slack escapes these three in slash command text; names must be compared unescaped.
_SLACK_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))

USAGE = "\n".join(
    [
        "*Usage*",
        "• `/fbsync sync PAGE [full]`, or just `/fbsync PAGE` — sync a page's inbox into the pipeline"
        " (`full` re-reads every conversation)",
        "• `/fbsync pages` — connected pages, contacts and last syncs",
        "• `/fbsync status [PAGE]` — latest syncs of a page",
        "• `/fbsync stats [PAGE]` — contacts per stage, lead scores, AI coverage",
        "• `/fbsync cancel PAGE` — stop the running sync of a page",
        "• `/fbsync pipelines` — pipelines and their stages",
        "• `/fbsync pipeline PAGE PIPELINE [skip|update]` — where a page's contacts go"
        " (`update` lets contacts already in a stage move); `/fbsync pipeline PAGE off` to stop",
        "• `/fbsync notify PAGE` — post this page's stage changes in this channel; `/fbsync notify PAGE off` to stop",
        "• `/fbsync schedule PAGE 6h` — sync a page by itself every 6 hours (m, h or d); `/fbsync schedule PAGE off`",
        "• `/fbsync alerts PAGE [STAGE…|off]` — which stages' new entrants are announced with their lead card"
        " in the page's notify channel (default Qualified Lead and Proposal Sent); `off` to stop",
        "• `/fbsync connect` — connect or reconnect Facebook pages (Facebook Login)",
        "• `/fbsync disconnect PAGE` — stop syncing a page (its contacts stay)",
        "• `/fbsync leads PAGE [STAGE]` — a page's hottest open leads, or its contacts in a stage"
        ' (`qualified`, `"Proposal Sent"`), ten at a time',
        "• `/fbsync find TEXT` — people of this workspace's pages by name or Instagram username",
        "• `/fbsync export PAGE [STAGE]` — the page's contacts (or one stage's) as a CSV file, by direct message",
        "• `/fbsync merges PAGE` — who may be one customer on Messenger and Instagram, to confirm or reject",
        "PAGE is a page name, the start of one, or a page id; quote names of several words"
        ' when they could be misread, e.g. `"Bluebird Coffee"`.',
    ]
)


@dataclass(frozen=True)
class Command:
    name: CommandName
    page: str | None = None  # as typed (name, unique prefix or page id); resolved elsewhere
    full: bool = False
    pipeline: str | None = None  # None together with off=True
    interval: str | None = None  # schedule: as typed, e.g. "6h"; None together with off=True
    off: bool = False
    mode: Mode = "skip"
    stage: str | None = None  # leads, export: the last word as typed, when the words before it name a page
    stages: tuple[str, ...] = ()  # alerts: as typed; none (and not off): show them
    text: str | None = None  # find: what to look for


class CommandError(ValueError):
    """The message is a short, user-facing explanation (Slack mrkdwn)."""


@dataclass(frozen=True)
class _Token:
    text: str
    quoted: bool  # a quoted word is never read as a keyword

    def is_word(self, *words: str) -> bool:
        return not self.quoted and self.text.casefold() in words


def parse(text: str) -> Command:
    tokens = _tokenize(_unescape(text))
    if not tokens:
        return Command("help")
    head, rest = tokens[0], tokens[1:]
    keyword = head.text.casefold() if not head.quoted else ""
    if keyword in COMMANDS:
        return _parse_command(cast(CommandName, keyword), rest)
    if not head.quoted:
        _reject_typo(head.text, _join(tokens))
    return _parse_sync(tokens)


def _parse_command(name: CommandName, args: list[_Token]) -> Command:
    if name in _NO_ARGUMENTS:
        if args:
            raise CommandError(f"`{name}` takes no arguments (got `{_join(args)}`).")
        return Command(name)
    if name in _OPTIONAL_PAGE:
        return Command(name, page=_join(args) or None)
    if name == "sync":
        return _parse_sync(args)
    if name in ("cancel", "disconnect", "merges"):
        return Command(name, page=_required_page(args, name))
    if name == "schedule":
        if len(args) < 2:
            raise CommandError("Which page, how often? e.g. `/fbsync schedule Bluebird 6h`, or `... off`.")
        if args[-1].is_word("off"):
            return Command("schedule", page=_join(args[:-1]), off=True)
        return Command("schedule", page=_join(args[:-1]), interval=args[-1].text)
    if name in ("leads", "export"):
        page = _required_page(args, name)
        if len(args) == 1:
            return Command(name, page=page)
        # Which words are the page is only known against the pages: the handler reads them all as the
        # page when the words before the last name none (bot/listeners/commands/invocation.py).
        return Command(name, page=_join(args[:-1]), stage=args[-1].text)
    if name == "find":
        text = _join(args)
        if not text:
            raise CommandError('Find whom? e.g. `/fbsync find José` or `/fbsync find "Ana Lima"`.')
        return Command("find", text=text)
    if name == "notify":
        off = bool(args) and args[-1].is_word("off")
        return Command("notify", page=_required_page(args[:-1] if off else args, "notify"), off=off)
    if name == "alerts":
        return _parse_alerts(args)
    return _parse_pipeline(args)


def _parse_alerts(args: list[_Token]) -> Command:
    """PAGE is one word (quoted, a prefix or an id); stages after it, each one word (or quoted) unless
    they are separated by commas: `alerts "Fig Bakery" qualified proposal`, `alerts fig Qualified Lead, Won`."""
    if not args:
        raise CommandError("Which page? e.g. `/fbsync alerts Bluebird qualified proposal`, or `... off`.")
    page, rest = args[0].text, args[1:]
    if len(rest) == 1 and rest[0].is_word("off"):
        return Command("alerts", page=page, off=True)
    if any("," in token.text for token in rest if not token.quoted):
        stages = tuple(part.strip() for part in _join(rest).split(",") if part.strip())
    else:
        stages = tuple(token.text for token in rest)
    return Command("alerts", page=page, stages=stages)


def _parse_sync(args: list[_Token]) -> Command:
    full = bool(args) and args[-1].is_word("full")
    page = _required_page(args[:-1] if full else args, "sync")
    return Command("sync", page=page, full=full)


def _parse_pipeline(args: list[_Token]) -> Command:
    mode: Mode = "skip"
    # With only two parts, the second must be the pipeline even if it is called "update".
    if len(args) >= 3 and args[-1].is_word(*_MODES):
        mode = cast(Mode, args[-1].text.casefold())
        args = args[:-1]
    if len(args) < 2:
        raise CommandError(
            'Which page and which pipeline? e.g. `/fbsync pipeline "Bluebird Coffee" Sales update`,'
            ' or `/fbsync pipeline "Bluebird Coffee" off`.'
        )
    page = _join(args[:-1])
    if args[-1].is_word("off"):
        return Command("pipeline", page=page, off=True, mode=mode)
    return Command("pipeline", page=page, pipeline=args[-1].text, mode=mode)


def _required_page(args: list[_Token], command: str) -> str:
    page = _join(args)
    if not page:
        raise CommandError(f"Which page? e.g. `/fbsync {command} Bluebird Coffee` (`/fbsync pages` lists them).")
    return page


def _reject_typo(word: str, text: str) -> None:
    close = difflib.get_close_matches(word.casefold(), COMMANDS, n=len(COMMANDS), cutoff=0.75)
    if close:
        raise CommandError(
            f"Unknown command `{word}`. Did you mean `{max(close, key=lambda c: _shared_letters(word, c))}`?"
            f" To sync a page by that name: `/fbsync sync {text}`"
        )


def _shared_letters(word: str, command: str) -> float:
    # Typos swap or drop letters; difflib alone prefers `stats` over `status` for `stauts`.
    return difflib.SequenceMatcher(None, sorted(word.casefold()), sorted(command)).ratio()


def _join(tokens: list[_Token]) -> str:
    return " ".join(token.text for token in tokens).strip()


def _unescape(text: str) -> str:
    for entity, char in _SLACK_ENTITIES:
        text = text.replace(entity, char)
    return text


def _tokenize(text: str) -> list[_Token]:
    """Split on whitespace; a quote opens a group only at the start of a word and closes only at its end,
    so apostrophes inside names (Joe's Diner) stay literal."""
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        family = _quote_family(text[i])
        if family:
            end = _closing_quote(text, i + 1, family)
            tokens.append(_Token(text[i + 1 : end].strip(), quoted=True))
            i = end + 1
        else:
            end = _word_end(text, i)
            tokens.append(_Token(text[i:end], quoted=False))
            i = end
    return [token for token in tokens if token.text]


def _quote_family(char: str) -> str | None:
    return next((family for family in _QUOTE_FAMILIES if char in family), None)


def _closing_quote(text: str, start: int, family: str) -> int:
    for j in range(start, len(text)):
        if text[j] in family and (j + 1 == len(text) or text[j + 1].isspace()):
            return j
    raise CommandError('Unbalanced quotes: close the quote you opened, e.g. `/fbsync sync "Bluebird Coffee"`.')


def _word_end(text: str, start: int) -> int:
    end = start
    while end < len(text) and not text[end].isspace():
        end += 1
    return end
