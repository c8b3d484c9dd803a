"""The offline analyzer: keyword rules over the contact's messages, no network, same answer every time.

It reads each contact message for intents (pricing, purchase, refund...), lets the latest decisive one
set the funnel step, then uses what the business did (replied, sent an offer, confirmed) to refine it.
The step is mapped onto whatever stage names the page's pipeline uses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from enum import IntEnum, StrEnum
from typing import Mapping, Sequence

from core.analysis.model import Analysis, LeadStatus, Line, Transcript, clamp_score


class Step(IntEnum):
    """The canonical funnel, in order; LOST sits outside the order and is handled apart."""

    NEW = 0
    CONTACTED = 1
    QUALIFIED = 2
    PROPOSAL = 3
    WON = 4
    LOST = 5


class Intent(StrEnum):
    # Declaration order is priority: a message's headline intent is the first one it matches.
    REFUND = "refund"
    CANCEL = "cancel"
    OPT_OUT = "opt_out"
    COMPLAINT = "complaint"
    PAYMENT = "payment"
    RECEIVED = "received"
    DEAL = "deal"
    QUOTE = "quote"
    PURCHASE = "purchase"
    BOOKING = "booking"
    PRICING = "pricing"
    AVAILABILITY = "availability"
    HESITATION = "hesitation"
    THANKS = "thanks"
    GREETING = "greeting"


@dataclass(frozen=True)
class _Meaning:
    outcome: Step | None  # the step this intent decides; None when it only nudges the score
    weight: float  # signal strength, 0-1
    confidence: int  # how sure a stage decided by this intent is
    asked: str  # summary verb phrase, past tense: "{name} asked for a quote"
    signal: str  # reasoning noun phrase: "the contact sent a quote request"


_MEANINGS: dict[Intent, _Meaning] = {
    # Asking for a refund or to cancel means they bought once: a little more worth than a cold opt-out.
    Intent.REFUND: _Meaning(Step.LOST, 0.3, 85, "asked for a refund", "a refund request"),
    Intent.CANCEL: _Meaning(Step.LOST, 0.3, 85, "asked to cancel", "a cancellation request"),
    Intent.OPT_OUT: _Meaning(Step.LOST, 0.0, 90, "opted out", "an opt-out"),
    Intent.COMPLAINT: _Meaning(None, 0.3, 50, "complained", "a complaint"),
    Intent.PAYMENT: _Meaning(Step.WON, 1.0, 95, "said they paid", "a payment confirmation"),
    Intent.RECEIVED: _Meaning(Step.WON, 0.8, 90, "said they received their order", "a delivery confirmation"),
    Intent.DEAL: _Meaning(Step.WON, 0.6, 85, "agreed to the deal", "an agreed deal"),
    Intent.QUOTE: _Meaning(Step.QUALIFIED, 1.0, 80, "asked for a quote", "a quote request"),
    Intent.PURCHASE: _Meaning(Step.QUALIFIED, 0.85, 80, "wanted to buy", "a purchase request"),
    Intent.BOOKING: _Meaning(Step.QUALIFIED, 0.7, 75, "asked to book", "a booking request"),
    Intent.PRICING: _Meaning(Step.QUALIFIED, 0.55, 70, "asked about pricing", "a pricing question"),
    Intent.AVAILABILITY: _Meaning(
        Step.QUALIFIED, 0.4, 60, "asked about availability or delivery", "a stock or delivery question"
    ),
    Intent.HESITATION: _Meaning(None, 0.2, 40, "hesitated", "some hesitation"),
    Intent.THANKS: _Meaning(None, 0.3, 40, "said thanks", "thanks"),
    Intent.GREETING: _Meaning(None, 0.0, 25, "only sent a greeting", "only a greeting"),
}


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(alternatives), re.IGNORECASE)


# English first, then the commonest Spanish and French phrasings.
_PATTERNS: dict[Intent, re.Pattern[str]] = {
    Intent.REFUND: _rx(
        r"\brefund", r"\bmoney back\b", r"\bchargeback\b", r"\breturn (it|this|them|the|my)\b",
        r"\breembolso\b", r"\bdevoluci[oó]n\b", r"\brembourse",
    ),
    Intent.CANCEL: _rx(r"\bcancel", r"\bannuler\b"),
    Intent.OPT_OUT: _rx(
        r"\bnot interested\b", r"\bno longer interested\b", r"\bno,? thanks?\b", r"\bno,? thank you\b",
        r"\bunsubscribe\b", r"\bstop (messaging|texting|sending|contacting|spamming|writing)\b",
        r"^\W*(please,? )?stop( please)?\W*$",
        r"\bremove me\b", r"\bleave me alone\b", r"\b(don't|do not) (message|contact|text|write to) me\b",
        r"\b(don't|do not) want (it|this|them)\b", r"\bno me interesa\b", r"\bpas int[ée]ress[ée]",
        r"\bne m'int[ée]resse (pas|plus)\b", r"\bd[ée]sabonner\b", r"\bdarme de baja\b",
    ),
    Intent.COMPLAINT: _rx(
        r"\b(broken|damaged|defective|faulty|stale|leaking)\b", r"\bwrong (item|order|size|colou?r)\b",
        r"\b(arrived|arriving|is|was|so|too|very|always|still) late\b", r"\blate (delivery|order|shipment)\b",
        r"\bdelayed\b", r"\b(never|not|haven't|hasn't|didn't) (arrived|received|got|get|receive|come|came)\b",
        r"\bcharged twice\b", r"\bdouble[- ]charged\b", r"\bwhere('s| is) my (order|package|parcel|delivery)\b",
        r"\bit's been \d+ (days|weeks)\b",
        r"\b(terrible|awful|horrible|worst|disappoint(ed|ing)|unacceptable|scam|rip[- ]?off|ripped off)\b",
        r"\b(not happy|unhappy|complain(t)?)\b", r"\bpoor (quality|service)\b",
        r"\b(roto|estafa|d[ée]çue?|cass[ée]e?)\b", r"\ben retard\b",
    ),
    Intent.PAYMENT: _rx(
        r"\b(just |already )?paid\b", r"\bpayment (is )?(sent|done|made|complete|completed|went through)\b",
        r"\bsent (you )?(the |my )?(payment|money|transfer)\b", r"\btransferred\b",
        r"\btransfer (is )?(done|sent|made|complete)\b", r"\bwire sent\b",
        r"\b(ya )?pagu[eé]\b", r"\bpagado\b", r"\btransferencia (hecha|realizada|enviada)\b",
        r"\bj'ai pay[ée]\b", r"\bvirement (effectu[ée]|fait|envoy[ée])\b",
    ),
    Intent.RECEIVED: _rx(
        r"\b(received|got|picked up) (my|the|our) (order|package|parcel|delivery|items?|box)\b",
        r"\b(order|package|parcel) (arrived|came|was delivered)\b",
        r"\breçu (ma|la) commande\b", r"\brecib[ií] (mi|el) pedido\b",
    ),
    Intent.DEAL: _rx(r"\b(it's|that's) a deal\b", r"\bdeal done\b", r",\s*deal\b", r"^\W*deal\b", r"\btrato hecho\b"),
    Intent.QUOTE: _rx(
        r"\bquot(e|es|ation)\b", r"\bwholesale\b", r"\bbulk\b", r"\bcorporate\b", r"\bbest price\b",
        r"\b(for|to) (our|my) (caf[eé]|restaurant|shop|store|office|company|business|hotel|team|event)\b",
        r"\bcotizaci[oó]n\b", r"\bpresupuesto\b", r"\bdevis\b", r"\bpor mayor\b", r"\ben gros\b",
    ),
    Intent.PURCHASE: _rx(
        r"\b(i|we)('d| would) like to (order|buy|get|purchase|place)\b",
        r"\b(i|we) (want|wanna|need) to (order|buy|get|purchase)\b", r"\b(i|we)('ll| will) take\b",
        r"\b(i|we)('d| would) like (one|two|three|the|this|that|these|those)\b",
        r"\b(i|we) (want|need) (one|two|three|this|that|these|those|it)\b",
        r"\bcan (i|we) (order|buy|purchase|get)\b", r"\b(place|make) an order\b", r"\bbuy\b", r"\bpurchase\b",
        r"\bhow (do|can) (i|we) pay\b", r"\bpay (by|with|via)\b", r"\baccept (paypal|cards?|credit|cash)\b",
        r"\bsend (me |us )?(the |an )?invoice\b", r"\bquiero (comprar|pedir|ordenar)\b", r"\bcomprar\b",
        r"\bje (voudrais|veux|souhaite) (commander|acheter)\b", r"\bcommander\b",
    ),
    Intent.BOOKING: _rx(
        r"\bbook(ing)?\b", r"\bappointment\b", r"\breserv(e|ation)\b", r"\bschedule\b", r"\bvisit\b",
        r"\b(come|stop|drop) (by|in|over)\b", r"\btable for\b", r"\bcita\b", r"\breservar?\b",
        r"\brendez-vous\b", r"\br[ée]server\b",
    ),
    Intent.PRICING: _rx(
        r"\bhow much\b", r"\bprices?\b", r"\bpricing\b", r"\bcosts?\b", r"\bcharge\b", r"\brates?\b",
        r"\bdiscounts?\b", r"[$€£]\s?\d", r"\bcu[aá]nto\b", r"\bcuesta\b", r"\bprecios?\b", r"\bcombien\b",
        r"\bco[uû]te\b", r"\bprix\b", r"\btarifs?\b",
    ),
    Intent.AVAILABILITY: _rx(
        r"\bstock\b", r"\bsold out\b", r"\bavailab(le|ility)\b", r"\bdo you (still )?(have|sell|carry)\b",
        r"\bship(ping|s)?\b", r"\bdeliver(y|ies)?\b", r"\bpick ?up\b", r"\bdisponib",
        r"\benv[ií]os?\b", r"\blivraison\b",
    ),
    Intent.HESITATION: _rx(
        r"\bthink about it\b", r"\blet me think\b", r"\bmaybe later\b", r"\bnot (right )?now\b",
        r"\btoo (expensive|pricey|high)\b", r"\bout of (my )?budget\b", r"\brun it by\b", r"\bget back to you\b",
        r"\bnot sure\b",
    ),
    Intent.THANKS: _rx(r"\b(thanks|thank you|thx|cheers|appreciated?|gracias|merci)\b", "🙏", "👍"),
    # Only a message that is nothing but a greeting counts: "Hi, how much is it?" is a pricing question.
    Intent.GREETING: _rx(
        r"^\W*(hi|hello|hey|hiya|howdy|good (morning|afternoon|evening)|hola|buenas( tardes| noches)?"
        r"|buenos d[ií]as|bonjour|salut|bonsoir)( there)?\W*$"
    ),
}

# A message that complains or opts out is not also a buying signal ("my order arrived damaged").
_NEGATIVE = (Intent.REFUND, Intent.CANCEL, Intent.OPT_OUT, Intent.COMPLAINT)
_POSITIVE_OUTCOMES = (Step.WON, Step.QUALIFIED)
_UNPAID = _rx(r"\b(not|never|haven't|hasn't|didn't|yet to) (yet )?(been )?(paid|sent|transferred)\b", r"\bunpaid\b")
# Counts, not sizes: "3 x", "40 units", "2 bags", but not the "1kg" of "1kg bag".
_QUANTITY = _rx(
    r"\b\d+\s*[x×](?!\w)",
    r"\b\d+\s*(units?|pcs|pieces?|bags?|boxes|packs?|cases?|bottles?|dozens?|cartons?|pallets?|items?|sets?|pairs?"
    r"|unidades|cajas|bolsas|pi[eè]ces|sacs|bo[iî]tes)\b",
    r"\b\d+ of (the|your|these|those)\b",
)
_OFFER = _rx(
    r"[$€£]\s?\d", r"\d\s?[€£]", r"\d\s?(usd|eur|euros?|dollars?)\b", r"\bprice is\b", r"\bcosts?\b",
    r"\bquot(e|ation)\b", r"\binvoice\b", r"\bpayment link\b", r"\bhere's the link\b", r"https?://",
    r"\btotal\b", r"\bcomes to\b", r"\d+\s?% off\b",
    r"\bprecio\b", r"\bcotizaci[oó]n\b", r"\bdevis\b", r"\bfacture\b", r"\bprix\b",
)
_PAGE_CONFIRMED = _rx(
    r"(?<!fully )\bbooked\b(?! up)",
    r"\b(order|booking|reservation|appointment|payment|everything)('s| is| has been)? confirmed\b",
    r"\bpayment received\b", r"\breceived your payment\b", r"\bthanks for (your|the) payment\b",
)

# Whether a page line is an offer or a confirmation only matters after the buying signal that prompted it.
# Stock and shipping answers often state a shipping fee, which alone is no proposal.
_OFFER_PROMPTS = (Intent.QUOTE, Intent.PURCHASE, Intent.BOOKING, Intent.PRICING)

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
_STATUSES: dict[Step, LeadStatus] = {
    Step.NEW: LeadStatus.NEW,
    Step.CONTACTED: LeadStatus.CONTACTED,
    Step.QUALIFIED: LeadStatus.QUALIFIED,
    Step.PROPOSAL: LeadStatus.PROPOSAL_SENT,
    Step.WON: LeadStatus.WON,
    Step.LOST: LeadStatus.LOST,
}
_STAGE_SYNONYMS: dict[Step, tuple[str, ...]] = {
    Step.NEW: ("new", "lead", "leads", "inbox", "incoming", "prospect", "prospects"),
    Step.CONTACTED: ("contacted", "replied", "engaged", "in conversation", "responded", "follow up"),
    Step.QUALIFIED: ("qualified", "interested", "hot", "warm"),
    Step.PROPOSAL: ("proposal", "quote", "quoted", "offer", "negotiation", "negotiating", "invoiced"),
    Step.WON: ("won", "closed won", "customer", "customers", "converted", "paid", "sold"),
    Step.LOST: ("lost", "closed lost", "dead", "unqualified", "disqualified", "not interested", "churned"),
}
_SNIPPET_CHARS = 80


# --- Reading the contact's messages ---------------------------------------------------------------


@dataclass(frozen=True)
class _Message:
    position: int  # index in the transcript's lines
    text: str
    intents: tuple[Intent, ...]  # in priority order
    has_quantity: bool
    recency: float = 1.0  # how much it still counts: newer messages that say something fade it

    @property
    def outcome_intent(self) -> Intent | None:
        return next((i for i in self.intents if _MEANINGS[i].outcome is not None), None)

    @property
    def outcome(self) -> Step | None:
        intent = self.outcome_intent
        return None if intent is None else _MEANINGS[intent].outcome


def _clean(text: str) -> str:
    # Phones type curly apostrophes; the patterns are written with straight ones.
    return " ".join(text.replace("’", "'").split())


def _detect(text: str) -> tuple[Intent, ...]:
    found = [intent for intent, pattern in _PATTERNS.items() if pattern.search(text)]
    if Intent.PAYMENT in found and _UNPAID.search(text):
        found.remove(Intent.PAYMENT)
    if any(intent in _NEGATIVE for intent in found):
        found = [i for i in found if _MEANINGS[i].outcome not in _POSITIVE_OUTCOMES]
    return tuple(found)


def _read(lines: Sequence[Line]) -> list[_Message]:
    messages = []
    for position, line in enumerate(lines):
        if line.speaker != "contact":
            continue
        text = _clean(line.text)
        intents = _detect(text)
        # A bare count ("2 bags please") is an order; with a question it strengthens that question.
        quantity = bool(_QUANTITY.search(text)) and not any(i in _NEGATIVE for i in intents)
        if quantity and not any(_MEANINGS[i].outcome for i in intents):
            intents = (Intent.PURCHASE, *intents)
        messages.append(_Message(position, text, intents, quantity))
    return _with_recency(messages)


def _with_recency(messages: list[_Message]) -> list[_Message]:
    # Only newer messages that say something fade a signal: "Hello??" nudges are not a change of mind.
    weighted, fade = [], 1.0
    for message in reversed(messages):
        weighted.append(replace(message, recency=fade))
        if set(message.intents) - {Intent.GREETING}:
            fade *= _RECENCY_DECAY
    return weighted[::-1]


# --- Deciding the step ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Thread:
    """What the walk over the contact's messages found, the newest decisive message winning."""

    decisive: _Message | None
    intent: Intent | None  # the decisive message's outcome intent
    streak: tuple[_Message, ...]  # the buying messages since the contact last became a prospect
    earlier: Intent | None  # an opposite outcome the latest one overturned (interest, then a refund)


