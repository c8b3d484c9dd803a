"""Merge review in Slack: a pair of lead cards that may be one person, with the reasons and "Same
person" / "Not the same"; a digest of many; `/fbsync merges PAGE`; and what a decision leaves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.views.blocks import Block, Message, actions, button, code, context, escape, message, section, typed_arg
from bot.views.lead_card import lead_card
from core.leads import Lead
from core.merge.review import Suggestion
from core.pages import Page

# Action ids: bot/listeners/merges.py binds the same constants.
SAME_PERSON_ACTION = "fbsync_merge_same"
NOT_SAME_ACTION = "fbsync_merge_not_same"

# More pairs than this at once are one digest, of the best DIGEST_SHOWN.
ALONE_AT_MOST = 3
DIGEST_SHOWN = 8
_DIVIDER: Block = {"type": "divider"}


def pair_value(page: Page, suggestion: Suggestion) -> str:
    return f"{page.id}:{suggestion.messenger_psid}:{suggestion.instagram_sid}"


def read_pair_value(value: str) -> tuple[int, str, str] | None:
    """(page id, Messenger id, Instagram id) from a button's value; None for anything else."""
    parts = value.split(":")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return None
    return int(parts[0]), parts[1], parts[2]


def merge_suggestion(page: Page, suggestion: Suggestion, leads: Mapping[int, Lead]) -> Message:
    """One pair: both lead cards (without their own controls), the reasons, and the two buttons."""
    messenger, instagram = leads[suggestion.messenger_contact_id], leads[suggestion.instagram_contact_id]
    header = section(
        f":busts_in_silhouette: *Same person?* On *{escape(page.name)}*, {_who(messenger)} on Messenger and"
        f" {_who(instagram)} on Instagram look like one customer (score {suggestion.score:.2f})."
    )
    blocks = [
        header,
        *lead_card(messenger, (), with_actions=False),
        *lead_card(instagram, (), with_actions=False),
        context(*(escape(reason) for reason in suggestion.reasons[:10])),
        _decision(page, suggestion),
    ]
    return message(
        f"Same person? {messenger.name} on Messenger and {instagram.name} on Instagram", _tagged(suggestion, blocks)
    )


def merge_digest(
    page: Page, pending: Sequence[Suggestion], leads: Mapping[int, Lead], *, listing: bool = False
) -> Message:
    """Many pairs: the best DIGEST_SHOWN, a line and the buttons each, and how to see the rest."""
    shown = [s for s in pending[:DIGEST_SHOWN] if s.messenger_contact_id in leads and s.instagram_contact_id in leads]
    if not shown:
        return message(
            f"No merge candidates on {page.name}",
            [section(f"No Messenger and Instagram contacts of *{escape(page.name)}* await a merge review.")],
        )
    opening = "awaiting review" if listing else "found"
    blocks: list[Block] = [
        section(
            f":busts_in_silhouette: *{len(pending):,} possible duplicate{'s' if len(pending) != 1 else ''}*"
            f" {opening} on *{escape(page.name)}*: the same customer on Messenger and Instagram?"
        )
    ]
    for n, suggestion in enumerate(shown):
        messenger, instagram = leads[suggestion.messenger_contact_id], leads[suggestion.instagram_contact_id]
        pair = [
            section(
                f"{_who(messenger)} (Messenger, {_stage(messenger)}) and {_who(instagram)} (Instagram,"
                f" {_stage(instagram)}) · score {suggestion.score:.2f}\n{escape('; '.join(suggestion.reasons[:4]))}"
            ),
            _decision(page, suggestion),
        ]
        blocks.extend(([_DIVIDER] if n else []) + _tagged(suggestion, pair))
    rest = len(pending) - len(shown)
    if rest > 0:
        blocks.append(context(f"…and {rest:,} more: {code(f'/fbsync merges {typed_arg(page.name)}')}"))
    return message(f"{len(pending):,} possible duplicates on {page.name}", blocks)


def decided(blocks: Sequence[Block], suggestion_key: str, outcome: str) -> list[Block] | None:
    """`blocks` with the pair's blocks (block ids `merge:{key}:n`) replaced by one line saying what was
    decided; None when they hold no such pair."""
    prefix = f"merge:{suggestion_key}:"
    mine = [i for i, block in enumerate(blocks) if str(block.get("block_id", "")).startswith(prefix)]
    if not mine:
        return None
    kept = [block for i, block in enumerate(blocks) if i not in mine]
    kept.insert(mine[0], context(outcome))
    return kept


def merged_answer(lead: Lead, card: list[Block]) -> Message:
    return message(
        f"{lead.name} is one contact now",
        [section(f":link: *{escape(lead.name)}* is one contact now, on Messenger and Instagram."), *card],
    )


def outcome_line(kind: str, user_id: str, names: str) -> str:
    if kind == "merged":
        return f":link: Merged by <@{user_id}>: {names} are one contact now."
    return f":heavy_minus_sign: <@{user_id}> said {names} are not the same person: not suggested again."


def unmerged_answer(messenger: Lead, instagram: Lead) -> Message:
    return message(
        f"{messenger.name} and {instagram.name} are two contacts again",
        [
            section(
                f":scissors: *{escape(messenger.name)}* (Messenger) and *{escape(instagram.name)}* (Instagram) are two"
                " contacts again, each with their own conversations; each is being analysed again."
            )
        ],
    )


def merge_refused(reason: str) -> Message:
    return message(reason, [section(f":warning: {escape(reason)}")])


def pair_key(suggestion: Suggestion) -> str:
    return f"{suggestion.messenger_psid}:{suggestion.instagram_sid}"


def _decision(page: Page, suggestion: Suggestion) -> Block:
    value = pair_value(page, suggestion)
    return actions(
        button("Same person", SAME_PERSON_ACTION, value=value, style="primary"),
        button("Not the same", NOT_SAME_ACTION, value=value),
    )


def _tagged(suggestion: Suggestion, blocks: list[Block]) -> list[Block]:
    """Every block of the pair named after it, so a decision replaces exactly those."""
    return [{**block, "block_id": f"merge:{pair_key(suggestion)}:{n}"} for n, block in enumerate(blocks)]


def _who(lead: Lead) -> str:
    name = f"*{escape(lead.name)}*"
    if lead.instagram_username and lead.name not in (lead.instagram_username, f"@{lead.instagram_username}"):
        name += f" (@{escape(lead.instagram_username)})"
    return name


def _stage(lead: Lead) -> str:
    return escape(lead.stage) if lead.stage else "no stage yet"
