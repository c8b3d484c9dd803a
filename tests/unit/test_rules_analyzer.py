"""The offline rules analyzer end to end: conversations to a stage and status, complete fields, every run alike.

Its helpers (`chat`, `analyze`) and CASES serve the other test_rules_* files too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.analysis.model import Analysis, LeadStatus, Line, Transcript
from core.analysis.rules import RulesAnalyzer

T0 = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
DEFAULT = ["New Lead", "Contacted", "Qualified Lead", "Proposal Sent", "Won", "Lost"]


def chat(*turns: str, name: str = "Ana Souza", start: datetime = T0) -> Transcript:
    """Turns are "c: ..." (the contact) or "p: ..." (the page), oldest first, a few minutes apart."""
    lines = tuple(
        Line("contact" if turn.startswith("c: ") else "page", turn[3:], start + timedelta(minutes=7 * n))
        for n, turn in enumerate(turns)
    )
    return Transcript(contact_name=name, platform="messenger", page_name="Bluebird Coffee", lines=lines)


def analyze(transcript: Transcript, stages: list[str] = DEFAULT) -> Analysis:
    return RulesAnalyzer().analyze(transcript, stages)


PRICE_ASKED = "c: How much is the V60 starter kit?"
PRICE_SENT = "p: The V60 starter kit is $52, here's the link: https://shop.example/v60"

# (case, transcript, stage on the default pipeline, status)
CASES = [
    # Nothing to go on yet
    ("greeting only", chat("c: Hi"), "New Lead", LeadStatus.NEW),
    ("unanswered nudges", chat("c: Hello?", "c: Is anyone there?"), "New Lead", LeadStatus.NEW),
    ("greeting answered", chat("c: Hey 👋", "p: Hi Ana! How can we help?"), "Contacted", LeadStatus.CONTACTED),
    ("vague, answered", chat("c: Saw your post", "p: Thanks for writing!"), "Contacted", LeadStatus.CONTACTED),
    ("thanks only", chat("c: Thanks!", "p: Anytime"), "Contacted", LeadStatus.CONTACTED),
    (
        "complaint without refund",
        chat("c: The beans tasted stale, really disappointed", "p: So sorry, Ana"),
        "Contacted",
        LeadStatus.CONTACTED,
    ),
    # Buying signals the business has not answered stay new: nobody has qualified them yet
    ("pricing, unanswered", chat(PRICE_ASKED), "New Lead", LeadStatus.NEW),
    ("quote, unanswered", chat("c: Could you send a quote for 40 units?"), "New Lead", LeadStatus.NEW),
    # Buying signals the business answered without an offer
    ("pricing", chat(PRICE_ASKED, "p: Let me check"), "Qualified Lead", LeadStatus.QUALIFIED),
    # A quote promised, or what the business needs first to give one, is no quote yet; with an amount it is
    (
        "quote to come",
        chat("c: How much for 60 chairs on the 14th?", "p: Let me check the date and I'll send you a quote shortly"),
        "Qualified Lead",
        LeadStatus.QUALIFIED,
    ),
    (
        "cotización to come",
        chat("c: ¿alquilan mesas? como 60 personas", "p: Déjeme checar y en un ratito le paso la cotización"),
        "Qualified Lead",
        LeadStatus.QUALIFIED,
    ),
    (
        "quote to come, with its amount",
        chat("c: How much for 60 chairs?", "p: About $180, I'll send you the full quote tonight"),
        "Proposal Sent",
        LeadStatus.PROPOSAL_SENT,
    ),
    # An away message answers nothing: the business has not replied yet
    (
        "auto-reply only",
        chat(
            "c: do you do custom birthday cakes? for about 30 people on the 14th",
            "p: Hi there! Thanks for messaging us. We're in the kitchen right now and will get back to you as soon as"
            " we can.",
        ),
        "New Lead",
        LeadStatus.NEW,
    ),
    (
        "auto-reply, then an answer",
        chat(
            "c: do you do custom birthday cakes?",
            "p: Thanks for your message, we'll reply shortly!",
            "p: Hi! Yes we do, what theme would you like?",
        ),
        "Qualified Lead",
        LeadStatus.QUALIFIED,
    ),
    (
        "payment proof attached",
        chat(
            "c: tem a saia no M verde?",
            "p: Tem sim! Sai por R$ 89,90 + frete. Pix CNPJ: 41.228.903/0001-55",
            "c: [comprovante Pix] Prontinho!",
        ),
        "Won",
        LeadStatus.WON,
    ),
    (
        "a lost bottle to pick up",
        chat(
            "c: I think I left my water bottle in the changing room, has anyone handed it in?",
            "p: Yes, a blue one was handed in, it's behind reception 😊",
            "c: lifesaver!! I'll grab it tomorrow at my 7am class",
            "p: Perfect, it'll be there. See you tomorrow!",
        ),
        "Contacted",
        LeadStatus.CONTACTED,
    ),
    (
        "samples sent out",
        chat(
            "c: Vocês atendem atacado? Uns 25 kg por mês",
            "p: Atendemos sim! Para espresso temos um blend do Cerrado.",
            "c: Vocês mandam amostra?",
            "p: Mandamos sim! Qual o endereço?",
            "c: Rua Comendador Araújo, 412",
            "p: Anotado! As amostras saem amanhã.",
        ),
        "Qualified Lead",
        LeadStatus.QUALIFIED,
    ),
    (
        "a price that depends",
        chat(
            "c: quería saber el precio de un implante",
            "p: El precio depende de si hace falta injerto, primero una valoración",
        ),
        "Qualified Lead",
        LeadStatus.QUALIFIED,
    ),
    (
        "order ticked",
        chat(
            "c: can u add 2 boxes of lemons to tomorrow's drop pls", "p: Added ✅ that's an extra £34.50 on the invoice"
        ),
        "Won",
        LeadStatus.WON,
    ),
    ("stock", chat("c: Is the Kenya AA in stock?", "p: Checking"), "Qualified Lead", LeadStatus.QUALIFIED),
    (
        "shipping fee is no proposal",
        chat("c: Do you ship to Spain?", "p: We do, a flat $6"),
        "Qualified Lead",
        LeadStatus.QUALIFIED,
    ),
    (
        "purchase",
        chat("c: I'd like to order the gift box", "p: Lovely! Pickup?"),
        "Qualified Lead",
        LeadStatus.QUALIFIED,
    ),
    ("bare quantity", chat("c: 2 bags please", "p: Sure!"), "Qualified Lead", LeadStatus.QUALIFIED),
    (
        "quote request",
        chat("c: Could you send a quote for 40 units?", "p: On it"),
        "Qualified Lead",
        LeadStatus.QUALIFIED,
    ),
    (
        "booking",
        chat("c: Can I book a tasting for Friday?", "p: Friday works, how many?"),
        "Qualified Lead",
        LeadStatus.QUALIFIED,
    ),
    (
        "fully booked is no confirmation",
        chat("c: Can I book a table for Friday?", "p: Sorry, fully booked"),
        "Qualified Lead",
        LeadStatus.QUALIFIED,
    ),
    (
        "stop mid-sentence is no opt-out",
        chat("c: I can't stop drinking your espresso, can I buy 2 bags?", "p: Ha!"),
        "Qualified Lead",
        LeadStatus.QUALIFIED,
    ),
    # The business answered a buying signal with a price, quote or link
    ("price sent", chat(PRICE_ASKED, PRICE_SENT), "Proposal Sent", LeadStatus.PROPOSAL_SENT),
    (
        "payment link",
        chat("c: I'll take 3, how do I pay?", "p: Here's the link: https://pay.example/a1"),
        "Proposal Sent",
        LeadStatus.PROPOSAL_SENT,
    ),
    (
        "quote sent",
        chat("c: Quote for 40 units please", "p: For 40 units: $30 each, $1,200 total"),
        "Proposal Sent",
        LeadStatus.PROPOSAL_SENT,
    ),
    (
        "not paid yet",
        chat("c: I haven't paid yet, how do I pay?", "p: Here's the invoice"),
        "Proposal Sent",
        LeadStatus.PROPOSAL_SENT,
    ),
    # Closed
    (
        "payment",
        chat("c: I'd like 2 bags", "p: That's $48, here's the link", "c: Paid, thanks!"),
        "Won",
        LeadStatus.WON,
    ),
    ("payment, unanswered", chat("c: Just sent the payment 🙏"), "Won", LeadStatus.WON),
    ("order received", chat("c: Got my order today, thank you!"), "Won", LeadStatus.WON),
    ("a deal is no payment", chat("c: Thanks so much, deal!", "p: 🙌"), "Qualified Lead", LeadStatus.QUALIFIED),
    (
        "a deal the business confirms",
        chat("c: $40 for both? Deal!", "p: Deal, your order is confirmed"),
        "Won",
        LeadStatus.WON,
    ),
    (
        "booking confirmed",
        chat("c: Can we come by Saturday for a tasting?", "p: Booked ✅ Saturday at 10am"),
        "Won",
        LeadStatus.WON,
    ),
    ("refund", chat("c: My order arrived damaged. I want a refund."), "Lost", LeadStatus.LOST),
    ("cancel", chat("c: Please cancel my order", "p: Done"), "Lost", LeadStatus.LOST),
    # Opting out without ever showing interest: never a lead
    ("not interested", chat("c: No thanks, not interested"), "Lost", LeadStatus.UNQUALIFIED),
    ("stop", chat("p: New roast out today!", "c: STOP"), "Lost", LeadStatus.UNQUALIFIED),
    ("unsubscribe", chat("c: unsubscribe"), "Lost", LeadStatus.UNQUALIFIED),
    # Spanish, French, phone typography
    (
        "spanish price sent",
        chat("c: Hola, ¿cuánto cuesta el kit V60?", "p: ¡Hola! Cuesta 52 €"),
        "Proposal Sent",
        LeadStatus.PROPOSAL_SENT,
    ),
    (
        "french order",
        chat("c: Bonjour, je voudrais commander 2 sacs", "p: Avec plaisir !"),
        "Qualified Lead",
        LeadStatus.QUALIFIED,
    ),
    ("french payment", chat("c: J'ai payé, merci"), "Won", LeadStatus.WON),
    ("spanish opt-out", chat("c: No me interesa, gracias"), "Lost", LeadStatus.UNQUALIFIED),
    (
        "curly apostrophe",
        chat("c: I’d like to order the gift box", "p: Great!"),
        "Qualified Lead",
        LeadStatus.QUALIFIED,
    ),
    # The latest decisive message wins
    (
        "refund after a purchase",
        chat(
            "c: I'd like 2 bags", "p: $48, here's the link", "c: Paid", "p: Thanks!", "c: Both broken, I want a refund"
        ),
        "Lost",
        LeadStatus.LOST,
    ),
    (
        "purchase after not interested",
        chat("c: Not interested", "p: No problem!", "c: Actually, I'll take 2 bags"),
        "Qualified Lead",
        LeadStatus.QUALIFIED,
    ),
    ("no thanks after a price", chat(PRICE_ASKED, PRICE_SENT, "c: No thanks"), "Lost", LeadStatus.LOST),
    (
        "a customer asking for more",
        chat("c: Paid, thanks!", "p: Received!", "c: Is the Kenya in stock too?"),
        "Won",
        LeadStatus.WON,
    ),
    ("nudges keep the ask", chat("c: How much for 40 units?", "c: Hello?", "c: ??"), "New Lead", LeadStatus.NEW),
    # Negation, accents and inflections, sarcasm, going elsewhere, spam, nine languages
    (
        "a refusal scoped to one product",
        chat("c: Not interested in the decaf, but is the espresso available in 1kg?", "p: Let me check!"),
        "Qualified Lead",
        LeadStatus.QUALIFIED,
    ),
    (
        "not paid yet, in French",
        chat("c: Je n'ai pas encore payé, c'est combien ?", "p: 52 € au total"),
        "Proposal Sent",
        LeadStatus.PROPOSAL_SENT,
    ),
    ("an accented refund", chat("c: Je veux être remboursé", "p: Désolé !"), "Lost", LeadStatus.LOST),
    ("an unaccented refund", chat("c: je veux etre rembourse"), "Lost", LeadStatus.LOST),
    (
        "a sarcastic price refusal",
        chat("c: How much to replace a chain?", "p: $65 with parts", "c: $65?? Yeah right, I'll just cut it myself"),
        "Lost",
        LeadStatus.LOST,
    ),
    (
        "another supplier",
        chat("c: Price for 5kg?", "p: $150 delivered", "c: We've decided to go with another supplier"),
        "Lost",
        LeadStatus.LOST,
    ),
    (
        "haggling is no refusal",
        chat(PRICE_ASKED, PRICE_SENT, "c: Too expensive, can you do $45?"),
        "Proposal Sent",
        LeadStatus.PROPOSAL_SENT,
    ),
    (
        "spam",
        chat("c: Congratulations! Your page was selected. Earn $500/day, click here: http://bit.ly/x"),
        "Lost",
        LeadStatus.UNQUALIFIED,
    ),
    ("german transfer with receipt", chat("c: Habe gerade überwiesen, Beleg anbei"), "Won", LeadStatus.WON),
    (
        "german not yet transferred",
        chat("c: Ich habe noch nicht überwiesen, wie ist die IBAN?", "p: Kommt gleich"),
        "Qualified Lead",
        LeadStatus.QUALIFIED,
    ),
    (
        "done after a payment link",
        chat("c: I'll take it", "p: Pay here: https://pay.example/z", "c: done"),
        "Won",
        LeadStatus.WON,
    ),
    (
        "done without a payment request",
        chat("c: I'll take it", "p: Great, $20", "c: done with my coffee lol"),
        "Proposal Sent",
        LeadStatus.PROPOSAL_SENT,
    ),
    (
        "a payment promised is no payment",
        chat("c: I'll take it", "p: $20, here's the link", "c: I'll pay tomorrow"),
        "Proposal Sent",
        LeadStatus.PROPOSAL_SENT,
    ),
    (
        "a condition is no confirmation",
        chat("c: I'd like to order 2", "p: $40; once payment is confirmed we ship"),
        "Proposal Sent",
        LeadStatus.PROPOSAL_SENT,
    ),
    ("spanish transfer", chat("c: Ya hice la transferencia, te mando el comprobante"), "Won", LeadStatus.WON),
    ("portuguese refund", chat("c: A bolsa veio com defeito, quero o reembolso"), "Lost", LeadStatus.LOST),
    ("tagalog payment", chat("c: Nagbayad na po ako sa GCash"), "Won", LeadStatus.WON),
    (
        "tagalog price refused",
        chat("c: Magkano po?", "p: ₱3,500 po", "c: Ang mahal po, wag na lang"),
        "Lost",
        LeadStatus.LOST,
    ),
    ("vietnamese transfer", chat("c: Mình đã chuyển khoản rồi nhé"), "Won", LeadStatus.WON),
    (
        "vietnamese not yet transferred",
        chat("c: Mình chưa chuyển khoản, giá bao nhiêu?", "p: 350.000đ ạ"),
        "Proposal Sent",
        LeadStatus.PROPOSAL_SENT,
    ),
    ("arabic booking confirmed", chat("c: أريد حجز موعد يوم الخميس", "p: تم تأكيد الحجز"), "Won", LeadStatus.WON),
    ("arabic refund", chat("c: أريد استرداد المبلغ"), "Lost", LeadStatus.LOST),
    ("russian payment", chat("c: Оплатила, чек во вложении"), "Won", LeadStatus.WON),
    ("russian opt-out", chat("c: Не пишите мне больше"), "Lost", LeadStatus.UNQUALIFIED),
    (
        "a refund policy question",
        chat("c: What's your refund policy on grinders?", "p: 30 days"),
        "Qualified Lead",
        LeadStatus.QUALIFIED,
    ),
    # Nothing from the contact
    ("empty", chat(), "New Lead", LeadStatus.NEW),
    ("only the page wrote", chat("p: Hi! Our new roast is out"), "New Lead", LeadStatus.NEW),
    # Never a sale without a payment or a confirmation of what was asked for
    (
        "a goodbye is no booking",
        chat("c: Are you closed on Presidents Day?", "p: Yes, closed Monday, see you Tuesday!"),
        "Contacted",
        LeadStatus.CONTACTED,
    ),
    (
        "a payment promised",
        chat(PRICE_ASKED, PRICE_SENT, "c: I'll pay you on friday when I get paid, is that ok"),
        "Proposal Sent",
        LeadStatus.PROPOSAL_SENT,
    ),
    # A question the business answers with a price was about buying
    (
        "priced answer",
        chat("c: what would catering for 30 look like", "p: 10 large pizzas and 2 salads, $240 with delivery"),
        "Proposal Sent",
        LeadStatus.PROPOSAL_SENT,
    ),
]
CASE_IDS = [case[0] for case in CASES]


@pytest.mark.parametrize("case, transcript, stage, status", CASES, ids=CASE_IDS)
def test_stage_and_status(case, transcript, stage, status):
    result = analyze(transcript)
    assert (result.recommended_stage, result.lead_status) == (stage, status)


@pytest.mark.parametrize("case, transcript, stage, status", CASES, ids=CASE_IDS)
def test_fields_are_complete_and_in_range(case, transcript, stage, status):
    result = analyze(transcript)
    assert 0 <= result.lead_score <= 100
    assert 0 <= result.confidence <= 100
    assert result.summary and result.reasoning
    assert result.reasoning.endswith(".") and ". " not in result.reasoning  # one sentence


_RUN_ALL = """
import json, sys
sys.path.insert(0, {root!r})
from tests.unit.test_rules_analyzer import CASES, analyze
print(json.dumps([[a.recommended_stage, a.lead_score, a.confidence, a.summary, a.reasoning]
                  for a in (analyze(t) for _, t, _, _ in CASES)]))
"""


def test_deterministic_across_runs_and_hash_seeds():
    root = str(Path(__file__).resolve().parents[2])
    runs = [
        subprocess.run(
            [sys.executable, "-c", _RUN_ALL.format(root=root)],
            capture_output=True,
            text=True,
            check=True,
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    ]
    here = [
        [a.recommended_stage, a.lead_score, a.confidence, a.summary, a.reasoning]
        for a in (analyze(t) for _, t, _, _ in CASES)
    ]
    assert json.loads(runs[0]) == json.loads(runs[1]) == here