def _walk(messages: Sequence[_Message]) -> _Thread:
    decisive: _Message | None = None
    streak: list[_Message] = []
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
    return _Thread(decisive, decisive.outcome_intent if decisive else None, tuple(streak), earlier)


@dataclass(frozen=True)
class _Verdict:
    step: Step
    strength: float  # where the score sits in the step's range, 0-1
    confidence: int
    thread: _Thread
    salient: _Message | None = None  # the contact message the summary quotes
    complaints: tuple[int, ...] = ()  # positions of the contact's complaining messages
    offer_silence: bool = False  # the business's offer is the last word
    confirmation: Line | None = None  # the business's own "booked"/"payment received" that closed the sale
    stale_days: int | None = None


def _nudges(messages: Sequence[_Message]) -> float:
    """Engagement up, complaints and hesitation down, the recent ones counting most."""
    total = min(_ENGAGEMENT_CAP, _ENGAGEMENT_PER_MESSAGE * (len(messages) - 1))
    for message in messages:
        for intent in (Intent.COMPLAINT, Intent.HESITATION):
            if intent in message.intents:
                total -= _MEANINGS[intent].weight * message.recency
    return total


def _weight(message: _Message) -> float:
    # A buying message's headline intent is its buying one: negatives never share a message with it.
    return _MEANINGS[message.intents[0]].weight + _QUANTITY_BONUS * message.has_quantity


