"""Deciding the funnel step, score and status from the contact's messages and the business's replies.

It reads each contact message for intents (pricing, purchase, refund...: `intents`), lets the latest
decisive one set the funnel step, then uses what the business did (replied, sent an offer, confirmed)
to refine it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache

from core.analysis.model import LeadStatus, Line, Transcript, clamp_score
from core.analysis.rules.clauses import is_question, negated
from core.analysis.rules.intents import detect
from core.analysis.rules.stages import SIGNAL_STEPS, Signal, named_signals
from core.analysis.rules.vocabulary import (
    AUTO_REPLY,
    BARE_AMOUNT,
    CLAUSE_BREAK,
    CONDITION,
    CONFIRMED_WORD,
    DONE,
    LOGISTICS_QUESTION,
    MEANINGS,
    NEGATIVE,
    OFFER,
    OFFER_TO_COME,
    PAGE_CONFIRMED,
    PATTERNS,
    PAYMENT_REQUEST,
    PRICED,
    QUANTITY,
    SAMPLES,
    SEE_YOU,
    Intent,
    Step,
    normalise,
)

# Whether a page line is an offer or a confirmation only matters after the buying signal that prompted it.
# Stock and shipping answers often state a shipping fee, which alone is no proposal.
OFFER_PROMPTS = (Intent.QUOTE, Intent.PURCHASE, Intent.BOOKING, Intent.PRICING, Intent.DEAL)

_RECENCY_DECAY = 0.85  # each newer contact message makes an older one count this much less
_QUANTITY_BONUS = 0.15
_ENGAGEMENT_PER_MESSAGE = 0.05
_ENGAGEMENT_CAP = 0.15
_SILENCE_PENALTY = 0.15
_STALE_AFTER_DAYS = (30, 7)  # with `now`: quiet this long costs _STALE_PENALTIES
_STALE_PENALTIES = (0.3, 0.1)
_CONFIRMED_WEIGHT = 0.4  # a business's "booked"/"payment received", weaker than the contact saying "paid"

# Unanswered buying signals get the top of NEW: they are the most urgent inbox items, yet not qualified.
_SCORE_RANGES: dict[Step, tuple[int, int]] = {
    Step.NEW: (10, 45),
    Step.CONTACTED: (20, 40),
    Step.QUALIFIED: (55, 80),
    Step.PROPOSAL: (70, 90),
    Step.WON: (95, 100),
    Step.LOST: (0, 10),
}
STATUSES: dict[Step, LeadStatus] = {
    Step.NEW: LeadStatus.NEW,
    Step.CONTACTED: LeadStatus.CONTACTED,
    Step.QUALIFIED: LeadStatus.QUALIFIED,
    Step.PROPOSAL: LeadStatus.PROPOSAL_SENT,
    Step.WON: LeadStatus.WON,
    Step.LOST: LeadStatus.LOST,
}


@dataclass(frozen=True)
class Message:
    position: int  # index in the transcript's lines
    text: str  # as written (spaces tidied), for quoting
    intents: tuple[Intent, ...]  # in priority order
    has_quantity: bool
    recency: float = 1.0  # how much it still counts: newer messages that say something fade it

    @property
    def outcome_intent(self) -> Intent | None:
        return next((i for i in self.intents if MEANINGS[i].outcome is not None), None)

    @property
    def outcome(self) -> Step | None:
        intent = self.outcome_intent
        return None if intent is None else MEANINGS[intent].outcome


def clean(text: str) -> str:
    return " ".join(text.split())


def _priced_answer(lines: Sequence[Line], position: int) -> bool:
    """The business's reply to the contact message at `position` names a price."""
    for line in lines[position + 1 :]:
        if line.speaker == "contact":
            return False
        if _is_offer(line):
            return True
    return False


def without_auto_replies(transcript: Transcript) -> Transcript:
    """The transcript without the business's automatic acknowledgements ("thanks for your message,
    we'll get back to you soon"): they answer nothing the customer asked."""
    kept = tuple(line for line in transcript.lines if line.speaker != "page" or not _is_auto_reply(line.text))
    return transcript if len(kept) == len(transcript.lines) else replace(transcript, lines=kept)


# A business's lines recur (templates, and every re-analysis reads the same ones): each judged once.
@lru_cache(maxsize=8192)
def _is_auto_reply(text: str) -> bool:
    return bool(AUTO_REPLY.search(normalise(text)))


