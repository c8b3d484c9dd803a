"""Mapping a funnel step onto whatever stage names a page's pipeline uses: by name, then by the signals
its definition names, then by position.

A stage's definition (its entry criteria, written by the business) is read for the signals the rules
know: "The couple paid the deposit" is a sale stage reached by a payment, "We sent a quote" an offer
stage, "They booked a consultation" a stage reached by a booking. Where several stages mean the same
step, the one naming what the conversation shows (a payment rather than a booking) is chosen.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from functools import lru_cache

from core.analysis.rules.vocabulary import Step, normalise


class Signal(StrEnum):
    """What a conversation shows, in the words a stage definition would use, strongest first."""

    PAYMENT = "payment"
    ORDER = "order"
    BOOKING = "booking"
    QUOTE = "quote"
    REFUND = "refund"
    CANCEL = "cancel"
    REFUSAL = "refusal"


_STAGE_SYNONYMS: dict[Step, tuple[str, ...]] = {
    Step.NEW: ("new", "lead", "leads", "inbox", "incoming", "prospect", "prospects"),
    Step.CONTACTED: ("contacted", "replied", "engaged", "in conversation", "responded", "follow up"),
    Step.QUALIFIED: ("qualified", "interested", "hot", "warm"),
    Step.PROPOSAL: ("proposal", "quote", "quoted", "offer", "negotiation", "negotiating", "invoiced"),
    Step.WON: ("won", "closed won", "customer", "customers", "converted", "paid", "sold"),
    Step.LOST: ("lost", "closed lost", "dead", "unqualified", "disqualified", "not interested", "churned"),
}

# Word stems a definition (or a business's confirming line) names each signal with, in the nine languages.
_SIGNAL_WORDS: dict[Signal, str] = {
    Signal.PAYMENT: r"pa(y|id|ys|ying|yment)|deposit|transfer|prepa|anticipo|pag(o|ad|ar|ament|ou)|acompte|paye"
    r"|paiement|vire|bezahl|zahlung|anzahlung|uberwie|pix|sinal|bayad|gcash|thanh toan|chuyen khoan|coc"
    r"|دفع|تحويل|عربون|оплат|предоплат|перев[её]л",
    Signal.ORDER: r"order|purchas|bought|buy|pedido|compr|commande|achet|achat|bestell|kauf|encomend|don hang"
    r"|dat hang|طلب|اشترى|заказ|купил|покуп",
    Signal.BOOKING: r"book|appointment|reserv|schedul|consultation|cita|agend|rendez|rdv|termin|gebucht|buchung"
    r"|marcad|dat lich|hen|حجز|موعد|запис|брон",
    Signal.QUOTE: r"quot|proposal|estimate|offer|pric|invoice|cotiz|presupuest|precio|devis|prix|tarif|angebot"
    r"|preis|kostenvoranschlag|orcamento|preco|proposta|presyo|bao gia|عرض|سعر|смет|цен|предложени",
    Signal.REFUND: r"refund|money back|reembols|devoluc|rembours|erstatt|estorno|hoan tien|استرد|возврат",
    Signal.CANCEL: r"cancel|annul|stornier|kundig|huy|الغاء|отмен",
    Signal.REFUSAL: r"declin|refus|reject|not interested|went elsewhere|chose another|another (supplier|provider)"
    r"|rechaz|ablehn|recus|tumanggi|tu choi|رفض|отказ",
}
_SIGNAL_PATTERNS = {signal: re.compile(rf"(?<!\w)({words})") for signal, words in _SIGNAL_WORDS.items()}
# "Asked for a quote", "wants to book": the signal is asked for, not had; the stage is one of interest.
_ASKED = re.compile(
    r"(?<!\w)(ask|request|want|wish|interest|inquir|enquir|question|pregunt|demand|frag|anfrag|pergunt"
    r"|tanong|hoi|سال|спрашива|интерес)\w*\W+(\w+\W+){0,4}$"
)
SIGNAL_STEPS = {
    Signal.PAYMENT: Step.WON,
    Signal.ORDER: Step.WON,
    Signal.BOOKING: Step.WON,
    Signal.QUOTE: Step.PROPOSAL,
    Signal.REFUND: Step.LOST,
    Signal.CANCEL: Step.LOST,
    Signal.REFUSAL: Step.LOST,
}


@lru_cache(maxsize=1024)  # a page's few stage names, read for every contact
def _stage_step(name: str) -> Step | None:
    padded = " " + " ".join(re.findall(r"[a-z0-9]+", name.casefold())) + " "
    matched = [step for step, words in _STAGE_SYNONYMS.items() if any(f" {w} " in padded for w in words)]
    if Step.LOST in matched:  # "Dead lead", "Lost customer": the negative word is the point
        return Step.LOST
    # "Qualified Lead" and "Hot lead" name the later step; "lead" only says what the pipeline holds.
    return max(matched, default=None)


@lru_cache(maxsize=1024)
def named_signals(text: str) -> tuple[Signal, ...]:
    """The signals a stage's name or definition, or a business's line, names as had (not asked for)."""
    normal = normalise(text)
    return tuple(
        signal
        for signal, pattern in _SIGNAL_PATTERNS.items()
        # Asking for a refund or to cancel is the loss itself.
        if any(
            SIGNAL_STEPS[signal] is Step.LOST or not _ASKED.search(normal[: m.start()])
            for m in pattern.finditer(normal)
        )
    )


@lru_cache(maxsize=1024)
def _definition_step(definition: str) -> Step | None:
    """The step a definition's signals reach: a loss named is the point, else the furthest one named."""
    steps = {SIGNAL_STEPS[signal] for signal in named_signals(definition)}
    if Step.LOST in steps:
        return Step.LOST
    if steps:
        return max(steps)
    asked = _ASKED.pattern.removesuffix(r"\W+(\w+\W+){0,4}$")
    return Step.QUALIFIED if re.search(asked, normalise(definition)) else None


def _step_of(name: str, definition: str) -> Step | None:
    named = _stage_step(name)  # Step.NEW is falsy: no `or`
    return named if named is not None else _definition_step(definition)


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


def _best_named(
    candidates: Sequence[int], stages: Sequence[str], definitions: Mapping[str, str], shown: Sequence[Signal]
) -> int:
    """Of the stages meaning the same step, the first naming the strongest signal shown; else the first."""
    for signal in shown:
        for i in candidates:
            if signal in named_signals(f"{stages[i]}. {definitions.get(stages[i], '')}"):
                return i
    return candidates[0]


def map_step_to_stage(
    step: Step,
    stages: Sequence[str],
    definitions: Mapping[str, str] | None = None,
    shown: Sequence[Signal] = (),
) -> str | None:
    """The stage of `stages` that best means `step`, `shown` being what the conversation shows: by
    name, then by definition, then by position; None only when empty."""
    if not stages:
        return None
    definitions = definitions or {}
    steps = [_step_of(name, definitions.get(name, "")) for name in stages]
    same = [i for i, known in enumerate(steps) if known is step]
    if same:
        return stages[_best_named(same, stages, definitions, shown)]
    if step is Step.LOST:
        return stages[0]
    ranks = _stage_ranks(steps)
    # Only a sale may land in a won stage; everything short of it stays before.
    candidates = [i for i, rank in ranks.items() if step is Step.WON or rank < Step.WON]
    if not candidates:
        return stages[0]
    best = min(candidates, key=lambda i: (abs(ranks[i] - step), i))
    return stages[best]