def _buying_strength(buying: Sequence[_Message]) -> float:
    return max((_weight(m) * m.recency for m in buying), default=0.0)


def _page_lines_after(lines: Sequence[Line], position: int) -> list[Line]:
    return [line for line in lines[position + 1 :] if line.speaker == "page"]


def _is_offer(line: Line) -> bool:
    # A refund the business issues quotes an amount too, but it is the opposite of an offer.
    text = _clean(line.text)
    return bool(_OFFER.search(text)) and not _PATTERNS[Intent.REFUND].search(text)


def _offer_made(lines: Sequence[Line], streak: Sequence[_Message]) -> bool:
    prompt = next((m for m in streak if any(i in _OFFER_PROMPTS for i in m.intents)), None)
    return prompt is not None and any(_is_offer(line) for line in _page_lines_after(lines, prompt.position))


def _confirmation(lines: Sequence[Line], streak: Sequence[_Message]) -> Line | None:
    after = _page_lines_after(lines, streak[0].position)
    return next((line for line in after if _PAGE_CONFIRMED.search(_clean(line.text))), None)


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
        last, reference = (t if t.tzinfo else t.replace(tzinfo=timezone.utc) for t in (last, reference))
    return max(0, (reference - last).days)


def _staleness_penalty(step: Step, days: int | None) -> float:
    if days is None or step in (Step.WON, Step.LOST):
        return 0.0
    return next((p for limit, p in zip(_STALE_AFTER_DAYS, _STALE_PENALTIES) if days > limit), 0.0)