def read(lines: Sequence[Line]) -> list[Message]:
    messages = []
    asked_to_pay = False
    for position, line in enumerate(lines):
        normal = normalise(line.text)
        if line.speaker != "contact":
            asked_to_pay = bool(PAYMENT_REQUEST.search(normal))
            continue
        intents = detect(normal)
        # A question the business answered with a price was about buying, whatever its words.
        if not any(MEANINGS[i].outcome for i in intents) and is_question(normal) and _priced_answer(lines, position):
            intents = (Intent.PRICING, *intents)
        if asked_to_pay and DONE.search(normal) and not set(intents) & set(NEGATIVE):
            intents = (Intent.PAYMENT, *(i for i in intents if i is not Intent.PAYMENT))
        asked_to_pay = False
        # A bare count ("2 bags please") is an order; with a question it strengthens that question.
        quantity = bool(QUANTITY.search(normal)) and not any(i in NEGATIVE for i in intents)
        if quantity and not any(MEANINGS[i].outcome for i in intents):
            intents = (Intent.PURCHASE, *intents)
        messages.append(Message(position, clean(line.text), intents, quantity))
    return _with_recency(messages)


def _with_recency(messages: list[Message]) -> list[Message]:
    # Only newer messages that say something fade a signal: "Hello??" nudges are not a change of mind.
    weighted, fade = [], 1.0
    for message in reversed(messages):
        weighted.append(replace(message, recency=fade))
        if set(message.intents) - {Intent.GREETING}:
            fade *= _RECENCY_DECAY
    return weighted[::-1]


@dataclass(frozen=True)
class Thread:
    """What the walk over the contact's messages found, the newest decisive message winning."""

    decisive: Message | None
    intent: Intent | None  # the decisive message's outcome intent
    streak: tuple[Message, ...]  # the buying messages since the contact last became a prospect
    earlier: Intent | None  # an opposite outcome the latest one overturned (interest, then a refund)


def walk(messages: Sequence[Message]) -> Thread:
    decisive: Message | None = None
    streak: list[Message] = []
    earlier: Intent | None = None
    for message in messages:
        step, current = message.outcome, decisive.outcome if decisive else None
        # A customer asking about more is still a customer; only a refund, cancel or opt-out undoes a sale.
        if step is None or (current is Step.WON and step is Step.QUALIFIED):
            continue
        if decisive is not None and step is not current and Step.LOST in (step, current):
            earlier = decisive.outcome_intent
        if step is not Step.QUALIFIED:
            streak = []
        elif current is Step.QUALIFIED:
            streak.append(message)
        else:
            streak = [message]
        decisive = message
    return Thread(decisive, decisive.outcome_intent if decisive else None, tuple(streak), earlier)


@dataclass(frozen=True)
class Verdict:
    step: Step
    strength: float  # where the score sits in the step's range, 0-1
    confidence: int
    thread: Thread
    salient: Message | None = None  # the contact message the summary quotes
    complaints: tuple[int, ...] = ()  # positions of the contact's complaining messages
    offer_silence: bool = False  # the business's offer is the last word
    confirmation: Line | None = None  # the business's own "booked"/"payment received" that closed the sale
    stale_days: int | None = None


def _nudges(messages: Sequence[Message]) -> float:
    """Engagement up, complaints and hesitation down, the recent ones counting most."""
    total = min(_ENGAGEMENT_CAP, _ENGAGEMENT_PER_MESSAGE * (len(messages) - 1))
    for message in messages:
        for intent in (Intent.COMPLAINT, Intent.HESITATION):
            if intent in message.intents:
                total -= MEANINGS[intent].weight * message.recency
    return total


def _weight(message: Message) -> float:
    # A buying message's headline intent is its buying one: negatives never share a message with it.
    return MEANINGS[message.intents[0]].weight + _QUANTITY_BONUS * message.has_quantity


def _buying_strength(buying: Sequence[Message]) -> float:
    return max((_weight(m) * m.recency for m in buying), default=0.0)


def page_lines_after(lines: Sequence[Line], position: int) -> list[Line]:
    return [line for line in lines[position + 1 :] if line.speaker == "page"]


def _is_offer(line: Line) -> bool:
    # A refund the business issues quotes an amount too, but it is the opposite of an offer.
    text = normalise(line.text)
    if not OFFER.search(text) or PATTERNS[Intent.REFUND].search(text):
        return False
    return bool(PRICED.search(text)) or not OFFER_TO_COME.search(text)


