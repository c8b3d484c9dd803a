"""The rules analyzer's words: a summary a salesperson can read, and the reasoning behind the stage."""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.analysis.model import Transcript
from core.analysis.rules.verdict import Verdict, clean, page_lines_after, staleness_penalty
from core.analysis.rules.vocabulary import MEANINGS, PATTERNS, Intent, Step, normalise

_SNIPPET_CHARS = 80


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _snippet(text: str, intent: Intent | None) -> str:
    """The sentence that carries the intent, cut to a glanceable length."""
    sentences = re.split(r"(?<=[.!?])\s+", text)
    pattern = PATTERNS[intent] if intent else None
    chosen = next((s for s in sentences if pattern and pattern.search(normalise(s))), text)
    if len(chosen) <= _SNIPPET_CHARS:
        return chosen
    return chosen[:_SNIPPET_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _names(transcript: Transcript) -> tuple[str, str]:
    return transcript.contact_name.strip() or "The contact", transcript.page_name.strip() or "The business"


def _salient_intent(verdict: Verdict) -> Intent | None:
    salient = verdict.salient
    if salient is None:
        return None
    return salient.outcome_intent or (salient.intents[0] if salient.intents else None)


def _said(who: str, verdict: Verdict) -> str:
    assert verdict.salient is not None
    intent = _salient_intent(verdict)
    quote = _snippet(verdict.salient.text, intent)
    if intent is None:
        return f'{who} wrote "{quote}" without a clear request.'
    return f'{who} {MEANINGS[intent].asked} ("{quote}").'


def _unanswered_ask(transcript: Transcript, verdict: Verdict) -> bool:
    """The business replied at some point, but not since the contact started asking to buy."""
    streak = verdict.thread.streak
    return verdict.step is Step.QUALIFIED and not page_lines_after(transcript.lines, streak[0].position)


def _business_state(transcript: Transcript, verdict: Verdict) -> str:
    _, business = _names(transcript)
    if verdict.confirmation is not None:
        return f'{business} confirmed it ("{_snippet(clean(verdict.confirmation.text), None)}").'
    if not transcript.page_replied:
        return f"{business} has not replied yet."
    if verdict.step is Step.PROPOSAL:
        since = "has had no answer since" if verdict.offer_silence else "they have replied since"
        return f"{business} sent a price, quote or link, and {since}."
    if _unanswered_ask(transcript, verdict):
        return f"{business} replied earlier but has not answered this yet."
    return {
        Step.CONTACTED: f"{business} replied; there is no buying signal yet.",
        Step.QUALIFIED: f"{business} replied but has not sent a price, quote or link yet.",
        Step.WON: f"{business} replied; the sale looks closed.",
        Step.LOST: f"{business} replied; the lead looks lost.",
    }[verdict.step]


def _aside(verdict: Verdict) -> str | None:
    if verdict.thread.earlier is not None:
        return f"Earlier they {MEANINGS[verdict.thread.earlier].asked}."
    if verdict.salient is not None and set(verdict.complaints) - {verdict.salient.position}:
        return "They also complained."
    return None


def summary(transcript: Transcript, verdict: Verdict) -> str:
    who, business = _names(transcript)
    if not transcript.lines:
        return f"No messages with {who} yet."
    if verdict.salient is None:
        return f"Only {business} has written so far; {who} has not replied."
    sentences = [_said(who, verdict), _business_state(transcript, verdict), _aside(verdict)]
    return " ".join(s for s in sentences if s)


def _signals(verdict: Verdict) -> list[str]:
    """What the contact said that counted: every buying signal of the current streak, else the decisive one."""
    streak = verdict.thread.streak
    if streak:
        intents = [i for i in Intent if MEANINGS[i].outcome is Step.QUALIFIED and any(i in m.intents for m in streak)]
    else:
        intents = [i for i in (_salient_intent(verdict),) if i is not None]
    signals = [MEANINGS[i].signal for i in intents]
    if any(m.has_quantity for m in streak):
        signals.append("a quantity")
    if signals and verdict.thread.earlier is not None:
        signals[-1] += f" after {MEANINGS[verdict.thread.earlier].signal} earlier"
    return signals


def _business_clause(transcript: Transcript, verdict: Verdict) -> str:
    if verdict.confirmation is not None:
        clause = "the business confirmed it"
    elif verdict.step is Step.PROPOSAL:
        clause = "the business sent a price, quote or link" + (
            " and has had no answer since" if verdict.offer_silence else ""
        )
    elif verdict.step is Step.WON:
        clause = "that closes the sale"
    elif verdict.step is Step.LOST:
        clause = "that ends the lead"
    elif not transcript.page_replied:
        clause = "the business has not replied yet"
    elif _unanswered_ask(transcript, verdict):
        clause = "the business replied earlier but not since"
    elif verdict.step is Step.QUALIFIED:
        clause = "the business replied without a price, quote or link"
    else:
        clause = "the business replied"
    if verdict.stale_days is not None and staleness_penalty(verdict.step, verdict.stale_days):
        clause += f", and nothing has happened for {verdict.stale_days} days"
    return clause


def reasoning(transcript: Transcript, verdict: Verdict) -> str:
    if not transcript.lines:
        return "There are no messages yet."
    if verdict.salient is None:
        return "Only the business has written; the contact has not replied."
    signals = _signals(verdict)
    said = f"The contact sent {_join(signals)}" if signals else "The contact wrote without a clear request"
    return f"{said}; {_business_clause(transcript, verdict)}."


def evidence(verdict: Verdict) -> tuple[str, ...]:
    """The words that decided the stage, as the audit trail keeps them: the customer's, then the business's."""
    quotes = []
    if verdict.salient is not None:
        quotes.append("customer: " + _snippet(verdict.salient.text, _salient_intent(verdict)))
    if verdict.confirmation is not None:
        quotes.append("business: " + _snippet(clean(verdict.confirmation.text), None))
    return tuple(quotes)