def _judge(transcript: Transcript, now: datetime | None) -> _Verdict:
    messages = _read(transcript.lines)
    verdict = _decide(transcript, messages, _walk(messages))
    stale = _stale_days(transcript.lines, now)
    return replace(
        verdict,
        strength=verdict.strength - _staleness_penalty(verdict.step, stale),
        complaints=tuple(m.position for m in messages if Intent.COMPLAINT in m.intents),
        stale_days=stale,
    )


def _decide(transcript: Transcript, messages: list[_Message], thread: _Thread) -> _Verdict:
    if not messages:
        return _Verdict(Step.NEW, 0.0, 15 if transcript.lines else 10, thread)
    if thread.decisive is None or thread.intent is None:
        return _undecided(transcript, messages, thread)
    if thread.streak:
        return _prospect(transcript, messages, thread)
    return _closed(messages, thread, thread.decisive, thread.intent)


def _tone_weight(tone: Intent | None) -> float:
    """How warm a message without a buying signal is: saying something beats a bare greeting or a gripe."""
    if tone is None:
        return 0.15
    return 0.0 if tone in (Intent.GREETING, Intent.COMPLAINT) else _MEANINGS[tone].weight


def _undecided(transcript: Transcript, messages: list[_Message], thread: _Thread) -> _Verdict:
    """No buying, closing or leaving signal: the step only says whether the business answered."""
    complaints = [m for m in messages if Intent.COMPLAINT in m.intents]
    beyond_greeting = [m for m in messages if Intent.GREETING not in m.intents]
    salient = (complaints or beyond_greeting or messages)[-1]
    tone = salient.intents[0] if salient.intents else None
    step = Step.CONTACTED if transcript.page_replied else Step.NEW
    confidence = (_MEANINGS[tone].confidence if tone else 30) + 5 * transcript.page_replied
    return _Verdict(step, _tone_weight(tone) + _nudges(messages), confidence, thread, salient)


