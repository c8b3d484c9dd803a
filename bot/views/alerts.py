"""Lead alerts in a page's notify channel (one card each, or one digest for a burst), and the answer of
`/fbsync alerts`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.views.blocks import Block, Message, code, context, escape, message, section, typed_arg
from bot.views.lead_card import lead_card
from core.alerts import Alert
from core.leads import Lead
from core.pages import Page
from core.pipeline import Stage

# A burst of more alerts than this is one digest message, not a message each.
ALONE_AT_MOST = 3
DIGEST_SHOWN = 10
MAX_BLOCKS = 50  # Slack's limit per message
_DIVIDER: Block = {"type": "divider"}


def carded(news: Sequence[Alert]) -> Sequence[Alert]:
    """The alerts whose leads get a card: each alone, or the digest's top ones (`news` best first)."""
    return news if len(news) <= ALONE_AT_MOST else news[:DIGEST_SHOWN]


def lead_alert(page: Page, stage: str, lead: Lead, stages: Sequence[Stage]) -> Message:
    """One contact new in an alert stage: a header line over its card, with the card's actions."""
    header = section(f":fire: New *{escape(stage)}* on *{escape(page.name)}*")
    return message(f"🔥 New {stage} on {page.name}: {lead.name}", [header, *lead_card(lead, stages)])


def alert_digest(page: Page, alerts: Sequence[Alert], shown: Sequence[Lead], stages: Sequence[Stage]) -> Message:
    """Many contacts new in alert stages at once (a sync): how many per stage, the best ones (`shown`,
    score first) as cards, and where to see the rest."""
    per_stage = Counter(alert.stage for alert in alerts)
    counts = " · ".join(f"{count:,} {escape(stage)}" for stage, count in per_stage.most_common())
    header = section(
        f":fire: *{len(alerts):,} new leads* on *{escape(page.name)}*: {counts}. The top {len(shown)} by score:"
    )
    cards = [lead_card(lead, stages) for lead in shown]
    rest = len(alerts) - len(shown)
    footer: list[Block] = []
    if rest > 0:
        commands = " · ".join(code(f"/fbsync leads {typed_arg(page.name)} {typed_arg(stage)}") for stage in per_stage)
        footer.append(context(f"…and {rest:,} more: {commands}"))
    body = [block for card in cards for block in card]
    with_dividers = [block for i, card in enumerate(cards) for block in ([_DIVIDER] if i else []) + card]
    if 1 + len(with_dividers) + len(footer) <= MAX_BLOCKS:
        body = with_dividers
    return message(f"🔥 {len(alerts):,} new leads on {page.name}", [header, *body, *footer])


def alerts_settings(page: Page, stage_names: Sequence[str], channel: str | None) -> Message:
    """Which stages alert, and where (what `/fbsync alerts PAGE` answers, and after setting them)."""
    name = escape(page.name)
    ref = typed_arg(page.name)
    if not stage_names:
        turn_on = code(f"/fbsync alerts {ref} STAGE…")
        return message(
            f"Lead alerts for {page.name} are off",
            [section(f":no_bell: Lead alerts for *{name}* are off. Turn them on with {turn_on}.")],
        )
    listed = " and ".join(f"*{escape(stage)}*" for stage in stage_names)
    where = (
        f"in <#{channel}>"
        if channel
        else f"once the page has a notify channel: {code(f'/fbsync notify {ref}')} in the channel that should get them"
    )
    return message(
        f"Lead alerts for {page.name}: {', '.join(stage_names)}",
        [
            section(
                f":fire: Contacts of *{name}* that the analysis moves into {listed} are announced {where},"
                f" each with its lead card, once per contact and stage."
            ),
            context(
                f"More than {ALONE_AT_MOST} at once (a sync) make one digest of the top {DIGEST_SHOWN}."
                f" Stages people set are not announced. {code(f'/fbsync alerts {ref} off')} stops them."
            ),
        ],
    )