def _prompts_offer(message: Message) -> bool:
    # Asking whether something is in stock invites its price; asking about delivery invites a fee, no offer.
    if any(i in OFFER_PROMPTS for i in message.intents):
        return True
    return Intent.AVAILABILITY in message.intents and not LOGISTICS_QUESTION.search(normalise(message.text))


def _offer_made(lines: Sequence[Line], streak: Sequence[Message]) -> bool:
    prompt = next((m for m in streak if _prompts_offer(m)), None)
    if prompt is None:
        return False
    after = page_lines_after(lines, prompt.position)
    # Asked the price, an amount in the answer is one, its currency unsaid.
    asked_price = bool({Intent.PRICING, Intent.QUOTE} & set(prompt.intents))
    return any(_is_offer(line) or (asked_price and BARE_AMOUNT.search(normalise(line.text))) for line in after)


def _confirmation(lines: Sequence[Line], streak: Sequence[Message], asked: bool = True) -> Line | None:
    """The business's line confirming a sale after the streak; `asked`: the customer asked for one."""
    # Samples asked for last: what the business confirms then is their dispatch, no order.
    if SAMPLES.search(normalise(streak[-1].text)):
        return None
    after = page_lines_after(lines, streak[0].position)
    return next((line for line in after if _confirms(normalise(line.text), asked)), None)


def _confirms(text: str, asked: bool) -> bool:
    """The business confirmed a payment, order or booking: "payment received", "booking confirmed"."""
    return any(_states_confirmed(clause, asked) for clause in CLAUSE_BREAK.split(text) if clause)


def _states_confirmed(clause: str, asked: bool) -> bool:
    # As a fact: not a condition ("once payment is confirmed"), a question or a negation.
    found = (
        PAGE_CONFIRMED.search(clause) or CONFIRMED_WORD.search(clause) or (SEE_YOU.search(clause) if asked else None)
    )
    if found is None or "?" in clause or CONDITION.search(clause[: found.start()]):
        return False
    return not negated(clause, found.start())


def _offer_unanswered(lines: Sequence[Line]) -> bool:
    tail: list[Line] = []
    for line in reversed(lines):
        if line.speaker == "contact":
            break
        tail.append(line)
    return any(_is_offer(line) for line in tail)


def _stale_days(lines: Sequence[Line], now: datetime | None) -> int | None:
    if now is None or not lines:
        return None
    last, reference = lines[-1].at, now
    # Mixed naive and aware times would not subtract; naive ones are taken as UTC.
    if (last.tzinfo is None) != (reference.tzinfo is None):
        last, reference = (t if t.tzinfo else t.replace(tzinfo=UTC) for t in (last, reference))
    return max(0, (reference - last).days)


def staleness_penalty(step: Step, days: int | None) -> float:
    if days is None or step in (Step.WON, Step.LOST):
        return 0.0
    return next((p for limit, p in zip(_STALE_AFTER_DAYS, _STALE_PENALTIES, strict=True) if days > limit), 0.0)


def judge(transcript: Transcript, now: datetime | None) -> Verdict:
    messages = read(transcript.lines)
    verdict = _decide(transcript, messages, walk(messages))
    stale = _stale_days(transcript.lines, now)
    return replace(
        verdict,
        strength=verdict.strength - staleness_penalty(verdict.step, stale),
        complaints=tuple(m.position for m in messages if Intent.COMPLAINT in m.intents),
        stale_days=stale,
    )


def _decide(transcript: Transcript, messages: list[Message], thread: Thread) -> Verdict:
    if not messages:
        return Verdict(Step.NEW, 0.0, 15 if transcript.lines else 10, thread)
    if thread.decisive is None or thread.intent is None:
        # An order or booking the business confirmed is a sale, however the customer worded it.
        confirmation = _confirmation(transcript.lines, messages[:1], asked=False)
        if confirmation is not None:
            return Verdict(
                Step.WON, _CONFIRMED_WEIGHT + _nudges(messages), 65, thread, messages[-1], confirmation=confirmation
            )
        return _undecided(transcript, messages, thread)
    if thread.streak:
        return _prospect(transcript, messages, thread)
    return _closed(messages, thread, thread.decisive, thread.intent)


def _tone_weight(tone: Intent | None) -> float:
    """How warm a message without a buying signal is: saying something beats a bare greeting or a gripe."""
    if tone is None:
        return 0.15
    return 0.0 if tone in (Intent.GREETING, Intent.COMPLAINT) else MEANINGS[tone].weight