def _prospect(transcript: Transcript, messages: list[_Message], thread: _Thread) -> _Verdict:
    """A buying signal: how far the business took it decides between new, qualified, proposal and won."""
    lines = transcript.lines
    # The strongest ask, and of equals the first: openers name the product, follow-ups say "ok, in stock?".
    salient = max(thread.streak, key=lambda m: (_weight(m), -m.position))
    confirmation = _confirmation(lines, thread.streak)
    if confirmation is not None:
        strength = _CONFIRMED_WEIGHT + _nudges(messages)
        return _Verdict(Step.WON, strength, 75, thread, salient, confirmation=confirmation)
    confidence = _MEANINGS[salient.intents[0]].confidence + 5 * any(m.has_quantity for m in thread.streak)
    strength = _buying_strength(thread.streak) + _nudges(messages)
    if _offer_made(lines, thread.streak):
        silent = _offer_unanswered(lines)
        strength -= _SILENCE_PENALTY * silent
        return _Verdict(Step.PROPOSAL, strength, confidence + 5, thread, salient, offer_silence=silent)
    if transcript.page_replied:
        return _Verdict(Step.QUALIFIED, strength, confidence, thread, salient)
    return _Verdict(Step.NEW, strength, confidence - 5, thread, salient)  # nobody has looked at it yet


def _closed(messages: list[_Message], thread: _Thread, decisive: _Message, intent: Intent) -> _Verdict:
    """Won or lost, as the contact said; a lost lead that once wanted to buy keeps a little more score."""
    step = decisive.outcome
    assert step is not None  # a decisive message has an outcome by definition
    confidence = _MEANINGS[intent].confidence - 10 * (thread.earlier is not None)
    if step is Step.WON:
        strength = _MEANINGS[intent].weight + _nudges(messages)
    else:
        before = [m for m in messages if m.position < decisive.position and m.outcome is Step.QUALIFIED]
        strength = _MEANINGS[intent].weight + 0.5 * _buying_strength(before)
    return _Verdict(step, strength, confidence, thread, decisive)


def _status(verdict: _Verdict) -> LeadStatus:
    # Someone who opts out without ever showing interest was never a lead; a lost one was.
    cold = verdict.thread.earlier is None and verdict.salient is not None and (
        verdict.salient.outcome_intent is Intent.OPT_OUT
    )
    return LeadStatus.UNQUALIFIED if verdict.step is Step.LOST and cold else _STATUSES[verdict.step]


def _score(verdict: _Verdict) -> int:
    low, high = _SCORE_RANGES[verdict.step]
    strength = max(0.0, min(1.0, verdict.strength))
    score = clamp_score(low + (high - low) * strength)
    assert score is not None
    return score