def _undecided(transcript: Transcript, messages: list[Message], thread: Thread) -> Verdict:
    """No buying, closing or leaving signal: the step only says whether the business answered."""
    complaints = [m for m in messages if Intent.COMPLAINT in m.intents]
    beyond_greeting = [m for m in messages if Intent.GREETING not in m.intents]
    salient = (complaints or beyond_greeting or messages)[-1]
    tone = salient.intents[0] if salient.intents else None
    step = Step.CONTACTED if transcript.page_replied else Step.NEW
    confidence = (MEANINGS[tone].confidence if tone else 30) + 5 * transcript.page_replied
    return Verdict(step, _tone_weight(tone) + _nudges(messages), confidence, thread, salient)


def _prospect(transcript: Transcript, messages: list[Message], thread: Thread) -> Verdict:
    """A buying signal: how far the business took it decides between new, qualified, proposal and won."""
    lines = transcript.lines
    # The strongest ask, and of equals the first: openers name the product, follow-ups say "ok, in stock?".
    salient = max(thread.streak, key=lambda m: (_weight(m), -m.position))
    confirmation = _confirmation(lines, thread.streak)
    if confirmation is not None:
        strength = _CONFIRMED_WEIGHT + _nudges(messages)
        return Verdict(Step.WON, strength, 75, thread, salient, confirmation=confirmation)
    confidence = MEANINGS[salient.intents[0]].confidence + 5 * any(m.has_quantity for m in thread.streak)
    strength = _buying_strength(thread.streak) + _nudges(messages)
    if _offer_made(lines, thread.streak):
        silent = _offer_unanswered(lines)
        strength -= _SILENCE_PENALTY * silent
        return Verdict(Step.PROPOSAL, strength, confidence + 5, thread, salient, offer_silence=silent)
    if transcript.page_replied:
        return Verdict(Step.QUALIFIED, strength, confidence, thread, salient)
    return Verdict(Step.NEW, strength, confidence - 5, thread, salient)  # nobody has looked at it yet


def _closed(messages: list[Message], thread: Thread, decisive: Message, intent: Intent) -> Verdict:
    """Won or lost, as the contact said; a lost lead that once wanted to buy keeps a little more score."""
    step = decisive.outcome
    assert step is not None  # a decisive message has an outcome by definition
    confidence = MEANINGS[intent].confidence - 10 * (thread.earlier is not None)
    if step is Step.WON:
        strength = MEANINGS[intent].weight + _nudges(messages)
    else:
        before = [m for m in messages if m.position < decisive.position and m.outcome is Step.QUALIFIED]
        strength = MEANINGS[intent].weight + 0.5 * _buying_strength(before)
    return Verdict(step, strength, confidence, thread, decisive)


_SAID_SIGNALS = {
    Intent.PAYMENT: Signal.PAYMENT,
    Intent.RECEIVED: Signal.ORDER,
    Intent.REFUND: Signal.REFUND,
    Intent.CANCEL: Signal.CANCEL,
}


def shown(verdict: Verdict) -> tuple[Signal, ...]:
    """What the conversation shows that a stage definition may name ("paid the deposit", "booked"),
    strongest first: only signals of the verdict's own step, so that no definition can move it."""
    said = _SAID_SIGNALS.get(verdict.thread.intent) if verdict.thread.intent else None
    found = {said} if said else set()
    if verdict.step is Step.PROPOSAL:
        found.add(Signal.QUOTE)
    elif verdict.step is Step.LOST and not found:
        found.add(Signal.REFUSAL)
    for line in (verdict.thread.decisive, verdict.confirmation):
        if line is not None:
            found.update(named_signals(line.text))
    return tuple(signal for signal in Signal if signal in found and SIGNAL_STEPS[signal] is verdict.step)


def status(verdict: Verdict) -> LeadStatus:
    # Someone who opts out without ever showing interest was never a lead; a lost one was.
    cold = (
        verdict.thread.earlier is None
        and verdict.salient is not None
        and (verdict.salient.outcome_intent in (Intent.OPT_OUT, Intent.REFUSAL, Intent.SPAM))
    )
    return LeadStatus.UNQUALIFIED if verdict.step is Step.LOST and cold else STATUSES[verdict.step]


def score(verdict: Verdict) -> int:
    low, high = _SCORE_RANGES[verdict.step]
    strength = max(0.0, min(1.0, verdict.strength))
    score = clamp_score(low + (high - low) * strength)
    assert score is not None
    return score