# --- Mapping a step onto the page's stage names ---------------------------------------------------


def _stage_step(name: str) -> Step | None:
    padded = " " + " ".join(re.findall(r"[a-z0-9]+", name.casefold())) + " "
    matched = [step for step, words in _STAGE_SYNONYMS.items() if any(f" {w} " in padded for w in words)]
    if Step.LOST in matched:  # "Dead lead", "Lost customer": the negative word is the point
        return Step.LOST
    # "Qualified Lead" and "Hot lead" name the later step; "lead" only says what the pipeline holds.
    return max(matched, default=None)


def _stage_ranks(steps: Sequence[Step | None]) -> dict[int, float]:
    """Each open (non-lost) stage's place on the funnel: its synonym's step, else interpolated by position."""
    open_positions = [i for i, step in enumerate(steps) if step is not Step.LOST]
    if not open_positions:
        return {}
    anchors = {i: float(step) for i, step in enumerate(steps) if step is not None and step is not Step.LOST}
    anchors.setdefault(open_positions[0], float(Step.NEW))  # the first stage is the entry stage
    anchors.setdefault(open_positions[-1], float(Step.WON))
    ranks = {}
    for i in open_positions:
        before = max(p for p in anchors if p <= i)
        after = min(p for p in anchors if p >= i)
        share = 0.0 if after == before else (i - before) / (after - before)
        ranks[i] = anchors[before] + (anchors[after] - anchors[before]) * share
    return ranks


def map_step_to_stage(step: Step, stages: Sequence[str]) -> str | None:
    """The stage of `stages` that best means `step`: by name, then by position; None only when empty."""
    if not stages:
        return None
    steps = [_stage_step(name) for name in stages]
    if step in steps:
        return stages[steps.index(step)]
    if step is Step.LOST:
        return stages[0]
    ranks = _stage_ranks(steps)
    # Only a sale may land in a won stage; everything short of it stays before.
    candidates = [i for i, rank in ranks.items() if step is Step.WON or rank < Step.WON]
    if not candidates:
        return stages[0]
    best = min(candidates, key=lambda i: (abs(ranks[i] - step), i))
    return stages[best]


# --- Words --------------------------------------------------------------------------------------


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _snippet(text: str, intent: Intent | None) -> str:
    """The sentence that carries the intent, cut to a glanceable length."""
    sentences = re.split(r"(?<=[.!?])\s+", text)
    pattern = _PATTERNS[intent] if intent else None
    chosen = next((s for s in sentences if pattern and pattern.search(s)), text)
    if len(chosen) <= _SNIPPET_CHARS:
        return chosen
    return chosen[:_SNIPPET_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _names(transcript: Transcript) -> tuple[str, str]:
    return transcript.contact_name.strip() or "The contact", transcript.page_name.strip() or "The business"


def _salient_intent(verdict: _Verdict) -> Intent | None:
    salient = verdict.salient
    if salient is None:
        return None
    return salient.outcome_intent or (salient.intents[0] if salient.intents else None)


def _said(who: str, verdict: _Verdict) -> str:
    assert verdict.salient is not None
    intent = _salient_intent(verdict)
    quote = _snippet(verdict.salient.text, intent)
    if intent is None:
        return f'{who} wrote "{quote}" without a clear request.'
    return f'{who} {_MEANINGS[intent].asked} ("{quote}").'


def _unanswered_ask(transcript: Transcript, verdict: _Verdict) -> bool:
    """The business replied at some point, but not since the contact started asking to buy."""
    streak = verdict.thread.streak
    return verdict.step is Step.QUALIFIED and not _page_lines_after(transcript.lines, streak[0].position)


def _business_state(transcript: Transcript, verdict: _Verdict) -> str:
    _, business = _names(transcript)
    if verdict.confirmation is not None:
        return f'{business} confirmed it ("{_snippet(_clean(verdict.confirmation.text), None)}").'
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


def _aside(verdict: _Verdict) -> str | None:
    if verdict.thread.earlier is not None:
        return f"Earlier they {_MEANINGS[verdict.thread.earlier].asked}."
    if verdict.salient is not None and set(verdict.complaints) - {verdict.salient.position}:
        return "They also complained."
    return None


def _summary(transcript: Transcript, verdict: _Verdict) -> str:
    who, business = _names(transcript)
    if not transcript.lines:
        return f"No messages with {who} yet."
    if verdict.salient is None:
        return f"Only {business} has written so far; {who} has not replied."
    sentences = [_said(who, verdict), _business_state(transcript, verdict), _aside(verdict)]
    return " ".join(s for s in sentences if s)


def _signals(verdict: _Verdict) -> list[str]:
    """What the contact said that counted: every buying signal of the current streak, else the decisive one."""
    streak = verdict.thread.streak
    if streak:
        intents = [i for i in Intent if _MEANINGS[i].outcome is Step.QUALIFIED and any(i in m.intents for m in streak)]
    else:
        intents = [i for i in (_salient_intent(verdict),) if i is not None]
    signals = [_MEANINGS[i].signal for i in intents]
    if any(m.has_quantity for m in streak):
        signals.append("a quantity")
    if signals and verdict.thread.earlier is not None:
        signals[-1] += f" after {_MEANINGS[verdict.thread.earlier].signal} earlier"
    return signals


def _business_clause(transcript: Transcript, verdict: _Verdict) -> str:
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
    if verdict.stale_days is not None and _staleness_penalty(verdict.step, verdict.stale_days):
        clause += f", and nothing has happened for {verdict.stale_days} days"
    return clause


def _reasoning(transcript: Transcript, verdict: _Verdict) -> str:
    if not transcript.lines:
        return "There are no messages yet."
    if verdict.salient is None:
        return "Only the business has written; the contact has not replied."
    signals = _signals(verdict)
    said = f"The contact sent {_join(signals)}" if signals else "The contact wrote without a clear request"
    return f"{said}; {_business_clause(transcript, verdict)}."


class RulesAnalyzer:
    """Deterministic keyword analysis; stateless, so one instance can serve many threads.

    `now`, when given, lets long-quiet conversations score lower; without it the result depends on
    the transcript alone.
    """

    name = "rules"

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now

    def summarize(self, transcript: Transcript) -> Analysis:
        return Analysis(summary=_summary(transcript, _judge(transcript, self.now)))

    def analyze(
        self, transcript: Transcript, stages: Sequence[str], definitions: Mapping[str, str] | None = None
    ) -> Analysis:
        """`definitions` are not read: the rules carry the default stages' meaning, mapped by stage name."""
        verdict = _judge(transcript, self.now)
        return Analysis(
            summary=_summary(transcript, verdict),
            recommended_stage=map_step_to_stage(verdict.step, stages),
            lead_score=_score(verdict),
            lead_status=_status(verdict),
            confidence=clamp_score(verdict.confidence),
            reasoning=_reasoning(transcript, verdict),
        )
