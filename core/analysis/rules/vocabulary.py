"""What the rules analyzer recognises: intents, their meaning for the funnel, and the words that signal them.

Text and patterns are compared normalised (`normalise`): case-folded, accents and diacritics dropped
("remboursé" -> "rembourse", "überwiesen" -> "uberwiesen", "đã chuyển khoản" -> "da chuyen khoan",
"أريد" -> "اريد"), so patterns are written once, plainly, and match every spelling. Stems match
inflections ("rembours" covers remboursé, remboursement, rembourser).

Each alternative of a pattern comes with its literals, `|`-separated: words one of which is in every
match of it, as in `("deposit|payment", r"(deposit|payment) back")`. A text is looked up for them
before the pattern runs (`narrowing`); an alternative without any ("") runs on every text.
tests/unit/test_rules_literals.py holds every declaration to that.

Languages: English, Spanish, French, German, Portuguese, Tagalog, Vietnamese, Arabic and Russian, for
every signal listed here (price, quote, booking, purchase, payment, refund, cancellation, complaint,
opt-out, refusal, spam, and the business's offers and confirmations).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from functools import lru_cache

from core.analysis.rules.narrowing import Alternation, Alternative


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
    SPAM = "spam"
    REFUND = "refund"
    CANCEL = "cancel"
    OPT_OUT = "opt_out"
    REFUSAL = "refusal"
    PRICE_OBJECTION = "price_objection"
    ELSEWHERE = "elsewhere"
    NEVERMIND = "nevermind"
    COMPLAINT = "complaint"
    PAYMENT = "payment"
    BOOKED = "booked"
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
class Meaning:
    outcome: Step | None  # the step this intent decides; None when it only nudges the score
    weight: float  # signal strength, 0-1
    confidence: int  # how sure a stage decided by this intent is
    asked: str  # summary verb phrase, past tense: "{name} asked for a quote"
    signal: str  # reasoning noun phrase: "the contact sent a quote request"


MEANINGS: dict[Intent, Meaning] = {
    Intent.SPAM: Meaning(Step.LOST, 0.0, 85, "sent spam", "spam"),
    # Asking for a refund or to cancel means they bought once: a little more worth than a cold opt-out.
    Intent.REFUND: Meaning(Step.LOST, 0.3, 85, "asked for a refund", "a refund request"),
    Intent.CANCEL: Meaning(Step.LOST, 0.3, 85, "asked to cancel", "a cancellation request"),
    Intent.OPT_OUT: Meaning(Step.LOST, 0.0, 90, "opted out", "an opt-out"),
    Intent.REFUSAL: Meaning(Step.LOST, 0.2, 85, "declined", "a refusal"),
    Intent.PRICE_OBJECTION: Meaning(Step.LOST, 0.2, 75, "refused the price", "a refusal of the price"),
    Intent.ELSEWHERE: Meaning(Step.LOST, 0.2, 80, "went elsewhere", "a choice of another provider"),
    Intent.NEVERMIND: Meaning(Step.LOST, 0.2, 70, "let it go", "a change of mind"),
    Intent.COMPLAINT: Meaning(None, 0.3, 50, "complained", "a complaint"),
    Intent.PAYMENT: Meaning(Step.WON, 1.0, 95, "said they paid", "a payment confirmation"),
    Intent.RECEIVED: Meaning(Step.WON, 0.8, 90, "said they received their order", "a delivery confirmation"),
    Intent.BOOKED: Meaning(Step.WON, 0.7, 85, "bought or booked it themselves", "a purchase or booking made"),
    # Agreeing is not paying: a deal is won when the business confirms it or the customer pays.
    Intent.DEAL: Meaning(Step.QUALIFIED, 0.95, 80, "agreed to the deal", "an agreed deal"),
    Intent.QUOTE: Meaning(Step.QUALIFIED, 1.0, 80, "asked for a quote", "a quote request"),
    Intent.PURCHASE: Meaning(Step.QUALIFIED, 0.85, 80, "wanted to buy", "a purchase request"),
    Intent.BOOKING: Meaning(Step.QUALIFIED, 0.7, 75, "asked to book", "a booking request"),
    Intent.PRICING: Meaning(Step.QUALIFIED, 0.55, 70, "asked about pricing", "a pricing question"),
    Intent.AVAILABILITY: Meaning(
        Step.QUALIFIED, 0.4, 60, "asked about availability or delivery", "a stock or delivery question"
    ),
    Intent.HESITATION: Meaning(None, 0.2, 40, "hesitated", "some hesitation"),
    Intent.THANKS: Meaning(None, 0.3, 40, "said thanks", "thanks"),
    Intent.GREETING: Meaning(None, 0.0, 25, "only sent a greeting", "only a greeting"),
}

# Ends a sale or a lead: a message saying one of these is not also a buying signal.
NEGATIVE = (
    Intent.SPAM,
    Intent.REFUND,
    Intent.CANCEL,
    Intent.OPT_OUT,
    Intent.REFUSAL,
    Intent.PRICE_OBJECTION,
    Intent.ELSEWHERE,
    Intent.NEVERMIND,
    Intent.COMPLAINT,
)
# Objections that are haggling when asked ("cheaper elsewhere, can you match it?"), a refusal when stated.
OBJECTIONS = (Intent.PRICE_OBJECTION, Intent.ELSEWHERE)
# Turning something down that a later clause of the same message then asks about ("not interested in
# the decaf, but is the espresso available?") refuses that thing only, not the business; a problem
# followed by a request ("my screen is cracked, can you fix it?") is what the customer wants done.
SCOPED_REFUSALS = (
    Intent.REFUSAL,
    Intent.OPT_OUT,
    Intent.CANCEL,
    Intent.PRICE_OBJECTION,
    Intent.ELSEWHERE,
    Intent.NEVERMIND,
    Intent.COMPLAINT,
)
# Negated, these say nothing: "I haven't paid yet", "please don't cancel", "no refund needed".
NEGATABLE = (
    Intent.PAYMENT,
    Intent.RECEIVED,
    Intent.BOOKED,
    Intent.REFUND,
    Intent.CANCEL,
    Intent.PURCHASE,
    Intent.BOOKING,
    Intent.COMPLAINT,
)


# --- Normalising --------------------------------------------------------------------------------

# Letters that carry no combining mark to drop, and Arabic spelling variants.
_FOLD = str.maketrans(
    {
        "đ": "d",
        "ð": "d",
        "ø": "o",
        "ł": "l",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ı": "i",
        "ى": "ي",
        "ة": "ه",
        "ـ": None,
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "ʼ": "'",
    }
)


def fold(text: str) -> str:
    """Accents and diacritics off, spelling variants merged; case is left alone (patterns are regexes)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    if decomposed.isascii():  # no marks to drop: the common case, without a loop over every character
        return decomposed.translate(_FOLD)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_FOLD)


# Chat spellings, so that patterns need one spelling: "do u ship", "pls".
_SLANG = [
    (re.compile(rf"\b{short}\b"), full)
    for short, full in (
        ("u", "you"),
        ("ur", "your"),
        ("pls", "please"),
        ("plz", "please"),
        ("im", "i'm"),
        ("thx", "thanks"),
        ("ty", "thanks"),
        ("tmrw", "tomorrow"),
        ("thru", "through"),
        ("tmr", "tomorrow"),
        ("hm po", "how much po"),  # Tagalog chat
        ("hok", "khong"),  # Vietnamese
        ("khg", "khong"),
        ("vc", "voce"),  # Portuguese
        ("vcs", "voces"),
        ("q", "que"),  # Spanish
    )
]


# Vietnamese "ko" (không) only beside a Vietnamese word: in Tagalog "ko" is "my" ("gusto ko").
_SLANG += [
    (re.compile(r"\b(con|co|duoc|roi|phai|biet|dep|ngon) ko\b"), r"\1 khong"),
    (re.compile(r"\bko (co|can|mua|lay|dat|biet|duoc|phai|quan)\b"), r"khong \1"),
]


@lru_cache(maxsize=8192)  # a message is read several times over (intents, offers, confirmations, wording)
def normalise(text: str) -> str:
    """Text as patterns see it: folded, lower case, one space between words, chat spellings expanded."""
    text = " ".join(fold(text.casefold()).split())
    for short, full in _SLANG:
        text = short.sub(full, text)
    return text


def _rx(*alternatives: tuple[str, str]) -> Alternation:
    """An alternation of (literals, pattern) pairs, folded like the text they read."""
    return Alternation(
        [
            Alternative(fold(pattern), tuple(fold(literal) for literal in literals.split("|") if literal))
            for literals, pattern in alternatives
        ],
        re.IGNORECASE,
    )


# --- The contact's words --------------------------------------------------------------------------

# A time of day: a booking's when ("at 7", "10am works"), unless it tells of the past (TOLD_OF_PAST).
_TIME_OF_DAY = (
    ("at", r"\bat \d{1,2}(:\d\d)?\s?(am|pm)?$"),
    ("at", r"\bat \d{1,2}(:\d\d)?\s?(am|pm)?\b(?!\s?(kg|g|%|units|each|per|dollars|usd|eur))"),
    ("am|pm", r"(?<!\bmy )\b\d{1,2}(:\d\d)?\s?(am|pm)\b"),  # not the customer's own "my 7am class"
    (
        "a las|as|para las|um|vers|pour|luc|в|sa",
        r"\b(a las|para las|um|as|vers|pour|lúc|luc|в|sa) \d{1,2}(:\d\d|h| uhr)?\b(?!\s?(kg|g|cm|%|units|x))",
    ),
)
TIME_OF_DAY = _rx(*_TIME_OF_DAY)
# Telling of what happened ("the music was still blasting at 11:40pm"): its times book nothing.
TOLD_OF_PAST = _rx(
    (
        "was|were|last night|yesterday|ayer|anoche|hier|gestern|вчера|hom qua|kagabi|kahapon|امبارح|امس",
        r"\b(was|were|last night|yesterday|ayer|anoche|hier|gestern|вчера|hom qua|kagabi|kahapon)\b|امبارح|امس",
    ),
)

PATTERNS: dict[Intent, Alternation] = {
    Intent.SPAM: _rx(
        ("earn|make", r"\b(earn|make) \$?\d[\d,]*\s*(usd|dollars?)?\s*(a|per|/)\s*(day|week|hour)"),
        ("day|week", r"\$\d+/(day|week)"),
        ("click", r"\bclick (here|this link|the link|below)\b"),
        ("bit.ly/", r"\bbit\.ly/"),
        ("tinyurl.", r"\btinyurl\."),
        ("congratulations", r"\bcongratulations\b.*\b(won|winner|selected)\b"),
        ("expert|service|package", r"\bseo (expert|services?|package)\b"),
        ("grow|boost|increase", r"\b(grow|boost|increase) (your )?(followers|likes|page|sales|traffic|engagement)\b"),
        ("followers|likes", r"\b(cheap|real|buy) (followers|likes)\b"),
        ("crypto|bitcoin|forex|binary option", r"\b(crypto|bitcoin|forex|binary options?)\b"),
        ("investment", r"\binvestment (opportunity|plan)\b"),
        ("passive income", r"\bpassive income\b"),
        ("work from home", r"\bwork from home\b"),
        (
            "disabled|suspended|restricted|deleted|banned",
            r"\byour (facebook |fb |instagram |ig )?(page|account) (will be|has been|is) (disabled|suspended|restricted"
            r"|deleted|banned)\b",
        ),
        ("copyright", r"\bcopyright (violation|infringement)\b"),
        # The same threat to the page, in the other languages: "will be disabled", "copyright violation".
        (
            "sera|wird|va etre|vai ser",
            r"\b(tu|su|sua|votre|ihre|ihr) (pagina|cuenta|conta|page|compte|seite|konto) (sera|vai ser|wird|va etre)"
            r" (desactivad|eliminad|suspendid|desativad|removid|bloquead|desactive|supprime|suspendu|deaktiviert"
            r"|gesperrt|geloscht)",
        ),
        ("vo hieu hoa|khoa vinh vien", r"\b(trang|tai khoan)\b.{0,60}\b(vo hieu hoa|khoa vinh vien)\b"),
        (
            "vi pham ban quyen|derechos de autor|droits d'auteur|direitos autorais|urheberrecht",
            r"\b(vi pham ban quyen"
            r"|(infraccion|violacion) de (los )?derechos de autor|violation (des|de) droits d'auteur"
            r"|violacao de direitos autorais|urheberrechtsverletzung)\b",
        ),
        ("appeal", r"\bappeal (here|now)\b"),
        ("verify your", r"\bverify your (page|account)\b"),
        ("design services", r"\bweb ?design services\b"),
        ("digital marketing", r"\bdigital marketing (services|agency|expert)\b"),
        ("promote your", r"\bpromote your (page|business|products?|brand)\b"),
        ("reply yes", r"\breply yes\b"),
        ("partner program", r"\bpartner program\b"),
        ("make", r"\bmake \$+"),
        ("owner", r"\bdear (business|page|shop|store) owner\b"),
        ("business proposal", r"\bbusiness proposal\b"),
        ("for cash", r"\bwe buy \w+ for cash\b"),
        ("instant offer", r"\binstant offer\b"),
        ("we provide", r"\bwe provide \w+( \w+)? (developers|services|staff|workers|leads)\b"),
        ("scale your", r"\bscale your (agency|business|company)\b"),
        ("reply for", r"\breply for (cvs|details|more|info|prices)\b"),
        ("kindly reply", r"\bkindly reply\b"),
        ("you've|you have", r"\b(you've|you have) been (chosen|selected)\b"),
        ("win a", r"\bwin an? \$?\d"),
        ("click to", r"\bclick to (enter|claim|win)\b"),
        ("claim", r"\bclaim (now|your|it)\b"),
        ("free", r"\bfree (iphone|gift|prize|samsung)\b"),
        ("inherit", r"\binherit"),
        ("trading|mentor", r"\b(made|earned|making) \$?\d[\d,]*\b.{0,60}\b(trading|mentor)\b"),
        ("your bank details", r"\b(send|share) your bank details\b"),
        ("barrister", r"\bbarrister\b"),
        ("million", r"\b\d+(\.\d+)? million\b"),
        ("offers|provides", r"\bour (company|agency|firm) (offers|provides)\b"),
        ("premium|qualified|exclusive|free", r"\b(premium|qualified|exclusive|free) (\w+ )?leads\b"),
        ("we run", r"\bwe run (\w+ )?ads\b"),
        ("i sell", r"(?<!before )(?<!when )(?<!if )(?<!after )\bi sell\b"),  # not "before I sell the house"
        ("best price", r"\bbest prices? in town\b"),
        ("for", r"\bdm (me )?for\b"),
        ("price list", r"\bprice list\b"),
        (
            "dealer|distributor|supplier|manufacturer|wholesaler",
            r"\bwe (are|'re) an? \w+ (dealer|distributor|supplier|manufacturer|wholesaler)\b",
        ),
        ("wholesale prices", r"\bwholesale prices\b"),
        ("contact us for", r"\bcontact us for\b"),
        ("catalog|catalogue", r"\bour (catalogue|catalog)\b"),
        ("stock|carry|resell", r"\b(stock|carry|resell) our (products?|supplements|brand|items|range)\b"),
        ("margins", r"\b(huge|high|great) margins\b"),
        ("looking for", r"\blooking for (partners|resellers|distributors)\b"),
        ("reply to claim", r"\breply to claim\b"),
        ("errors", r"\b(seo|website) errors\b"),
        ("followers|likes|views", r"\b\d[\d,.]*k? (followers|likes|views)\b"),
        ("earn", r"\bearn (money|cash|\$)"),
        ("daily|a day|per day", r"\$\d+ (daily|a day|per day)\b"),
        ("no experience", r"\bno experience (needed|required)\b"),
        ("approval|apply|offer", r"\b(business |personal )?loans?\b.*\b(approval|apply|offer)\b"),
        ("instant approval", r"\binstant approval\b"),
        ("from", r"\b(i am|i'm|this is) \w+ from \w+\b.*\b(we (provide|offer|help)|our services)\b"),
        ("join my team", r"\bjoin my team\b"),
        ("dm me", r"\bdm me (the word|for|now)\b"),
        ("from home", r"\b(money|income|cash) from home\b"),
        (
            "agency|expert|marketer|company|specialist|team",
            r"\b(we are|we're|i am|i'm) an? (digital|marketing|seo|web|ads?|social media|growth) (agency|expert"
            r"|marketer|company|specialist|team)\b",
        ),
        ("your", r"\b(run|manage) your (ads|social media|page)\b"),
        ("x more", r"\b\d+x more (customers|sales|followers|leads|clients)\b"),
        (
            "customers|clients|leads|sales|followers",
            r"\bmore (customers|clients|leads|sales|followers) (for|to) your (page|business|shop)\b",
        ),
        ("gana dinero", r"\bgana dinero\b"),
        ("de l'argent", r"\bgagne[rz]? de l'argent\b"),
        ("geld verdienen", r"\bgeld verdienen\b"),
        ("ganhe dinheiro", r"\bganhe dinheiro\b"),
        ("kumita ng", r"\bkumita ng\b"),
        ("kiem tien", r"\bkiem tien\b"),
        ("اربح", r"اربح"),
        ("заработ", r"\bзаработ(ок|ать) от\b"),
    ),
    Intent.REFUND: _rx(
        ("refund", r"\brefund"),
        ("money back", r"\bmoney back\b"),
        ("my money", r"\bmy money (back|returned)\b"),
        ("deposit|payment|money", r"\b(deposit|payment|money) back\b"),
        ("money returned", r"\bmoney returned\b"),
        ("my money", r"\b(return|give back) my money\b"),
        ("chargeback", r"\bchargeback\b"),
        ("return", r"\breturn (it|this|them|the|my)\b"),
        ("want to return", r"\bwant to return\b"),
        ("reembols", r"\breembols"),
        ("devoluci", r"\bdevoluci"),
        ("devuelvan", r"\bdevuelvan\b"),
        ("devolver", r"\bdevolver(la|lo|las|los)\b"),
        ("reintegr", r"\breintegr"),
        ("devolver", r"\bdevolver (el|mi) dinero\b"),
        ("rembours", r"\brembours"),
        ("ruckerstatt", r"\bruckerstatt"),
        ("erstatt", r"\berstatt"),
        ("geld zuruck", r"\bgeld zuruck\b"),
        ("zuruckerstatt", r"\bzuruckerstatt"),
        ("estorno", r"\bestorno\b"),
        ("devolucao", r"\bdevolucao\b"),
        ("devolver o", r"\bdevolver o (meu )?dinheiro\b"),
        ("dinheiro de volta", r"\bdinheiro de volta\b"),
        ("ibalik", r"\bibalik (nyo|niyo|ninyo|ang|yung) (pera|bayad)\b"),
        ("isauli", r"\bisauli\b"),
        ("hoan", r"\bhoan (lai )?tien\b"),
        ("tra lai tien", r"\btra lai tien\b"),
        ("استرداد", r"استرداد"),
        ("استرجاع", r"استرجاع"),
        ("استرد", r"استرد"),
        ("فلوسي", r"(ابغى|ابي|اريد|عايز) فلوسي"),
        ("ارجعه|ارجاعه|ارجعها", r"(ارجعه|ارجاعه|ارجعها)"),
        ("المبلغ|الفلوس", r"ارجاع (المبلغ|الفلوس)"),
        ("فلوسي|المبلغ", r"رجع(وا)? (فلوسي|المبلغ)"),
        ("возврат", r"\bвозврат"),
        ("деньги|средства", r"\bверн(ите|уть|ете)\b(\W+\w+){0,2}\W+(деньги|средства)\b"),
    ),
    Intent.CANCEL: _rx(
        ("cancel", r"cancel"),
        ("annul", r"\bannul"),
        ("stornier", r"\bstornier"),
        ("absagen", r"\babsagen\b"),
        ("kundig", r"\bkundig"),
        ("huy", r"\bhuy (don|lich|dat|hen|ban|giup)\b"),
        ("huy", r"\bhuy\b(?! dang ky)"),
        ("لغاء", r"(ا|إ)لغاء"),
        ("الغي", r"\bالغي\b"),
        ("отмен", r"\bотмен"),
    ),
    Intent.OPT_OUT: _rx(
        ("unsubscribe", r"\bunsubscribe\b"),
        ("opt", r"\bopt(ed)? out\b"),
        ("remove me", r"\bremove me\b"),
        ("stop adding me", r"\bstop adding me\b"),
        ("remove my", r"\bremove my (email|number|details|address)\b"),
        ("calling|emailing|texting|messaging", r"\bstop (calling|emailing|texting|messaging)( and \w+ing)?( me)?\b"),
        ("take me off", r"\btake me off\b"),
        ("list", r"\b(off|from) (your|the) (mailing )?list\b"),
        ("leave me alone", r"\bleave me alone\b"),
        ("don't|do not", r"\b(don't|do not) want (to (receive|get) )?(any )?more (messages|texts)\b"),
        ("no more", r"\bno more (messages|texts|spam|emails)\b"),
        (
            "messaging|texting|sending|contacting|spamming|writing|messaging me",
            r"\bstop (messaging|texting|sending|contacting|spamming|writing|messaging me)\b",
        ),
        ("stop", r"^\W*(please,? )?stop( please)?\W*$"),
        ("don't|do not|dont", r"\b(don't|do not|dont) (message|contact|text|write to|send me|dm) ?(me|us)?\b"),
        ("escriban|manden|envien|contacten|escribas", r"\bno me (escriban|manden|envien|contacten|escribas)( mas)?\b"),
        ("dejen de", r"\bdejen de (escribir|enviar|mandar)"),
        ("de baja", r"\bdar(me)? de baja\b"),
        ("ecrire|envoyer", r"\barret(ez|e) de m'(ecrire|envoyer)"),
        ("ecrivez|envoyez", r"\bne m'(ecrivez|envoyez) plus\b"),
        ("desabonn", r"\bdesabonn"),
        ("desinscri", r"\bdesinscri"),
        ("plus de messages", r"\bplus de messages\b"),
        ("plus recevoir", r"\b(veux|veut) plus recevoir\b"),
        ("recibir", r"\bno (quiero|deseo) recibir\b"),
        ("не хочу получать", r"\bне хочу получать\b"),
        ("sie mich nicht mehr", r"\b(schreiben|kontaktieren) sie mich nicht mehr\b"),
        ("schreibt mir nicht mehr", r"\bschreibt mir nicht mehr\b"),
        ("hort auf", r"\bhort auf\b"),
        ("abmelden", r"\babmelden\b"),
        ("abbestell", r"\babbestell"),
        (
            "verteiler|entfernen sie mich|austragen",
            r"\b(aus (ihrem|dem|eurem) verteiler|entfernen sie mich|austragen)\b",
        ),
        ("retirez-moi", r"\bretirez-moi\b"),
        ("saquenme|borrenme|eliminenme", r"\b(saquenme|borrenme|eliminenme) de\b"),
        ("tire|tirem|remova|removam", r"\bme (tire|tirem|remova|removam) da\b"),
        ("удалите меня", r"\bудалите меня\b"),
        ("احذفوني|احذف رقمي", r"(احذفوني|احذف رقمي)"),
        ("keine", r"\bkeine (nachrichten|werbung|mails|e-mails) mehr\b"),
        ("nicht mehr", r"\bnicht mehr (schreiben|kontaktieren|anschreiben)\b"),
        ("mandar|enviar|escrever", r"\bpar(em|e|a) de (me )?(mandar|enviar|escrever)"),
        ("nao me", r"\bnao me (mandem|enviem|escrevam|mande) mais\b"),
        ("descadastr", r"\bdescadastr"),
        ("nao quero", r"\bnao quero (mais )?receber\b"),
        (
            "message|text|padalhan|istorbohin|chat",
            r"\b(wag|huwag) (nyo|niyo|mo) na (po )?(akong|ako|kami) (i-?message|i-?text|padalhan|istorbohin|chat)",
        ),
        ("tigil", r"\btigil(an)? (nyo|niyo|na)\b"),
        ("dung", r"\bdung (nhan|gui|lam phien)"),
        ("huy dang ky", r"\bhuy dang ky\b"),
        ("مراسلتي|الارسال|ارسال", r"توقف(وا)? عن (مراسلتي|الارسال|ارسال)"),
        ("ترسل|ترسلوا|تراسلني|تراسلوني", r"لا (ترسل|ترسلوا|تراسلني|تراسلوني)"),
        ("لا تراسلني", r"لا تراسلني"),
        ("الغاء الاشتراك", r"الغاء الاشتراك"),
        ("не пишите", r"\bне пишите\b"),
        ("больше не", r"\bбольше не (пишите|присылайте)\b"),
        ("не присылайте", r"\bне присылайте\b"),
        ("отпиш", r"\bотпиш"),
        ("хватит", r"\bхватит (писать|присылать)\b"),
        ("перестаньте", r"\bперестаньте (писать|присылать)\b"),
    ),
    Intent.REFUSAL: _rx(
        ("be", r"\b(won't|will not|wont) be (using|needing|hiring|booking|going with)\b"),
        ("nao da", r"\bnao da (pra|para) (mim|nos|gente)\b"),
        ("never", r"\bnever (using|coming|ordering|buying|going|booking|shopping|dealing)\b.{0,30}\bagain\b"),
        ("not interested", r"\bnot interested\b"),
        ("no longer interested", r"\bno longer interested\b"),
        ("thank", r"\bno,? thanks?\b"),
        ("thank you", r"\bno,? thank you\b"),
        ("thanks", r"\bthanks,? but no\b"),
        (
            "another|other|a different|someone else|a competitor",
            r"\b(go|going|went|gone) with (another|a different|other|someone else|a competitor)\b",
        ),
        ("another", r"\banother (supplier|vendor|company|provider|shop|store|studio|salon|bakery|option)\b"),
        ("elsewhere|somewhere else", r"\bfound (one|it|them|something|a \w+)? ?(elsewhere|somewhere else)\b"),
        (
            "elsewhere|somewhere else|from someone else",
            r"\b(bought|got|ordered) (it|one|them)? ?(elsewhere|somewhere else|from someone else)\b",
        ),
        ("decided", r"\bdecided (not to|against|to (hold off|wait|pass|postpone|leave it))\b"),
        ("no longer|don't|do not", r"\b(no longer|don't|do not) need (it|this|them|that|the)\b"),
        ("changed", r"\bchanged (my|our|his|her|their) minds?\b"),
        ("skip", r"\b(we'll|i'll|gonna|we will|i will) skip\b"),
        ("decidi|decidimos|decidieron", r"\b(decidimos|decidieron|decidi) no\b"),
        ("решили не", r"\bрешили не\b"),
        ("decide de ne pas", r"\bdecide de ne pas\b"),
        ("entschieden|beschlossen", r"\b(entschieden|beschlossen),? nicht\b"),
        ("decidimos nao", r"\bdecidimos nao\b"),
        ("quyet dinh khong", r"\bquyet dinh khong\b"),
        ("قررنا|قررت", r"(قررنا|قررت) (ما|عدم)"),
        ("no vamos a", r"\bno vamos a (ir|venir)\b"),
        ("поедем|придем|приедем", r"\bне (поедем|придем|приедем)\b"),
        ("forward", r"\b(won't|will not|not) (be )?(moving|going) forward\b"),
        ("budget", r"\bbudget (was|got|has been) (cut|reduced|frozen)\b"),
        ("unfortunately", r"\bunfortunately,? (we|i) (can't|cannot|won't|will not|have to|need to|decided)\b"),
        ("myself|ourselves|at home", r"\b(do|make|cut|fix) it (myself|ourselves|at home)\b"),
        ("meme", r"\bmoi-?meme\b"),
        ("selbst", r"\bselbst (reparieren|machen)\b"),
        ("сделаю|починю", r"\bсам(а)? (сделаю|починю)\b"),
        ("myself|ourselves", r"\bkeep \w+ing (it )?(myself|ourselves)\b"),
        (
            "himself|herself|themselves|ourselves|myself",
            r"\b(he'll|she'll|they'll|we'll|i'll) (just )?do (it|the \w+) (himself|herself|themselves|ourselves"
            r"|myself)\b",
        ),
        ("do it at home", r"\bdo it at home\b"),
        ("сделаю", r"\bсделаю (сам|сама)\b"),
        ("lo hago", r"\blo hago (yo )?(mismo|misma)\b"),
        ("le ferai|vais le faire", r"\bje (le ferai|vais le faire) moi\b"),
        ("faco em casa", r"\bfaco em casa\b"),
        ("eu mesm", r"\beu mesm[oa] faco\b"),
        ("ako na lang", r"\bako na lang (ang )?(gagawa|mag)"),
        ("tu lam", r"\btu lam\b"),
        ("بنفسي", r"بنفسي"),
        ("necesit", r"\bno (lo |la |los |las )?necesit"),
        ("dejar", r"\b(lo|la) (voy a|vamos a) dejar\b"),
        ("leave it", r"\bleave it (for now|there)\b"),
        ("je n'en ai pas besoin", r"\bje n'en ai pas besoin\b"),
        ("brauche", r"\bbrauche (ich|es) nicht\b"),
        ("preciso|vou precisar", r"\bnao (preciso|vou precisar)\b"),
        (
            "decided",
            r"\bdecided (on|to go with|for) (another|a different|someone|a cheaper|an? (online|local|cheaper|different"
            r"|other))\b",
        ),
        ("dagegen entschieden", r"\b(uns )?dagegen entschieden\b"),
        ("entschieden", r"\buns fur (einen|eine|ein) ander(e|en|es|er) \w+ entschieden\b"),
        ("decidimos", r"\bdecidimos (ir con|por) otr"),
        ("on a choisi", r"\bon a choisi (un autre|une autre|ailleurs)\b"),
        ("escolhemos|decidimos por", r"\b(escolhemos|decidimos por) outr"),
        ("выбрали друг", r"\bвыбрали друг"),
        ("it ourselves", r"\b(do|doing) it ourselves\b"),
        ("someone", r"\b(found|find) someone\b"),
        ("encontre", r"\bencontre (a )?alguien\b"),
        ("trouve quelqu'un", r"\btrouve quelqu'un\b"),
        ("jemanden gefunden", r"\bjemanden gefunden\b"),
        ("alguem", r"\b(achei|encontrei) alguem\b"),
        ("нашли", r"\bнашли (кого|другого)"),
        ("передумал", r"\bпередумал"),
        (
            "going to|gonna",
            r"\bnot (going to|gonna) (go ahead|proceed|buy|order|book|take|sign up|join|register|enrol)\b",
        ),
        ("je ne vais pas", r"\bje ne vais pas (m'inscrire|acheter|commander|reserver|prendre|venir)\b"),
        ("no voy a", r"\bno voy a (comprar|pedir|reservar|inscribirme|contratar)\b"),
        ("nao vou", r"\bnao vou (comprar|pedir|fechar|me inscrever|contratar)\b"),
        ("buchen|bestellen|kaufen|kommen", r"\b(werde|werden) (nicht|doch nicht) (buchen|bestellen|kaufen|kommen)\b"),
        ("не буду", r"\bне буду (заказывать|покупать|записываться|брать)\b"),
        ("hindi na", r"\bhindi na (ako|kami) (bibili|o-?order|mag)"),
        ("khong", r"\bkhong (lay|mua|dat) (nua|dau)\b"),
        ("ما راح", r"ما راح (اشتري|اطلب)"),
        ("need", r"\b(won't|will not|wont) need (it|them|this|that|you)\b"),
        ("ahead", r"\bnot (going|moving|proceeding) ahead\b"),
        ("nao vou", r"\bnao vou (levar|comprar|querer|fechar)\b"),
        ("llevar|comprar|querer", r"\bno (lo |la )?voy a (llevar|comprar|querer)\b"),
        ("je ne vais pas", r"\bje ne vais pas (le |la |les )?prendre\b"),
        ("won't|will not|not going to", r"\b(won't|will not|not going to) take (it|them|this|that)\b"),
        (
            "buying|ordering|shopping|coming back",
            r"\b(won't|will not|never) (be )?(buying|ordering|shopping|coming back)\b",
        ),
        ("volver a", r"\bno (voy a|vamos a) volver a (comprar|pedir)\b"),
        ("je ne vais plus", r"\bje ne vais plus (acheter|commander)\b"),
        ("mais", r"\bnao (vou|volto) mais\b"),
        ("nao volto", r"\bnao volto\b"),
        ("больше не буду", r"\bбольше не буду\b"),
        ("won't be renewing", r"\bwon't be renewing\b"),
        ("not renewing", r"\bnot renewing\b"),
        ("found", r"\bfound (someone|somebody|another|a|an) (\w+ )?(\w+ )?(closer|nearer|cheaper|else)\b"),
        ("consegui", r"\bconsegui (a )?(alguien|otr[oa])\b"),
        ("j'ai trouve", r"\bj'ai trouve (quelqu'un|un autre|une autre)\b"),
        ("anderen gefunden", r"\b(jemand|einen) anderen gefunden\b"),
        ("achei", r"\bachei (outro|outra|alguem)\b"),
        ("nakahanap na", r"\bnakahanap na\b"),
        ("da tim", r"\bda tim (duoc )?(ben|cho|nguoi) khac\b"),
        ("chot|chon", r"\b(chot|chon) (ben|cho|nguoi|shop) (kia|khac)\b"),
        ("нашли", r"\bнашли (друг|дешевле)"),
        ("لقيت", r"لقيت"),
        (
            "go ahead|proceed|ordering|buying|booking",
            r"\b(won't|will not) (go ahead|proceed|be (ordering|buying|booking))\b",
        ),
        ("around", r"\b(look|shop) around\b"),
        (
            "somewhere else|elsewhere|another|someone",
            r"\b(already )?(bought|got|ordered|found) (one|it|them)? ?(somewhere else|elsewhere|from (another"
            r"|someone))\b",
        ),
        ("already", r"\balready (bought|got|ordered) (one|it|them)\b"),
        (
            "another|other|different",
            r"\b(another|other|different) (supplier|vendor|company|provider|shop|store|studio|salon|bakery|place|seller"
            r"|brand|florist)\b",
        ),
        ("instead", r"\b(buy|get|order|go) (it |them )?(from|at|to) (the |a )?\w+ instead\b"),
        ("pass", r"\b(i'll|we'll|i will|we will) pass\b(?! by)"),
        ("pass", r"\bpass (muna|na|ako|po)\b"),
        ("pass", r"^\W*pass\W*$"),
        ("paso", r"\bpaso\W*$"),
        ("hard pass", r"\bhard pass\b"),
        ("not for", r"\bnot for (me|us)\b"),
        ("right", r"\byeah,? right\b"),
        ("dreaming", r"\b(you're|you are) dreaming\b"),
        ("in your dreams", r"\bin your dreams\b"),
        ("lol|lmao|lmfao|hah", r"\b(lol|lmao|lmfao|haha+)\W+(no|nope|nah)\b"),
        ("need", r"\b(won't|will not|wont|don't|do not|no longer) need (a|an|the|one|any)\b"),
        ("after all", r"\bafter all\b"),
        ("without", r"\b(do|manage|go) without\b"),
        ("йтись|йдемся", r"\bобо(йтись|йдемся) без\b"),
        ("arreglar", r"\barreglar(nos|me) sin\b"),
        ("nous passer d", r"\bnous passer d"),
        ("verzichten", r"\bverzichten\b"),
        ("ficar sem", r"\bficar sem\b"),
        ("nope|nah", r"(?<!\bor )\b(nope|nah)\b"),  # "open on monday or nah": a question's tail, no refusal
        ("no way", r"\bno way\b"),
        ("are you", r"\bare you (kidding|joking|serious)\b"),
        ("kidding|joking", r"\byou('re| are) (kidding|joking)\b"),
        ("myself|ourselves", r"\b(do|cut|fix|make|build|bake|paint) (it|them) (myself|ourselves)\b"),
        ("no me interesa", r"\bno me interesa\b"),
        ("gracias", r"\bno,? gracias\b"),
        ("otro|otra", r"\b(otro|otra) (proveedor|tienda|empresa|lado)\b"),
        ("compre en otro", r"\bcompre en otro\b"),
        ("compr", r"\b(ya|al final) (lo |la )?compr(e|amos)\b"),
        ("en otr", r"\ben otr[oa] (tienda|lugar|sitio|lado)\b"),
        ("olvidalo", r"\bolvidalo\b"),
        ("cambie de opinion", r"\bcambie de opinion\b"),
        ("necesito|quiero", r"\bya no (lo )?(necesito|quiero)\b"),
        ("pas int", r"\bpas int[e]ress"),
        ("ne m'interesse", r"\bne m'interesse (pas|plus)\b"),
        ("merci", r"\bnon,? merci\b"),
        (
            "fournisseur|studio|magasin|boutique|prestataire",
            r"\bautre (fournisseur|studio|magasin|boutique|prestataire)\b",
        ),
        ("ailleurs|moins cher", r"\btrouve (ailleurs|moins cher)\b"),
        ("deja achete", r"\bdeja achete\b"),
        ("ailleurs", r"\bailleurs\b"),
        ("laisse tomber", r"\blaisse tomber\b"),
        ("change d'avis", r"\bchange d'avis\b"),
        ("plus besoin", r"\bplus besoin\b"),
        ("kein interesse", r"\bkein interesse\b"),
        ("nicht interessiert", r"\bnicht interessiert\b"),
        ("danke", r"\bnein,? danke\b"),
        ("anderen anbieter", r"\banderen anbieter\b"),
        ("woanders", r"\bwoanders\b"),
        ("gekauft", r"\b(schon|bereits) gekauft\b"),
        ("anderswo", r"\banderswo\b"),
        ("einem anderen", r"\beinem anderen (laden|geschaft|anbieter)\b"),
        ("anders entschieden", r"\banders entschieden\b"),
        ("nicht mehr", r"\bbrauche? (ich|wir) nicht mehr\b"),
        ("selbst", r"\bmache? (ich|wir) selbst\b"),
        ("nao tenho interesse", r"\bnao tenho interesse\b"),
        ("sem interesse", r"\bsem interesse\b"),
        ("obrigad", r"\bnao,? obrigad"),
        ("outro", r"\boutro (fornecedor|lugar|estudio)\b"),
        ("em outro lugar", r"\bem outro lugar\b"),
        ("ja comprei", r"\bja comprei\b"),
        ("outra loja", r"\boutra loja\b"),
        ("desisti", r"\bdesisti\b"),
        ("mudei de ideia", r"\bmudei de ideia\b"),
        ("nao preciso mais", r"\bnao preciso mais\b"),
        ("hindi na", r"\bhindi na\b"),
        ("ayoko na", r"\bayoko na\b"),
        ("wag|huwag", r"\b(wag|huwag) na( lang)?\b"),
        ("di na", r"\bdi na (po )?(ako|kami|tuloy)"),
        ("sa iba na", r"\bsa iba na\b"),
        ("nakabili na", r"\bnakabili na (ako|kami) sa iba\b"),
        ("lang|lng", r"\bsa \w+ na (lang|lng)\b"),
        ("sa iba", r"\bsa iba(ng \w+)? na\b"),
        ("interesado", r"\bhindi (ako |po )?interesado\b"),
        ("hindi na", r"\bhindi na (ako|kami) tutuloy\b"),
        ("khong quan tam", r"\bkhong quan tam\b"),
        ("khong can nua", r"\bkhong can nua\b"),
        ("khong mua nua", r"\bkhong mua nua\b"),
        ("thoi", r"\bthoi,? (minh|em|toi|khong)\b"),
        ("khac", r"\bmua (cho|ben) khac\b"),
        ("thoi", r"^\W*thoi\b"),
        ("khac", r"\b(cho|ben|noi|shop) khac\b"),
        ("da mua", r"\bda mua (roi|o)\b"),
        ("غير مهتم", r"غير مهتم"),
        ("مش مهتم", r"مش مهتم"),
        ("لا شكرا", r"لا شكرا"),
        ("احتاج|محتاج", r"(لا|ما|مو) (احتاج|محتاج)"),
        ("بعد الان", r"بعد الان"),
        ("مورد", r"مورد (اخر|ثاني)"),
        ("من مكان", r"من مكان (اخر|ثاني)"),
        ("اخر|ثاني", r"(محل|مكان|متجر) (اخر|ثاني)"),
        ("اشتريت", r"اشتريت (من|خلاص)"),
        ("ما بدي", r"ما بدي"),
        ("مش عايز", r"مش عايز"),
        ("لا اريد", r"لا اريد"),
        ("не интересно", r"\bне интересно\b"),
        ("неинтересно", r"\bнеинтересно\b"),
        ("не надо", r"\bне надо\b"),
        ("спасибо", r"\bнет,? спасибо\b"),
        ("другого поставщика", r"\bдругого поставщика\b"),
        ("в другом месте", r"\bв другом месте\b"),
        ("в друго", r"\bв друго(м|и) \w+"),
        ("уже купил", r"\bуже купил"),
        ("у других", r"\bу других\b"),
        ("передумал", r"\bпередумал"),
        ("больше не нужно", r"\bбольше не нужно\b"),
        ("не нужн", r"\b(уже )?не нужн(о|а) уже\b"),
    ),
    Intent.PRICE_OBJECTION: _rx(
        (
            "over|above|beyond|more than",
            r"\b(over|above|beyond|more than) (my|our|(what )?(i|we)) (budget(ed)?|wanted|want|can|planned)\b",
        ),
        ("expensive|pricey|pricy|steep", r"\b(way |far |much |so |really )?too (expensive|pricey|pricy|steep)\b"),
        ("that's too much", r"\bthat's too much\b"),
        ("salgado", r"\b(ta|esta|muito|meio) salgado\b"),
        ("rip", r"\brip[- ]?off\b"),
        ("daylight robbery", r"\bdaylight robbery\b"),
        ("can't afford", r"\bcan't afford\b"),
        ("out of", r"\bout of (my|our) budget\b"),
        ("car", r"\b(muy|demasiado|bien) car[oa]s?\b"),
        ("trop cher", r"\btrop cher\b"),
        ("teuer", r"\b(zu|viel zu) teuer\b"),
        ("caro", r"\b(muito|mto|mt) caro\b"),
        (
            "too much|mucho|demasiado|trop|zu viel|muito|masyado|слишком много",
            r"\b(too much|mucho|demasiado|trop|zu viel|muito|masyado|слишком много) (for|para|pour|fur|pra|sa) (me|us"
            r"|mi|nosotros|moi|nous|mich|uns|mim|nos|amin|akin)\b",
        ),
        ("es mucho", r"\bes mucho\b"),
        ("c'est trop", r"\bc'est trop\b"),
        ("budget", r"\b(over|above|beyond|exceeds?) (na )?(sa )?(the |my |our )?budget\b"),
        ("sa budget", r"\bsa budget (namin|ko)\b"),
        ("presupuesto", r"\bno (tengo|tenemos) (el )?presupuesto\b"),
        ("budget", r"\bpas (le|de) budget\b"),
        ("kein budget", r"\bkein budget\b"),
        ("нет бюджета", r"\bнет бюджета\b"),
        ("ميزانيتي", r"ميزانيتي"),
        ("ميزانيتنا", r"ميزانيتنا"),
        ("caro demais", r"\bcaro demais\b"),
        ("too much", r"\b(is|that's|it's|its) too much\b"),
        ("cao qua", r"\bcao qua\b"),
        ("no me alcanza", r"\bno me alcanza\b"),
        ("pas les moyens", r"\bpas les moyens\b"),
        ("nicht leisten", r"\bnicht leisten\b"),
        ("nao tenho", r"\bnao tenho (condicoes|grana)\b"),
        ("budget", r"\b(walang|kulang ang) budget\b"),
        ("khong du tien", r"\bkhong du tien\b"),
        ("не по карману", r"\bне по карману\b"),
        ("не могу себе позволить", r"\bне могу себе позволить\b"),
        ("ما اقدر", r"ما اقدر"),
        ("ما عندي ميزانيه", r"ما عندي ميزانيه"),
        ("ouch", r"\bouch\b"),
        ("oof", r"\boof\b"),
        ("for half", r"\bfor half (that|the price)\b"),
        ("for", r"\b(does|do|did) (it|them|one) for (\$|£|€)?\d+\b"),
        ("out of", r"\bout of (our |my )?reach\b"),
        ("range", r"\b(out of|beyond|over) (my|our) (price )?range\b"),
        ("almost what", r"\balmost what (it's|it is|the \w+'s|the \w+ is) worth\b"),
        ("budget", r"\bbudget'?s? (is )?tight\b"),
        ("more than", r"\bmore than (my|our) \w+( \w+)? (bill|budget)\b"),
        ("yikes", r"\byikes\b"),
        ("عالي", r"(السعر|سعر) عالي"),
        ("عالي علي", r"عالي علي"),
        ("caro", r"\bcaro (pra|para) mim\b"),
        ("cher pour", r"\bcher pour (moi|nous)\b"),
        ("expensive for", r"\bexpensive for (me|us)\b"),
        ("steep", r"\bsteep\b"),
        ("cheaper", r"\bcheaper\b"),
        ("mas barat", r"\bmas barat[oa]\b"),
        ("moins cher", r"\bmoins cher\b"),
        ("gunstiger|billiger", r"\b(gunstiger|billiger)\b"),
        ("mais barat", r"\bmais barat[oa]\b"),
        ("mas mura", r"\bmas mura\b"),
        ("re hon", r"\bre hon\b"),
        ("дешевле", r"\bдешевле\b"),
        ("ارخص", r"ارخص"),
        ("ang mahal", r"\bang mahal\b"),
        ("mahal", r"\bmahal (masyado|naman|po)\b"),
        ("dat qua", r"\bdat qua\b"),
        ("mac qua", r"\bmac qua\b"),
        ("غالي", r"غالي"),
        ("дорого", r"\b(слишком )?дорого"),
    ),
    Intent.NEVERMIND: _rx(
        ("never", r"\bnever ?mind\b"),
        ("thanks", r"\bthanks (though|anyways)\b"),
        ("thanks|thank you", r"\b(we're|i'm|we are|i am) good,? (thanks|thank you)\b"),
        ("nvm", r"\bnvm\b"),
        ("forget it", r"\bforget it\b"),
        ("thanks anyway", r"\bthanks anyway\b"),
        ("gracias", r"\bgracias (igual|de todos modos|de todas formas)\b"),
        ("merci quand meme", r"\bmerci quand meme\b"),
        ("trotzdem danke", r"\btrotzdem danke\b"),
        ("mesmo assim", r"\bobrigad[oa] mesmo assim\b"),
        ("salamat", r"\bsalamat (pa rin|na lang)\b"),
        ("olvidalo", r"\bolvidalo\b"),
        ("laisse tomber", r"\blaisse tomber\b"),
        ("vergiss es", r"\bvergiss es\b"),
        ("esquece", r"\besquece\b"),
        ("wag na", r"\bwag na\b"),
        ("thoi khong can", r"\bthoi khong can\b"),
        ("забудьте", r"\bзабудьте\b"),
        ("خلاص", r"\bخلاص\b"),
    ),
    Intent.ELSEWHERE: _rx(
        (
            "another|other|different|otr|autre|andere|outr|ibang",
            r"\b(another|other|different|otr[oa]|autre|anderen?|outr[oa]|ibang)( \w+)? (supplier|vendor|company"
            r"|provider|shop|store"
            r"|studio|salon|bakery|place|seller|brand|florist|gym|trainer|cleaners?|agency|business|restaurant|cafe"
            r"|clinic|school"
            r"|tienda|empresa|proveedor|lugar|sitio|gimnasio|local|fournisseur|magasin|boutique|salle|entreprise"
            r"|prestataire"
            r"|endroit|anbieter|laden|geschaft|firma|handler|loja|fornecedor|academia|tindahan)\b",
        ),
        ("instead", r"\binstead\b"),
        ("go there", r"\b(i'll|we'll|i will|we will) (just )?go there\b"),
        (
            "somewhere|someplace|elsewhere",
            r"\b(book|go|buy|order|shop|get it) (somewhere|someplace|elsewhere)( else)?\b",
        ),
        ("borrow", r"\bborrow (theirs|one|it|his|hers)\b"),
        ("go with", r"\b(we'll|i'll|we will|i will) go with (a|an|another|someone)\b"),
        ("buy a new", r"\b(i'll|we'll|gonna|i will) (just )?buy a new (one|\w+)\b"),
        ("comprare en", r"\b(lo|la|los|las) comprare en\b"),
        ("vou comprar", r"\bvou comprar (no|na|em)\b"),
        ("je l'acheterai", r"\bje l'acheterai (au|chez|a)\b"),
        ("found", r"\bfound (a|an) (free|cheaper|closer|better)\b"),
        ("good", r"\bso (we're|i'm|we are|i am) good\b"),
        ("found the same", r"\bfound the same\b"),
        ("cheaper|for less", r"\bfound (it|them|one) (cheaper|for less)\b"),
        (
            "i'll|i will|gonna|we'll",
            r"\b(i'll|i will|gonna|we'll) (just )?(get|buy|order|download|grab|pick up) (it|one|them) (on|from|at"
            r"|online)\b",
        ),
        ("скачал|заказал|взял|купил", r"\bуже (скачал|заказал|взял|купил)\w*"),
        ("with", r"\b(we've|we have|i've|i have) (gone|decided to go) with\b"),
        ("went with", r"\bwent with (a|an|another|someone|somebody)\b"),
        ("autre", r"\b(choisi|pris) (un|une) autre\b"),
        ("elegi|elegimos", r"\b(elegimos|elegi) otr[oa]\b"),
        ("escolhemos outr", r"\bescolhemos outr"),
        (
            "marketplace|amazon|ebay|craigslist|aliexpress|shopee|lazada|secondhand|second-hand"
            "|second hand|mercado libre|segunda mano",
            r"\b(got|bought|found|ordered) (a|an|one|it)\b.{0,40}\b(marketplace|amazon|ebay|craigslist|aliexpress"
            r"|shopee|lazada"
            r"|secondhand|second-hand|second hand|mercado libre|segunda mano)\b",
        ),
        ("half the price", r"\bhalf the price\b"),
        ("stick", r"\bstick (with|to) (my|our|what)\b"),
        ("keep|stay with|stick with", r"\b(keep|stay with|stick with) (our|my) (current|existing|usual|regular|own)\b"),
        (
            "i'll|we'll|i will|we will",
            r"\b(i'll|we'll|i will|we will) (get|buy|order) (it|one|them) (from|at) (the|a|another)\b",
        ),
        ("already found", r"\balready found (one|a|an|someone|another)\b"),
        ("ya encontr", r"\bya encontr"),
        ("deja trouve", r"\bdeja trouve\b"),
        ("gefunden", r"\b(schon|bereits) (einen|eine|jemanden) gefunden\b"),
        ("achamos|encontramos|achei|encontrei", r"\bja (achamos|encontramos|achei|encontrei)\b"),
        ("may nahanap na", r"\bmay nahanap na\b"),
        ("tim duoc roi", r"\btim duoc roi\b"),
        ("уже нашли", r"\bуже нашли\b"),
        ("لقينا", r"لقينا"),
        (
            "i'll|i will|we'll|we will|gonna",
            r"\b(i'll|i will|we'll|we will|gonna) (go|head|stick) (to|with) (the|a|another|my) \w*\s?(clinic|pharmacy"
            r"|supermarket|market|mall|competitor|other|place|one)\b",
        ),
        ("went with", r"\bwent with (?!your|you|the|our|it|that|this)\w+"),
        ("nakuha na", r"\bnakuha na (po )?(kami|ako|kaming|akong) (ng )?iba\b"),
        ("kaming|akong", r"\b(kaming|akong) iba\b"),
        ("house", r"\bin[- ]house\b"),
        ("keep doing it", r"\bkeep doing it (ourselves|myself)?\b"),
        ("stick", r"\b(i'll|i will|we'll|we will|gonna|i'm going to) stick (with|to)\b"),
        ("ich bleibe|wir bleiben", r"\b(ich bleibe|wir bleiben) bei\b"),
        ("vou ficar", r"\bvou ficar (na|no|com)\b"),
        ("me quedo", r"\bme quedo (con|en)\b"),
        ("je reste", r"\bje reste (chez|avec)\b"),
        ("stay with", r"\bstay with (my|our|the)\b"),
        ("me quedo con", r"\bme quedo con (el|lo|la) (mio|mia|que tengo)\b"),
        ("reste|garde", r"\bje (reste|garde) (avec|mon|ma)\b"),
        ("vou ficar com o", r"\bvou ficar com o (meu|que tenho)\b"),
        ("остан", r"\bостан(усь|емся) (с|при)\b"),
        (
            "plutot|stattdessen|em vez disso|en vez de eso|вместо этого",
            r"\b(plutot|stattdessen|em vez disso|en vez de eso|вместо этого)\b",
        ),
        ("بدلا", r"بدلا"),
        ("roi", r"\b(o|tai) (tiem|cho|shop|cua hang|ben) \w+( \w+)?( \w+)? roi\b"),
        (
            "other|un autre|une autre|einem anderen|einer anderen|otro|otra|outro|outra|ibang|другого|другой",
            r"\b(from|at|with|chez|bei|у|من|com|con|avec|mit|kay|voi|с) (an?other|un autre|une autre"
            r"|einem anderen|einer anderen|otro|otra|outro|outra|ibang|другого|другой)\b",
        ),
        ("khac", r"\b(cho|ben|noi|shop|cua hang|tiem) khac\b"),
        ("в друг", r"\bв друг\w+ (магазин|месте|компании|студии|зале)\b"),
        ("у друг", r"\bу друг(их|ого)\b"),
        ("شركه|محل|مكان|متجر", r"(شركه|محل|مكان|متجر) (اخر|ثاني|ثانيه|اخرى|ارخص)"),
        (
            "them|a competitor|someone else",
            r"\b(go|going|went|sign up|signing up|buy|buying|bought|order|ordering) (with|at|from) (them|a competitor"
            r"|someone else)\b",
        ),
    ),
    Intent.COMPLAINT: _rx(
        (
            "broken|damaged|defective|faulty|stale|leaking|spoiled|ripped|torn",
            r"\b(broken|damaged|defective|faulty|stale|leaking|spoiled|ripped|torn)\b",
        ),
        ("wrong", r"\bwrong (item|order|size|colou?r|scent|one|product|flavou?r)\b"),
        ("late", r"\b(arrived|arriving|is|was|so|too|very|always|still) late\b"),
        ("delivery|order|shipment", r"\blate (delivery|order|shipment)\b"),
        ("delayed", r"\bdelayed\b"),
        (
            "never|not|haven't|hasn't|didn't",
            r"\b(never|not|haven't|hasn't|didn't) (arrived|received|got|get|receive|come|came)\b",
        ),
        ("charged twice", r"\bcharged twice\b"),
        ("charged", r"\bdouble[- ]charged\b"),
        ("where", r"\bwhere('s| is) my (order|package|parcel|delivery)\b"),
        ("it's been", r"\bit's been \d+ (days|weeks)\b"),
        (
            "terrible|awful|horrible|worst|disappoint|unacceptable|scam|ripped off",
            r"\b(terrible|awful|horrible|worst|disappoint(ed|ing)|unacceptable|scam|ripped off)\b",
        ),
        ("not happy|unhappy|complain", r"\b(not happy|unhappy|complain(t)?)\b"),
        ("quality|service", r"\bpoor (quality|service)\b"),
        ("roto|rota|danad|defectuos|estafa|mal estado", r"\b(roto|rota|danad|defectuos|estafa|mal estado)"),
        ("llego", r"\bno (ha )?llego\b"),
        ("llego tarde", r"\bllego tarde\b"),
        ("casse|abime|defectueu|arnaque|decu", r"\b(casse|abime|defectueu|arnaque|decue?)\b"),
        ("en retard", r"\ben retard\b"),
        ("recu|arrive", r"\bpas (recu|arrive)\b"),
        ("probleme de", r"\bprobleme de\b"),
        (
            "kaputt|beschadigt|defekt|verdorben|betrug|enttauscht",
            r"\b(kaputt|beschadigt|defekt|verdorben|betrug|enttauscht)\b",
        ),
        ("zu spat", r"\bzu spat\b"),
        ("nicht angekommen", r"\bnicht angekommen\b"),
        (
            "quebrad|danificad|estragad|atrasad|golpe|decepcionad",
            r"\b(quebrad|danificad|estragad|atrasad|golpe|decepcionad)",
        ),
        ("com defeito", r"\bcom defeito\b"),
        ("nao chegou", r"\bnao chegou\b"),
        ("sira|basag|panget", r"\b(sira|basag|panget)\b"),
        ("dumating", r"\b(hindi|di) (pa )?dumating\b"),
        ("bi hong|bi vo|bi loi", r"\bbi (hong|vo|loi)\b"),
        ("giao cham", r"\bgiao cham\b"),
        ("chua nhan duoc", r"\bchua nhan duoc\b"),
        ("lua dao", r"\blua dao\b"),
        ("that vong", r"\bthat vong\b"),
        ("تالف", r"تالف"),
        ("مكسور", r"مكسور"),
        ("متاخر", r"متاخر"),
        ("ما وصل", r"ما وصل"),
        ("لم يصل", r"لم يصل"),
        ("نصب", r"نصب"),
        (
            "сломан|поврежд|брак|дырк|испорч|опоздал|обман|ужасн",
            r"\b(сломан|поврежд|брак|дырк|испорч|опоздал|обман|ужасн)",
        ),
        ("не пришл", r"\bне пришл"),
        ("не получил", r"\bне получил"),
    ),
    Intent.PAYMENT: _rx(
        ("paid", r"\b(just |already )?paid\b"),
        ("payment", r"\bpayment (is )?(sent|done|made|complete|completed|went through)\b"),
        (
            "sent",
            r"\bsent (you )?(the |my |an |a )?(payment|money|transfer|deposit|funds|advance|downpayment|down payment"
            r"|dp|retainer|balance)\b",
        ),
        (
            "sent",
            r"\bsent\b.{0,30}\b(via|through|by|on) (gpay|google pay|upi|gcash|maya|venmo|zelle|paypal|cash ?app"
            r"|bank transfer|pix|revolut|wise)\b",
        ),
        ("transferred", r"\btransferred\b"),
        ("transfer", r"\btransfer (is )?(done|sent|made|complete)\b"),
        ("wire sent", r"\bwire sent\b"),
        ("receipt|proof of payment", r"\b(receipt|proof of payment) (attached|sent)\b"),
        ("receipt|proof of payment", r"\bhere'?s the (receipt|proof of payment)\b"),
        ("venmo", r"\bvenmo'?d\b"),
        ("deposit", r"\bdeposit (is )?(sent|paid|done)\b"),
        ("payment|transfer", r"\b(received|get|got) my (payment|transfer)\b"),
        (
            "bought|purchased",
            r"\b(just )?(bought|purchased) (it|the|a|an|your) \w+ (on|from|through) (your|the) (site|website|shop|store"
            r"|app|link)\b",
        ),
        ("bought|purchased", r"\bjust (bought|purchased)\b"),
        ("gekauft", r"\b(gerade|eben|schon|online) .{0,30}gekauft\b"),
        ("bought", r"\bbought .{0,30}\bonline\b"),
        ("compre", r"\bcompre .{0,30}(en la web|por la web|online|por internet)\b"),
        ("en ligne|sur le site", r"\bachete .{0,30}(en ligne|sur le site)\b"),
        ("comprei", r"\bcomprei .{0,30}(no site|online)\b"),
        ("binili ko", r"\bbinili ko (na )?(online|sa site)\b"),
        (
            "signed up",
            r"\b(just )?signed up (for|to) (the|a|your) .{0,30}(online|membership|plan|pass|program|package|class"
            r"|course|monthly|unlimited)\b",
        ),
        ("на сайте|онлайн", r"\b(купил|купила|купили) .{0,20}(на сайте|онлайн)"),
        ("абонемент", r"\b(купил|купила|купили) абонемент\b"),
        (
            "sent",
            r"\bsent (you )?(the |my )?([£$€₱₽]\s?\d| \d[\d.,]*\s?(usd|eur|euros?|dollars?|pesos?|php|reais|руб))",
        ),
        ("envie|mande|transferi", r"\bte (envie|mande|transferi) (los )?\d"),
        ("mandei|enviei|transferi", r"\b(mandei|enviei|transferi) (os )?(r\$ ?)?\d"),
        ("envoye|vire", r"\b(envoye|vire) (les )?\d"),
        ("перевел|перевела|отправил|отправила", r"\b(перевел|перевела|отправил|отправила) \d"),
        ("deposited", r"\bdeposited\b"),
        ("deposite", r"\b(te |ya )?deposite\b"),
        ("deposito|pago", r"\b(ya )?(quedo|esta|hice) el (deposito|pago)\b"),
        ("hice un", r"\bhice un (bizum|pago|deposito)\b"),
        ("bizum", r"\bbizum (hecho|enviado)\b"),
        ("fiz um pix", r"\bfiz um pix\b"),
        ("send|gcash|transfer", r"\bna-?(send|gcash|transfer) (ko|namin) na\b"),
        ("depositei", r"\bdepositei\b"),
        ("chuyen|gui tien", r"\b(chuyen|gui tien) roi\b"),
        ("da dat coc", r"\bda dat coc\b"),
        ("dat coc", r"\bdat coc\b.{0,20}\broi\b"),
        ("pague", r"\b(ya )?pague\b"),
        ("pagamos", r"\b(ya )?pagamos\b"),
        ("transferid", r"\btransferid[oa]\b"),
        ("gezahlt", r"\bgezahlt\b"),
        ("pagado", r"\bpagado\b"),
        ("transferi", r"\btransferi\b"),
        ("hice", r"\bhice (la|el) (transferencia|pago|deposito)\b"),
        ("transferencia", r"\btransferencia (hecha|realizada|enviada)\b"),
        ("envie|mande", r"\b(te|les) (envie|mande) el (pago|comprobante)\b"),
        ("j'ai", r"\bj'ai (paye|regle|vire)\b"),
        ("je viens de", r"\bje viens de\b.*\b(payer|regler)\b"),
        ("c'est regle", r"\bc'est regle\b"),
        ("reglement effectue", r"\breglement effectue\b"),
        ("c'est paye", r"\bc'est paye\b"),
        ("commande passee", r"\bcommande passee\b"),
        ("virement", r"\bvirement (effectue|fait|envoye)\b"),
        ("paiement", r"\bpaiement (effectue|envoye|fait)\b"),
        ("par virement ce", r"\bpar virement ce\b"),
        ("bezahlt", r"\bbezahlt\b"),
        ("uberwiesen", r"\buberwiesen\b"),
        ("zahlung", r"\bzahlung (ist )?(raus|erfolgt|gesendet|getatigt)\b"),
        ("anbei", r"\b(beleg|quittung) anbei\b"),
        ("paguei", r"\bpaguei\b"),
        ("ja paguei", r"\bja paguei\b"),
        ("fiz o", r"\bfiz o (pix|pagamento|deposito)\b"),
        ("feito|enviado|realizado", r"\bpix (feito|enviado|realizado)\b"),
        ("transferi", r"\btransferi\b"),
        ("segue o comprovante", r"\bsegue o comprovante\b"),
        ("nagbayad", r"\bnagbayad\b"),
        ("nakapagbayad", r"\bnakapagbayad\b"),
        ("bayad na", r"\bbayad na\b"),
        ("nabayaran", r"\bnabayaran\b"),
        ("send|gcash|transfer", r"\bnag-?(send|gcash|transfer) na\b"),
        ("sent na", r"\bsent na\b"),
        ("paid na", r"\bpaid na\b"),
        ("nagpadala na", r"\bnagpadala na\b"),
        ("nagsend na", r"\bnagsend na\b"),
        ("da chuyen|da thanh toan|da ck", r"\bda (chuyen khoan|chuyen tien|thanh toan|ck)\b"),
        ("roi|xong", r"\b(chuyen khoan|ck|chuyen tien|thanh toan|coc)( \w+){0,4} (roi|xong)\b"),
        ("دفعت", r"دفعت"),
        ("حولت", r"حولت"),
        ("تحويل|دفع|سداد", r"تم (تحويل|دفع|سداد)"),
        ("ارسلت", r"ارسلت (لكم )?(الايصال|الوصل)"),
        ("الدفع|التحويل|السداد", r"تم (الدفع|التحويل|السداد)"),
        ("المبلغ|الفلوس|التحويل", r"ارسلت (المبلغ|الفلوس|التحويل)"),
        ("оплатил", r"\bоплатил"),
        ("оплачено", r"\bоплачено\b"),
        ("перевел", r"\bперевел(а|и)?\b"),
        ("оплата прошла", r"\bоплата прошла\b"),
        ("отправил", r"\bотправил(а)? деньги\b"),
        ("чек во вложении", r"\bчек во вложении\b"),
        (
            "receipt|screenshot|proof|comprobante|beleg|quittung|comprovante|resibo|bien lai|чек|квитанц",
            r"\b(here('s| is)|attached|sending|sent|anbei|adjunto|ci-joint|segue|eto|gui|прикрепил\w*|ارسلت)\b.{0,25}"
            r"\b(receipt|screenshot|proof|comprobante|beleg|quittung|comprovante|resibo|bien lai|чек|квитанц\w*)",
        ),
        (
            "receipt|screenshot of the|comprobante|beleg|quittung|comprovante|resibo|чек|квитанц",
            r"\b(receipt|screenshot of the (payment|transfer)|comprobante|beleg|quittung|comprovante|resibo|чек"
            r"|квитанц\w*)"
            r" (attached|sent|anbei|adjunto|ci-joint|segue|eto|во вложении|отправил\w*)",
        ),
        ("предоплату|оплату|аванс|депозит", r"\b(предоплату|оплату|аванс|депозит) (внес|отправил|сделал)"),
        # The proof itself, attached: "[comprovante Pix]", "[receipt]", "[payment screenshot]".
        (
            "receipt|proof|comprobante|comprovante|beleg|quittung|resibo|bien lai|чек|квитанц|payment screenshot"
            "|transfer screenshot",
            r"\[(receipt|proof of payment|comprobante|comprovante|beleg|quittung|resibo|bien lai|чек|квитанц\w*"
            r"|(payment|transfer) screenshot)[^\]]*\]",
        ),
        ("предоплату|оплату|аванс", r"\bвнес(ла|ли)? (предоплату|оплату|аванс)\b"),
    ),
    Intent.BOOKED: _rx(
        ("hice|hicimos", r"\b(hice|hicimos) (la |una |el )?(reserva|cita|compra|pedido)\b"),
        (
            "booked|reserved",
            r"^\W*((ok|okay|done|yay|great|perfect|all|and)\W+)*((i|we)('ve| have)?\s)?(just |already |all )?"
            r"(booked|reserved)\b(?! up)",
        ),
        (
            "booked|reserved|scheduled",
            r"\b(booked|reserved|scheduled) (it |(a|my|the) (\w+ ){1,3})?(online|on your (site|website|app)"
            r"|through your (site"
            r"|website|app|link))\b",
        ),
        ("reserve", r"\breserve (por la web|online|en la web)\b"),
        ("reserve en ligne", r"\breserve en ligne\b"),
        ("online gebucht", r"\bonline gebucht\b"),
        ("agendei", r"\bagendei (pelo site|online)\b"),
        ("book ko na", r"\bna-?book ko na\b"),
        ("renewed|extended", r"\b(renewed|extended) (my|our|the) (membership|subscription|plan|pass|contract)\b"),
        ("renove", r"\brenove\b"),
        ("renouvele", r"\brenouvele\b"),
        ("verlangert", r"\bverlangert\b"),
        ("renovei", r"\brenovei\b"),
        ("продлил", r"\bпродлил\w*"),
        ("renew", r"\bnag-?renew\b"),
        ("da gia han", r"\bda gia han\b"),
        ("جددت", r"جددت"),
        ("just ordered", r"\bjust ordered\b"),
        ("pedido feito", r"\bpedido feito\b"),
        ("pago", r"\b(pelo|no) (app|site)\b.*\bpago\b"),
        ("checked out", r"\bchecked out (on|through|via) (your|the)\b"),
        (
            "bought|purchased|ordered",
            r"\b(bought|purchased|ordered) (it|them|one|the \w+|a \w+)( \w+)? (straight away|right away|today|yesterday"
            r"|just now|this morning)\b",
        ),
        (
            "bought|purchased",
            r"\b(bought|purchased) (the|a|an|my|our) \w+( \w+)?( \w+)? (pass|membership|package|voucher|card|ticket"
            r"|tickets|plan|class)\b",
        ),
        (
            "booked|reserved|bought|ordered|paid",
            r"\b(booked|reserved|bought|ordered|paid)\b.{0,40}\b(online|on (your|the) (site|website|app|page)"
            r"|through (your|the) (site|website|app|link))\b",
        ),
        ("subscribed", r"\b(i|we) (just )?subscribed\b"),
        ("ordered", r"\bordered .{0,30}\bonline\b"),
        ("placed|put in", r"\b(placed|put in) (an|the|my) order (online|on your|through|via)\b"),
        ("used", r"\bused (the |your )?(code|coupon|promo|voucher)\b"),
        ("da dat", r"\bda dat (lich )?online\b"),
        ("записал", r"\bзаписал(ся|ась) онлайн\b"),
        ("الموقع|التطبيق", r"حجزت (من|عبر) (الموقع|التطبيق)"),
    ),
    Intent.RECEIVED: _rx(
        (
            "received|got|picked up",
            r"\b(received|got|picked up) (my|the|our) (order|package|parcel|delivery|items?|box)\b",
        ),
        ("picked up|collected|grabbed", r"\b(picked up|collected|grabbed) (my|the|our) \w+"),
        ("picked", r"\bpicked (it|them) up\b"),
        ("today|yesterday|this morning", r"\b(got|received) (my|the|our) \w+( \w+)? (today|yesterday|this morning)\b"),
        ("today|yesterday|this morning", r"\b(got|received) (it|them) (today|yesterday|this morning)\b"),
        (
            "arrived|came|got here",
            r"\b(arrived|came|got here)\b\W{0,3}.{0,25}\b(loved|love|perfect|great|amazing|beautiful|delicious"
            r"|fantastic"
            r"|gorgeous)\b",
        ),
        ("arrived|came", r"\b(arrived|came) (today|yesterday|safe|safely|in perfect)\b"),
        ("order|package|parcel", r"\b(order|package|parcel) (arrived|came|was delivered)\b"),
        ("commande", r"\brecu (ma|la) commande\b"),
        ("recibi", r"\brecibi (mi|el) pedido\b"),
        ("recebi", r"\brecebi (o|meu) pedido\b"),
        ("retire|recogi|recibi", r"\bya (lo |la )?(retire|recogi|recibi)\b"),
        ("j'ai", r"\bj'ai (recupere|recu) (ma|mon|la|le)\b"),
        ("abgeholt|erhalten", r"\b(abgeholt|erhalten)\b"),
        ("retirei|peguei|recebi", r"\b(retirei|peguei|recebi) (o|a|meu|minha)\b"),
        ("nakuha|natanggap", r"\b(nakuha|natanggap) ko na\b"),
        ("da nhan", r"\bda nhan (duoc )?hang\b"),
        ("забрал|забрала|получил|получила", r"\b(забрал|забрала|получил|получила) (заказ|посылку|платье|костюм)"),
        ("استلمت", r"استلمت"),
    ),
    Intent.DEAL: _rx(
        ("a deal", r"\b(it's|that's) a deal\b"),
        ("deal done", r"\bdeal done\b"),
        ("deal", r"\bok(ay)?,? deal\b"),
        ("lock", r"\block (it|this|that|us|me) in\b"),
        ("deal at", r"\bdeal at\b"),
        ("c'est bon pour", r"\bc'est bon pour\b"),
        ("confirm", r"\b(i|we) confirm\b"),
        ("confirmo", r"\bconfirmo\b"),
        ("je confirme", r"\bje confirme\b"),
        ("ich bestatige", r"\bich bestatige\b"),
        ("deal", r",\s*deal\b"),
        ("deal", r"^\W*deal\b"),
        ("trato hecho", r"\btrato hecho\b"),
        ("with the", r"\b(going|go|we'll go|i'll go) with the\b"),
        ("let's", r"\blet's (do it|go ahead)\b"),
        ("go ahead", r"\b(please )?go ahead\b"),
        ("accept the", r"\b(we|i) accept the (quote|estimate|offer|price|proposal)\b"),
        ("agreed", r"\bagreed\b"),
        ("fechado|combinado|abgemacht|einverstanden", r"\b(fechado|combinado|abgemacht|einverstanden)\b"),
        ("d'accord pour", r"\bd'accord pour\b"),
        ("chot", r"\bchot\b"),
        ("договорились", r"\bдоговорились\b"),
        ("اتفقنا", r"اتفقنا"),
    ),
    Intent.QUOTE: _rx(
        ("quot", r"\bquot(e|es|ation)\b"),
        ("estimate", r"\bestimate\b"),
        ("wholesale", r"\bwholesale\b"),
        ("bulk", r"\bbulk\b"),
        ("corporate", r"\bcorporate\b"),
        ("best price", r"\bbest price\b"),
        (
            "cafe|restaurant|shop|store|office|company|business|hotel|team|event",
            r"\b(for|to) (our|my) (cafe|restaurant|shop|store|office|company|business|hotel|team|event)\b",
        ),
        ("cotiza", r"\bcotiza"),
        ("presupuesto", r"\bpresupuesto\b"),
        ("por mayor", r"\bpor mayor\b"),
        ("mayoreo", r"\bmayoreo\b"),
        ("devis", r"\bdevis\b"),
        ("en gros", r"\ben gros\b"),
        ("angebot", r"\bangebot\b"),
        ("kostenvoranschlag", r"\bkostenvoranschlag\b"),
        ("grosshandel", r"\bgrosshandel\b"),
        ("fur unser", r"\bfur unser (cafe|buro|restaurant|team)\b"),
        ("orcamento", r"\borcamento\b"),
        ("atacado", r"\batacado\b"),
        ("quote", r"\bpa-?quote\b"),
        ("para sa", r"\bpara sa (cafe|shop|business|opisina)\b"),
        ("bao gia", r"\bbao gia\b"),
        ("gia|ban|lay", r"\b(gia|ban|lay) si\b"),
        ("cho quan", r"\bcho quan\b"),
        ("عرض سعر", r"عرض سعر"),
        ("بالجمله", r"بالجمله"),
        ("للمطعم", r"للمطعم"),
        ("للمكتب", r"للمكتب"),
        ("коммерческое предложение", r"\bкоммерческое предложение\b"),
        ("кп", r"\bкп\b"),
        ("оптом", r"\bоптом\b"),
        ("смет", r"\bсмет"),
        ("для офиса", r"\bдля офиса\b"),
    ),
    Intent.PURCHASE: _rx(
        # A need stated as the message's opening: "need movers june 1st", "we need a plumber asap".
        (
            "need",
            r"^\W*((hi|hello|hey|yo)\W+)*((i|we) )?(still |really |urgently )?need (?!(to|help|info|some info)\b)\w+",
        ),
        ("like to", r"\b(i|we)('d| would) like to (order|buy|get|purchase|place)\b"),
        ("take", r"\b(ill|imma|i'm gonna) take\b"),
        ("come|coming|i'll come", r"\b(come|coming|i'll come) (to )?(get|pick up|collect|grab) (it|them)\b"),
        ("je passe", r"\bje passe (la|le|les) chercher\b"),
        ("mine", r"^\W*mine\b"),
        ("apart", r"\bme (lo|la|los|las) apart"),
        ("apartame", r"\bapartame\b"),
        ("nehme ich", r"\bnehme ich\b"),
        ("wir nehmen", r"\bwir nehmen\b"),
        ("ich nehm", r"\bich nehm\b"),
        ("want|wanna|need", r"\b(i|we) (want|wanna|need) to (order|buy|get|purchase)\b"),
        ("take", r"\b(i|we)('ll| will) take\b"),
        ("like", r"\b(i|we)('d| would) like (one|two|three|the|this|that|these|those|a|an|\d+)\b"),
        ("want|need", r"\b(i|we) (want|need) (one|two|three|this|that|these|those|it|a|an|\d+)\b"),
        (
            "can|could|may",
            r"\b(can|could|may) (i|we) (just |please )?(order|buy|purchase|get|preorder|pre-order|reserve|book)\b",
        ),
        ("can", r"\bcan (we|i) (have|hold|do|host|celebrate|bring)\b"),
        ("kann man", r"\bkann man (bei euch|bei ihnen)\b"),
        ("se puede", r"\bse puede (hacer|celebrar|reservar)\b"),
        ("peut-on|on peut", r"\b(peut-on|on peut) (faire|reserver|venir|organiser)\b"),
        ("fazer|comemorar|marcar", r"\bda (pra|para) (fazer|comemorar|marcar)\b"),
        (
            "прийти|записаться|заказать|провести|отметить|забронировать",
            r"\bможно (прийти|записаться|заказать|провести|отметить|забронировать)\b",
        ),
        ("co the", r"\bco the (dat|to chuc)\b"),
        ("an order", r"\b(place|make) an order\b"),
        ("buy", r"\bbuy\b"),
        ("purchase", r"\bpurchase\b"),
        ("how", r"\bhow (do|can) (i|we) (pay|order|sign up|register)\b"),
        ("pay", r"\bpay (by|with|via)\b"),
        ("accept", r"\baccept (paypal|cards?|credit|cash)\b"),
        ("invoice", r"\bsend (me |us )?(the |an )?invoice\b"),
        (
            "iban|bank details|account number|gcash number|paypal",
            r"\b(iban|bank details|account number|gcash number|paypal)\b",
        ),
        ("datos bancarios", r"\bdatos bancarios\b"),
        ("coordonnees bancaires|rib", r"\b(coordonnees bancaires|rib)\b"),
        ("bankdaten|kontodaten|bankverbindung", r"\b(bankdaten|kontodaten|bankverbindung)\b"),
        ("dados bancarios|chave pix", r"\b(dados bancarios|chave pix)\b"),
        ("so tai khoan|stk", r"\b(so tai khoan|stk)\b"),
        ("реквизит", r"\bреквизит"),
        ("رقم الحساب", r"رقم الحساب"),
        ("sign up|signup|register|enrol|enroll", r"\b(sign up|signup|register|enrol|enroll)\b"),
        (
            "you",
            r"\b(can|could|would) you (also |still |even )?(do|make|bake|cater|supply|provide|print|build|hold|reserve"
            r"|put aside)\b",
        ),
        (
            "you",
            r"\b(can|could|would) you (fix|repair|replace|check|look at|take a look|service|install|clean|paint)\b",
        ),
        ("fix|repair|replace", r"\b(fix|repair|replace) (my|the|a|it)\b"),
        ("something you", r"\bsomething you (can|could) (fix|do|help with|repair|make|handle)\b"),
        ("can you", r"\bcan you (get|take|remove|clean) (that|it|this|them) (out|off)\b"),
        ("come|join|attend|bring", r"\b(can|could) (i|we|my \w+) (come|join|attend|bring \w+)\b"),
        ("could|can", r"\b(could|can) (a|an) \w+( \w+)? (do|take|join|manage)\b"),
        ("vous intervenez|intervenez-vous", r"\b(vous intervenez|intervenez-vous)\b"),
        ("do you", r"\bdo you (cover|service|serve|work in|come to)\b"),
        ("slot|slots|available|stock|space|vacancy", r"\bmay (slot|slots|available|stock|space|vacancy) pa\b"),
        ("what should", r"\bwhat should (i|we) (wear|bring|expect|prepare)\b"),
        ("could|can", r"\b(a|an) \w+( \w+)? (could|can) (do|take|join|manage)\b"),
        ("looking to", r"\blooking to (do|book|buy|get|try|join|order)\b"),
        ("got any", r"\bgot any (spots|slots|space|room|availability|openings)\b"),
        ("join", r"\bhow (do|can) (i|we) join\b"),
        ("what|which", r"\b(what|which) (are )?(your|the) (\w+ )?(packages|plans|options|rates|menus?)\b"),
        ("sign", r"\bsign (\w+ )?up\b"),
        (
            "free|open|available",
            r"\b(is|are) (it|they|the( \w+){1,3}) (free|open|available) (on|for|this|next|tomorrow)\b",
        ),
        ("how long", r"\bhow long (does|would|will) (it|that|the \w+) take\b"),
        ("that needs", r"\bthat needs\b"),
        ("need", r"\bneeds? (\w+ing)\b"),
        ("when", r"\bwhen (can|could|should) (i|we) (bring|drop|come|pick|book|start)\b"),
        ("include|included|it include", r"\bwhat('s| is| does) (included|it include|the \w+( \w+)? include)\b"),
        ("in the", r"\bwhat('s| is) in the \w+ (package|box|set)\b"),
        ("que incluye", r"\bque incluye\b"),
        ("qu'est-ce qui est|ce qui est inclus", r"\b(qu'est-ce qui est (inclus|compris)|ce qui est inclus)\b"),
        ("enthalten|inklusive", r"\b(enthalten|inklusive)\?"),
        ("o que", r"\bo que (inclui|vem)\b"),
        ("po ang kasama", r"\b(ano|anu) po ang kasama\b"),
        ("bao gom|gom nhung gi", r"\b(bao gom|gom nhung gi)\b"),
        ("что входит", r"\bчто входит\b"),
        ("يشمل", r"يشمل"),
        ("voces", r"\bvoces (fazem|ajustam|consertam|vendem|entregam|enviam|mandam|trabalham com|atendem)\b"),
        ("tumatanggap", r"\btumatanggap\b"),
        ("muon", r"\b(minh|em|toi|anh|chi|cho) muon\b"),
        (
            "puede|pueden|podria|podrian",
            r"\b(pueden|puede|podrian|podria) (arreglar|reparar|cambiar|revisar|hacer|enviar|mandar)\b",
        ),
        (
            "vous pouvez|vous pourriez|pouvez-vous|pourriez-vous",
            r"\b(vous pouvez|vous pourriez|pouvez-vous|pourriez-vous) (regarder|reparer|changer|faire|livrer|venir"
            r"|envoyer)\b",
        ),
        (
            "konnen sie|konnt ihr|konnten sie",
            r"\b(konnen sie|konnt ihr|konnten sie) .{0,40}\b(reparieren|wechseln|machen|schauen|liefern|tauschen)\b",
        ),
        (
            "pode|podem|consegue|conseguem",
            r"\b(podem|pode|conseguem|consegue) (consertar|trocar|arrumar|fazer|ver|entregar|olhar)\b",
        ),
        ("pwede", r"\bpwede (po )?(ba )?(ipa|mag|pa)\w*"),
        ("ipaayos|paayos|ipagawa|pagawa|ipapalit|magpagawa", r"\b(ipaayos|ipagawa|paayos|pagawa|ipapalit|magpagawa)\b"),
        ("giup|duoc", r"\b(sua|thay|lam) (giup|duoc)\b"),
        ("co the", r"\bco the (sua|thay|lam|giao)\b"),
        (
            "починить|поменять|заменить|сделать|посмотреть|приехать|доставить",
            r"\b(можете|сможете) (починить|поменять|заменить|сделать|посмотреть|приехать|доставить)\b",
        ),
        ("поменять|починить|заменить|сделать", r"\bнужно (поменять|починить|заменить|сделать)\b"),
        ("تقدرون|ممكن|هل يمكن", r"(تقدرون|ممكن|هل يمكن) (تصلح|تغير|اصلاح|تركيب|توصيل)"),
        ("custom|made to order|bespoke", r"\b(custom|made to order|bespoke)\b"),
        ("subscription|membership", r"\b(subscription|membership)\b"),
        ("need", r"\bneeds? (a|an|some|\d+)\b"),
        ("order", r"\bpre-?order\b"),
        (
            "love|like",
            # Any wish but to know, ask or leave: "we'd like to put an offer in", "would love to see it".
            r"\b((i|we)('d| would)|would) (love|like) (to (?!(know|ask|say|thank|cancel|complain|return|speak|talk"
            r"|share|let|tell|report|leave|check|confirm|unsubscribe|stop)\b)\w+|a|an|some)\b",
        ),
        ("want|wanna|would like|'d like", r"\b(want|wanna|would like|'d like) to (get|buy|order|book|try|have|gift)\b"),
        ("want", r"\b(we'd|i'd|we would|i would) want\b"),
        ("recommend|suggest", r"\b(recommend|suggest)\b"),
        ("looking for", r"\b(we're|i'm|we are|i am) looking for\b"),
        ("nous cherchons|on cherche|buscamos|procuramos", r"\b(nous cherchons|on cherche|buscamos|procuramos)\b"),
        ("for a|as a", r"\b(for a|as a) (gift|present)\b"),
        ("para regal", r"\bpara regal(ar|o)\b"),
        ("pour offrir", r"\bpour offrir\b"),
        ("als geschenk", r"\bals geschenk\b"),
        ("presente|presentear", r"\bpara (presente|presentear)\b"),
        ("regalo", r"\bpang-?regalo\b"),
        ("lam qua", r"\blam qua\b"),
        ("в подарок", r"\bв подарок\b"),
        ("هديه", r"هديه"),
        ("подойд", r"\bподойд(ут|ет)\b"),
        ("what", r"\bwhat \w+ (would|will) (work|suit)\b"),
        ("tell me more", r"\btell me more\b"),
        ("more", r"\bmore (information|info|details) (about|on)\b"),
        ("how does", r"\bhow does (it|this|that|the \w+) work\b"),
        ("mas info|mas informacion", r"\b(mas informacion|mas info)\b"),
        ("plus d'info", r"\bplus d'info"),
        ("infos|informationen", r"\bmehr (infos|informationen)\b"),
        ("mais informac", r"\bmais informac"),
        ("them thong tin", r"\bthem thong tin\b"),
        ("подробнее", r"\bподробнее\b"),
        ("تفاصيل", r"تفاصيل"),
        ("interes", r"\b(tenho|tengo) interes"),
        ("como funciona", r"\bcomo funciona\b"),
        ("comment ca marche", r"\bcomment ca marche\b"),
        ("wie funktioniert", r"\bwie funktioniert\b"),
        ("как это работает", r"\bкак это работает\b"),
        ("paano po", r"\bpaano po (ito|yan|yung)\b"),
        ("which", r"\bwhich (one|of your \w+)( \w+)? (is|would be) (best|better|good)\b"),
        ("recomienda|recomiendan|recomiendas", r"\b(recomiendan|recomienda|recomiendas)\b"),
        ("recommandez|conseillez|recommanderiez", r"\b(recommandez|conseillez|recommanderiez)\b"),
        ("empfehl", r"\bempfehl"),
        ("recomenda|recomendam|indicam", r"\b(recomendam|recomenda|indicam)\b"),
        ("irerecommend|marecommend", r"\b(irerecommend|marecommend)\b"),
        ("tu van|goi y", r"\b(tu van|goi y)\b"),
        ("посоветуете|порекомендуете|посоветуйте", r"\b(посоветуете|порекомендуете|посоветуйте)\b"),
        ("تنصح|تنصحوني|تنصحني", r"(تنصح|تنصحوني|تنصحني)"),
        ("je viens de", r"\bje viens de\b.*\b(commander|passer commande)\b"),
        ("passer commande", r"\bpasser commande\b"),
        ("want|wanna", r"\b(i|we) (want|wanna) (to )?(get|have|do|book|make|start|try)\b"),
        (
            "something you|can you|could you",
            r"\b(something you('d| would)|can you|could you) (take on|handle|help (me |us )?with)\b",
        ),
        ("quiero", r"\bquiero\b"),
        ("quisiera|me gustaria", r"\b(quisiera|me gustaria)\b"),
        (
            "voudrais|j'aimerais|je souhaite|nous voudrions",
            r"\b(je voudrais|j'en voudrais|j'aimerais|je souhaite|nous voudrions)\b",
        ),
        (
            "mochte|mochten|wurde gern|wurden gern|hatte gern|hatten gern",
            r"\b(ich|wir) (mochte|mochten|wurde gern|wurden gern|hatte gern|hatten gern)\b",
        ),
        ("quero|gostaria|queria", r"\b(quero|gostaria|queria)\b"),
        ("gusto", r"\bgusto (ko|namin|po)\b"),
        ("muon|can", r"\b(muon|can) (dat|mua|lam|lay|nhap)\b"),
        ("хочу|хотим|хотел", r"\b(хочу|хотим|хотела? бы)\b"),
        ("ابغى", r"ابغى"),
        ("ابي", r"\bابي\b"),
        ("اود", r"\bاود\b"),
        ("حاب", r"\bحاب\b"),
        ("looking for", r"\blooking for (a|an|some)\b"),
        ("interested in", r"\binterested in\b"),
        ("ready to", r"\bready to (order|buy|book)\b"),
        ("thinking of", r"\bthinking of (joining|buying|ordering|booking|getting|coming|visiting|signing up)\b"),
        ("necesit", r"\bnecesit"),
        ("busco", r"\bbusco\b"),
        ("interesad", r"\binteresad[oa]\b"),
        ("j'ai besoin", r"\bj'ai besoin\b"),
        ("je cherche", r"\bje cherche\b"),
        ("interesse par", r"\binteresse par\b"),
        ("brauche|brauchen|suche|suchen", r"\b(ich|wir) (brauche|brauchen|suche|suchen)\b"),
        ("interessiert an", r"\binteressiert an\b"),
        ("preciso|procuro", r"\b(preciso|procuro)\b"),
        ("interessad", r"\binteressad[oa]\b"),
        ("kailangan", r"\bkailangan (ko|namin|po|namin po)\b"),
        ("magpapa", r"\bmagpapa-?\w+"),
        ("po sana", r"\bpo sana\b"),
        ("sana", r"\bsana (po )?(kami|ako)\b"),
        ("can", r"\b(minh|em|toi) can\b"),
        ("quan tam", r"\bquan tam\b"),
        ("нужн|нужен|ищу|ищем|интересует", r"\b(нужн[аоы]|нужен|ищу|ищем|интересует)\b"),
        ("احتاج", r"احتاج"),
        ("محتاج", r"محتاج"),
        ("مهتم", r"مهتم"),
        ("more|some", r"\b(more|some) (photos|pictures|pics|details|info)\b"),
        ("catalog|catalogue|menu", r"\b(catalog|catalogue|menu)\b"),
        ("i'll get", r"\bi'll get\b(?! back\b)"),
        ("quiero", r"\bquiero (comprar|pedir|ordenar|encargar|el|la|uno|una|\d+)\b"),
        ("me llevo", r"\bme llevo\b"),
        ("comprar", r"\bcomprar\b"),
        ("encargar", r"\bencargar\b"),
        ("como", r"\bcomo (pago|puedo pagar|hago el pedido)\b"),
        ("commander|acheter|prendre", r"\bje (voudrais|veux|souhaite) (commander|acheter|prendre)\b"),
        ("je prends", r"\bje prends\b"),
        ("command", r"\bje (le |la |les |vous )?command"),
        ("commander", r"\bcommander\b"),
        ("acheter", r"\bacheter\b"),
        ("je confirme la commande", r"\bje confirme la commande\b"),
        ("nehme|kaufe|bestelle|mochte", r"\bich (nehme|kaufe|bestelle|mochte (bestellen|kaufen))\b"),
        ("bestellen", r"\bbestellen\b"),
        ("kaufen", r"\bkaufen\b"),
        ("wie kann ich", r"\bwie kann ich (bezahlen|bestellen)\b"),
        ("quero", r"\bquero (comprar|encomendar|pedir|o|a|um|uma|comecar|\d+)\b"),
        ("vou querer", r"\bvou querer\b"),
        ("encomendar", r"\bencomendar\b"),
        ("o pedido|a matricula", r"\bcomo (faco|funciona) (o pedido|a matricula)\b"),
        ("matricula", r"\bmatricula\b"),
        ("order", r"\border (po )?(ako|ko|kami)\b"),
        ("bibili", r"\bbibili\b"),
        ("kukuha", r"\bkukuha (ako|po|kami)\b"),
        ("gusto ko", r"\bgusto ko (bumili|umorder|mag-?order)\b"),
        ("order", r"\bpa-?order\b"),
        ("order", r"\bmag-?order\b"),
        ("kunin ko", r"\bkunin ko\b"),
        ("lay|mua|muon mua|muon dat", r"\b(minh|em|toi|anh|chi) (lay|mua|muon mua|muon dat)\b"),
        ("dat hang", r"\bdat hang\b"),
        ("chot don", r"\bchot don\b"),
        ("muon dat", r"\bmuon dat\b"),
        ("dat", r"\bdat \d"),
        ("اريد", r"اريد (شراء|طلب|ال)"),
        ("ابغى", r"ابغى"),
        ("عايز", r"عايز"),
        ("اطلب|اشتري", r"بدي (اطلب|اشتري)"),
        ("اطلب", r"اطلب"),
        ("شراء", r"شراء"),
        ("беру", r"\bберу\b"),
        ("возьму", r"\bвозьму\b"),
        ("купить|заказать", r"\bхочу (купить|заказать)\b"),
        ("заказать", r"\bзаказать\b"),
        ("купить", r"\bкупить\b"),
        ("оформить заказ", r"\bоформить заказ\b"),
        ("оплатить|заказать", r"\bкак (оплатить|заказать)\b"),
        ("на заказ", r"\bна заказ\b"),
    ),
    Intent.BOOKING: _rx(
        # A party's size and when: "limo for 8 on may 18", "table for 4 tonight".
        (
            "for",
            r"\bfor \d+ (people |persons |pax |ppl |guests |adults |kids )?(on|this|next|tomorrow|tonight|at)\b",
        ),
        ("book", r"\bbook(ing)?\b"),
        ("appointment", r"\bappointment\b"),
        ("reserv", r"\breserv(e|ation)\b"),
        ("schedule", r"\bschedule\b"),
        ("visit", r"\bvisit\b"),
        ("come|stop|drop", r"\b(come|stop|drop) (by|in|over)\b"),
        ("table for", r"\btable for\b"),
        ("private", r"\bprivate (session|class|lesson)\b"),
        ("bring|see", r"\b(bring|see) (\w+ )?(in|you)\b.*\b(at \d|\d\s?(am|pm))"),
        ("drop", r"\bdrop (it|them|\w+) off\b"),
        *_TIME_OF_DAY,
        ("cita", r"\bcita\b"),
        ("reserv", r"\breserv"),
        ("agend", r"\bagend"),
        ("turno", r"\bturno\b"),
        ("rendez-vous", r"\brendez-vous\b"),
        ("rdv", r"\brdv\b"),
        ("buchen", r"\bbuchen\b"),
        ("termin", r"\btermin\b"),
        ("horario", r"\bmarcar (um )?horario\b"),
        ("einplanen", r"\beinplanen\b"),
        ("book", r"\bpa-?book\b"),
        ("magpa", r"\bmagpa-?book\b"),
        ("reserve", r"\bpa-?reserve\b"),
        ("sched", r"\bsched\b"),
        ("dat", r"\bdat (ban|lich|cho|phong|truoc|banh)\b"),
        ("حجز", r"حجز"),
        ("احجز", r"احجز"),
        ("موعد", r"موعد"),
        ("запис", r"\bзапис(ать|аться|ываюсь|ывай)"),
        ("запиш", r"\bзапиш(ите|у)\b"),
        ("заброниров", r"\bзаброниров"),
        ("бронь", r"\bбронь\b"),
    ),
    Intent.PRICING: _rx(
        ("how much", r"\bhow much\b"),
        ("price", r"\bprices?\b"),
        ("pricing", r"\bpricing\b"),
        ("what", r"\bwhat('s| is| are) (the|your|any) (\w+ )?(offers?|deals?|promos?|promotions?|specials?)\b"),
        ("s the damage", r"\bwhat'?s the damage\b"),
        ("fee|tuition", r"\b(fees?|tuition)\b"),
        ("what would", r"\bwhat would (that|it|this) (run|cost|set)\b"),
        ("back", r"\b(run|set) (me|us) back\b"),
        ("the total", r"\bwhat('s| is) the total\b"),
        ("total for", r"\btotal for\b"),
        ("offers|deals|promos|discounts", r"\bany (offers|deals|promos|discounts)\b"),
        (
            "oferta|promo|promocion|offre|aktion|promocao|khuyen mai|акци|скидк",
            r"\b(ofertas?|promocion|promo|offres?|aktion|promocao|khuyen mai|акци\w*|скидк\w*)\b",
        ),
        ("خصم", r"خصم"),
        ("cost", r"\bcosts?\b"),
        ("charge", r"\bcharge\b"),
        ("rate", r"\brates?\b"),
        ("discount", r"\bdiscounts?\b"),
        ("$|€|£|₱|₽", r"[$€£₱₽]\s?\d"),
        ("cuanto", r"\bcuanto\b"),
        ("cuesta", r"\bcuesta\b"),
        ("precio", r"\bprecios?\b"),
        ("cobran", r"\bcobran\b"),
        ("tarifa", r"\btarifa\b"),
        ("combien", r"\bcombien\b(?! de (personnes|moniteurs|temps|places|gens|fois|jours))"),
        ("coute", r"\bcoute\b"),
        ("prix", r"\bprix\b"),
        ("tarif", r"\btarifs?\b"),
        ("was kostet", r"\bwas kostet\b"),
        ("wie teuer", r"\bwie teuer\b"),
        ("cout", r"\bcout(e|ent|erait|eraient|ait)\b"),
        ("cost", r"\bcost(aria|arian)\b"),
        ("viel", r"\bwie ?viel\b"),
        ("preis", r"\bpreis"),
        ("kosten", r"\bkosten\b"),
        ("quanto", r"\bquanto\b"),
        ("preco", r"\bpreco\b"),
        ("qual o valor", r"\bqual o valor\b"),
        ("valor d", r"\bvalor d"),
        ("custa", r"\bcusta\b"),
        ("magkano", r"\bmagkano\b"),
        ("presyo", r"\bpresyo\b"),
        ("hm po|hm ito|hm yan|hm to", r"\bhm (po|ito|yan|to)\b"),
        ("hm", r"\bhm\s*\?"),
        ("bao nhieu", r"\bbao nhieu\b"),
        ("gia", r"\bgia\b"),
        ("bn", r"\bbn\b"),
        ("كم", r"\bكم\b"),
        ("بكم", r"بكم"),
        ("سعر", r"سعر"),
        ("تكلف", r"تكلف"),
        ("сколько", r"\bсколько (стоит|стоят|будет|за|обойд|по цене)"),
        ("почем", r"\bпочем\b"),
        ("цен", r"\bцен(а|у|ы)\b"),
        ("стоит", r"\bстоит\b"),
        ("стоимость", r"\bстоимость\b"),
        ("прайс", r"\bпрайс"),
    ),
    Intent.AVAILABILITY: _rx(
        ("kip", r"\b(lam|giao|ship|co|dat) kip\b[^.!?]{0,30}\bkhong\b"),  # "can it be made in time for Saturday?"
        (
            "voce|voces",
            r"\bvoces? (fazem|faz|dao|da|vendem|entregam|consertam|atendem|trabalham com|aceitam)\b[^.!]*\?",
        ),
        # Vietnamese "can you make / deliver / fix ... ?": "làm bánh hình con mèo được không".
        ("duoc khong", r"\b(lam|giao|sua|may|in|ship|nhan)\b.{0,40}\bduoc khong\b"),
        # "Do you have" asked in Portuguese, Spanish, French or German: "tem quarto pra casal no carnaval?"
        ("tem|tiene|avez-vous|vous avez|habt ihr", r"\b(tem|tiene|tienen|avez-vous|vous avez|habt ihr)\b[^.!]*\?"),
        (
            "be",
            r"\b(can|could) (it|this|that|they|these|mine) be (fixed|saved|repaired|done|made|altered|cleaned|restored"
            r"|replaced)\b",
        ),
        # Whether the business does a job: "do you fix zippers", "can you guys put in a 240v outlet".
        (
            "do|does",
            r"\b(do|does) you( guys| all)? (do|make|fix|repair|install|replace|clean|paint|deliver|cater|offer|sell"
            r"|carry|ship|build|print|design|handle|service|bake|customi[sz]e|sew|tint|detail|put in|groom|board|host"
            r"|teach|rent|tow|mount|remove)\b",
        ),
        (
            "can|could",
            r"(^|,)\W*((hi|hello|hey|so|and|also|ok|okay)\W+)*(can|could) you( guys| all)? "
            # not for information or contact, nor haggling ("can you do $45?")
            r"(?!(tell|send|call|let|check|confirm|help|explain|remind|stop|please|give|text|email|message|reply"
            r"|answer|see|hear|recommend|do (it )?for|do \$?\d+|hold|wait|update|show|share|look|find|advise|be|open"
            r"|close|not|also)\b)\w+",
        ),
        ("stock", r"\bstock\b"),
        ("sold out", r"\bsold out\b"),
        ("availab", r"\bavailab(le|ility)\b"),
        ("avail", r"\bavail\b"),
        ("restock", r"\brestock"),
        ("back in", r"\bback in (stock|xs|s|m|l|xl|xxl|size|\d+)\b"),
        ("free|available", r"\b(are|r) you (free|available)\b"),
        ("هل ت", r"هل ت\w+ون"),
        ("getting married", r"\bgetting married\b"),
        ("wedding|party|event|baby shower", r"\bfor (our|my) (wedding|party|event|baby shower)\b"),
        ("wedding", r"\b(our|my) wedding (is|on|in|next)\b"),
        ("planning", r"\bplanning (a|an|our|my) (wedding|party|event)\b"),
        (
            "range|battery|battery life|warranty|guarantee|weight|capacity|material|materials"
            "|dimensions|measurements|size|difference|lead time|delivery time|spec|max speed",
            r"\b(what('s| is| are)|how (long|big|heavy|far)( is)?) (the )?(range|battery|battery life|warranty"
            r"|guarantee|weight|capacity"
            r"|material|materials|dimensions|measurements|size|difference|lead time|delivery time|specs?|max speed)\b",
        ),
        (
            "autonomia|garantia|garantie|medida|medidas|capacidad|capacidade|taille|reichweite|grosse"
            "|мощность|гарантия|емкость|запас хода",
            r"\b(que|qual a|quelle|welche|какая|какой) (autonomia|garantia|garantie|medida|medidas|capacidad|capacidade"
            r"|taille|reichweite"
            r"|grosse|мощность|гарантия|емкость|запас хода)\b",
        ),
        ("about|around", r"\bneed (about|around)\b"),
        (
            "other|another|different|otro|otra|outra|outro|autre",
            r"\b(come|comes|viene|vienen|existe|vem|vient) (in|en|em) (other|another|different|otro|otra|outra|outro"
            r"|autre)\b",
        ),
        ("other|another|different", r"\b(other|another|different) (colou?rs?|sizes?)\b"),
        (
            "otro color|otra talla|autre couleur|andere farbe|outra cor",
            r"\b(otro color|otra talla|autre couleur|andere farbe|outra cor)\b",
        ),
        ("ibang kulay|mau khac|другой цвет|другого цвета", r"\b(ibang kulay|mau khac|другой цвет|другого цвета)\b"),
        ("لون", r"لون (ثاني|اخر)"),
        ("do you", r"\bdo you (ship|deliver)\b"),
        ("vous", r"\bvous (les |l'|en )?avez\b"),
        ("voces tem", r"\bvoces tem\b"),
        (
            "do you",
            r"\bdo you (guys |also |still )*(run|hold|teach|host|organi[sz]e|have|sell|carry|make|do|offer|cater|fix"
            r"|repair|alter|hem|groom|clean|install"
            r"|accept|take|rent|hire|lend)\b",
        ),
        (
            "venden|hacen|vendez|faites|verkauft ihr|verkaufen sie|macht ihr|vendem|fazem|nagbebenta|gumagawa",
            r"\b(venden|hacen|vendez|faites|verkauft ihr|verkaufen sie|macht ihr|vendem|fazem|nagbebenta|gumagawa)\b",
        ),
        ("ban|lam|nhan", r"\bco (ban|lam|nhan)\b"),
        ("تبيعون", r"تبيعون"),
        ("تسوون", r"تسوون"),
        ("продаете|делаете", r"\b(продаете|делаете)\b"),
        ("do you", r"\bdo you (offer|provide)\b"),
        (
            "ofrecen|proponez|proposez|bieten sie|oferecem|предлагаете",
            r"\b(ofrecen|proponez|proposez|bieten sie|oferecem|предлагаете)\b",
        ),
        ("vous propose", r"\bvous propose"),
        ("size|large|medium|small", r"\bin (a )?(size|large|medium|small)\b"),
        ("slots|openings", r"\bany (slots|openings)\b"),
        (
            "fit|fits|true to size|sizing|size chart|what size",
            r"\b(fit|fits|true to size|sizing|size chart|what size)\b",
        ),
        (
            "stretch|shrink|fade|run|fit|come|last|work",
            r"\bdo (these|they|the|those|this|it) (\w+ )?(stretch|shrink|fade|run|fit|come|last|work)\b",
        ),
        ("does", r"\bdoes (it|this|the \w+) (come|work|fit|last|include)\b"),
        ("would", r"\bwould (it|they|this|that|these) (suit|work|look good|fit)\b"),
        ("is there|are there", r"\b(is there|are there) (a|an|any)\b"),
        ("which|what", r"\b(which|what) (days?|times?)\b"),
        (
            "class|classes|session|sessions|course|workshop|intake",
            r"\bwhen (is|are) (the|your) (next )?(class|classes|session|sessions|course|workshop|intake)\b",
        ),
        (
            "for|enough",
            r"\b(is|are) (it|they|the( \w+){1,3}|your( \w+){1,2}) (suitable|good|ok|okay|gentle|safe) (for|enough)\b",
        ),
        ("disponib", r"\bdisponib"),
        ("libre|libres", r"\b(encore |toujours |est-ce que .{0,40})libres?\b[^.!]*\?"),
        ("tienen", r"\btienen\b"),
        ("stock|existencia", r"\bhay (stock|existencia)"),
        ("talla", r"\btalla\b"),
        ("en stock", r"\ben stock\b"),
        ("vous avez", r"\bvous avez\b"),
        ("taille", r"\btaille\b"),
        ("verfugbar", r"\bverfugbar\b"),
        ("lieferbar", r"\blieferbar\b"),
        ("auf lager", r"\bauf lager\b"),
        ("habt ihr", r"\bhabt ihr\b"),
        ("haben sie", r"\bhaben sie\b"),
        ("gibt es", r"\bgibt es\b"),
        ("estoque", r"\bestoque\b"),
        ("tamanho", r"\btamanho\b"),
        ("tem", r"\btem (esse|essa|o|a|em)\b"),
        ("meron", r"\bmeron (pa|po|ba)\b"),
        ("stock|available", r"\bmay (stock|available)\b"),
        ("ba kayo", r"\bmay \w+( \w+){0,2} (pa )?(po )?ba kayo\b"),
        ("meron", r"\bmeron (po )?(ba )?kayo\b"),
        ("con", r"\bcon (hang|ban|banh|size)\b"),
        ("khong", r"\bcon \w+ khong\b"),
        ("con khong", r"\bcon khong\b"),
        ("khong", r"\b(shop |ben minh |ben em )?co\b.{1,40}\bkhong\b"),
        ("متوفر", r"متوفر"),
        ("متاح", r"متاح"),
        ("عندكم", r"عندكم"),
        ("مقاس", r"مقاس"),
        ("есть ли", r"\bесть ли\b"),
        ("у вас есть", r"\bу вас есть\b"),
        ("есть", r"^\W*(а )?есть\b.*\?"),
        ("в наличии", r"\bв наличии\b"),
        ("наличи", r"\bналичи"),
        ("размер", r"\bразмер"),
    ),
    Intent.HESITATION: _rx(
        ("think about it", r"\bthink about it\b"),
        ("hold off", r"\bhold off\b"),
        ("let me think", r"\blet me think\b"),
        ("maybe later", r"\bmaybe later\b"),
        ("not", r"\bnot (right )?now\b"),
        ("run it by", r"\brun it by\b"),
        ("get back to you", r"\bget back to you\b"),
        ("not sure", r"\bnot sure\b"),
        ("let me check with", r"\blet me check with\b"),
        ("i'll confirm", r"\bi'll confirm\b"),
        ("lo pienso", r"\blo pienso\b"),
        ("lo consulto", r"\blo consulto\b"),
        ("lo voy a pensar", r"\blo voy a pensar\b"),
        ("te aviso", r"\bte aviso\b"),
        ("je vais reflechir", r"\bje vais reflechir\b"),
        ("je reflechis", r"\bje reflechis\b"),
        ("ich uberlege", r"\bich uberlege\b"),
        ("melde mich", r"\bmelde mich\b"),
        ("vou", r"\bvou (ver|pensar)\b"),
        ("te falo", r"\bte falo\b"),
        ("iisipan", r"\bpag-?iisipan\b"),
        ("pag isipan", r"\bpag isipan\b"),
        ("suy nghi", r"\bsuy nghi\b"),
        ("подумаю", r"\bподумаю\b"),
        ("سافكر", r"سافكر"),
        ("افكر", r"افكر"),
    ),
    Intent.THANKS: _rx(
        (
            "thanks|thank you|thx|cheers|appreciate|gracias|merci|danke|obrigad|salamat|cam on|спасибо",
            r"\b(thanks|thank you|thx|cheers|appreciated?|gracias|merci|danke|obrigad[oa]|salamat|cam on|спасибо)\b",
        ),
        ("شكرا", r"شكرا"),
        ("🙏", "🙏"),
        ("👍", "👍"),
    ),
    # Only a message that is nothing but a greeting counts: "Hi, how much is it?" is a pricing question.
    Intent.GREETING: _rx(
        (
            "hi|hello|hey|hiya|howdy|morning|afternoon|evening|hola|ola|buenas|tarde|buenos dias"
            "|bonjour|salut|bonsoir|oi|hallo|guten|moin|servus|bom dia|noite|kumusta|magandang|chao"
            "|xin chao|السلام عليكم|مرحبا|اهلا|здравствуйте|привет|добрый|доброе утро",
            r"^\W*(hi|hello|hey|hiya|howdy|good (morning|afternoon|evening)|hola|buenas( tardes| noches)?"
            r"|buenos dias|bonjour|salut|bonsoir|hallo|guten (tag|morgen|abend)|moin|servus|oi|ola|bom dia"
            r"|boa (tarde|noite)|kumusta|magandang (umaga|hapon|gabi)|chao|xin chao|السلام عليكم|مرحبا|اهلا"
            r"|здравствуйте|привет|добрый (день|вечер)|доброе утро)( (there|po|shop|all|everyone|zusammen|team|a"
            r"|ban))*\W*$",
        )
    ),
}

# Statements about delivery or pickup are buying signals only as questions ("do you deliver?"),
# not as thanks for the last delivery.
LOGISTICS_QUESTION = _rx(
    ("ship", r"\bship(ping|s)?\b"),
    ("deliver", r"\bdeliver(y|ies)?\b"),
    ("pick", r"\bpick ?up\b"),
    ("env", r"\benv[ií]os?\b"),
    ("entrega", r"\bentrega"),
    ("livr", r"\blivr"),
    ("liefer", r"\bliefer"),
    ("versand", r"\bversand\b"),
    ("frete", r"\bfrete\b"),
    ("giao", r"\bgiao\b"),
    ("توصيل", r"توصيل"),
    ("شحن", r"شحن"),
    ("доставк", r"\bдоставк"),
)
# Words that undo what follows them in the same phrase: "haven't paid", "chưa chuyển", "не оплатил".
NEGATION = _rx(
    ("no|not|never|without|yet to|nothing", r"\b(not|never|no|without|yet to|nothing)\b"),
    ("n't", r"n't\b"),
    ("nunca|jamas|todavia no|aun no", r"\b(nunca|jamas|todavia no|aun no)\b"),
    ("no", r"\bno\b"),
    ("pas|ne|jamais|n'", r"\b(pas|ne|jamais|n')\b"),
    ("n'", r"\bn'"),
    ("nicht|kein|nie", r"\b(nicht|kein\w*|nie)\b"),
    ("nao|ainda nao", r"\b(nao|ainda nao)\b"),
    ("hindi|di|wala|wag|huwag", r"\b(hindi|di|wala|wag|huwag)\b"),
    ("chua|khong", r"\b(chua|khong)\b"),
    ("не|нет|ни", r"\b(не|нет|ни)\b"),
    ("لم|لا|ما|مش|ليس|غير", r"(^|\s)(لم|لا|ما|مش|ليس|غير)(\s|$)"),
)
# Asking about a policy or a what-if is not asking for it: "what's your refund policy?",
# "can I cancel anytime?", "if it doesn't fit, can I return it?".
POLICY = _rx(
    ("polic", r"\bpolic(y|ies)\b"),
    ("politica", r"\bpolitica\b"),
    ("politique", r"\bpolitique\b"),
    ("richtlinie", r"\brichtlinie"),
    ("политик", r"\bполитик"),
    ("سياسه", r"سياسه"),
)
HYPOTHETICAL = _rx(
    (
        "anytime|any time|in case|later on|policy|free of charge",
        r"\b(anytime|any time|in case|later on|policy|free of charge)\b",
    ),
    ("if", r"\bif\b"),
    ("what if", r"\bwhat if\b"),
    ("si|en cualquier momento", r"\b(si|en cualquier momento)\b"),
    ("a tout moment", r"\ba tout moment\b"),
    ("wenn|falls|jederzeit", r"\b(wenn|falls|jederzeit)\b"),
    ("se|a qualquer momento", r"\b(se|a qualquer momento)\b"),
    ("kung|kapag", r"\b(kung|kapag)\b"),
    ("neu|bat cu luc nao", r"\b(neu|bat cu luc nao)\b"),
    ("если|в любой момент", r"\b(если|в любой момент)\b"),
    ("اذا", r"\bاذا\b"),
    ("لو", r"\bلو\b"),
)
# Where a message turns: the refusal before it is scoped to what it named.
# A question without its question mark, as chat writes it: "what would catering for 30 look like".
INTERROGATIVE = re.compile(
    r"^\W*((hi|hello|hey|hiya|yo|ok|okay|so|and|also|hola|bonjour|hallo|oi|ola)\W+)*(what|how|when|which|where"
    r"|can|could|do|does|is|are|will|would|any|que|cuanto|cuanta|como|cuando|donde|tienen|hay|quel|quelle|combien"
    r"|est-ce|was|wie|wann|gibt|habt|haben sie|o que|quanto|quando|tem|voces tem|magkano|ano|paano|may|bao nhieu"
    r"|co|كم|هل|سعر|сколько|как|когда|есть|можно)\b"
)
CLAUSE_BREAK = re.compile(
    fold(
        # Vietnamese "mà" only after a comma: folded, it is French "ma" (my).
        r"(?<=[.!?;\n؟])\s*|,\s*(mais|ma)\s|\s(?:but|however|although|pero|sino|cependant|aber|sondern|mas|porem"
        r"|kaso|kaya lang|nhung|но|а|однако|لكن|بس)\s"
    ),
    re.IGNORECASE,
)
PHRASE_BREAK = re.compile(r"[,:()]")
NEGATION_WINDOW_WORDS = 4

# Counts, not sizes: "3 x", "40 units", "2 bags", "80 guests", but not the "1kg" of "1kg bag".
# The first two declare no literals: digits of any script are no short list, and the units too long a one.
QUANTITY = _rx(
    ("", r"\b\d+\s*[x×](?!\w)"),
    (
        "",
        r"\b\d+\s*(\w+ )?(units?|pcs|pieces?|bags?|boxes|packs?|cases?|bottles?|dozens?|cartons?|pallets?|items?|sets?"
        r"|pairs?"
        r"|guests|people|persons|pax|friends|kids|children|sandwiches|cupcakes|tees|shirts|loaves|bed(room)?s?|rooms?"
        r"|zimmer|habitaciones|ambientes"
        r"|quartos|kwarto|phong|комнат\w*|nights|noches|nuits|nachte|noites|gabi|dem|ноч\w*|ليال\w*"
        r"|unidades|cajas|bolsas|personas|pi[eè]ces|sacs|bo[iî]tes|personnes|stuck|personen|pessoas|unidades|katao"
        r"|nguoi|cai|hop|человек|штук|шт|شخص|قطع)\b",
    ),
    ("the|your|these|those", r"\b\d+ of (the|your|these|those)\b"),
    ("dozen", r"\b(two|three|four|five|ten|\d+) dozen\b"),
)

# --- The business's words -------------------------------------------------------------------------

# An amount with its currency, or a link: a price given, whatever the words around it.
_PRICED = (
    ("$|€|£|₱|₽|¥|₩", r"[$€£₱₽¥₩]\s?\d"),
    ("€|£|₱|₽|$", r"\d\s?[€£₱₽$]"),
    ("r$", r"\br\$\s?\d"),
    ("rs|inr|₹|rm|a$|c$|s$", r"\b(rs\.?|inr|₹|rm|s\$|a\$|c\$)\s?\d"),
    ("rs|inr|rupees|ringgit|baht|rand", r"\d\s?(rs|inr|rupees|ringgit|baht|rand)\b"),
    (
        "usd|eur|gbp|aud|cad|nzd|sgd|myr|idr|inr|php|thb|vnd|zar|ngn|kes|egp|sar|aed|qar|kwd|brl|mxn|cop|ars|clp|pen",
        r"\b(usd|eur|gbp|aud|cad|nzd|sgd|myr|idr|inr|php|thb|vnd|zar|ngn|kes|egp|sar|aed|qar|kwd|brl|mxn|cop|ars|clp"
        r"|pen)\s?\d",
    ),
    ("d|vnd|nghin|ngan|trieu", r"\d\s?(d|vnd|nghin|ngan|trieu)\b(?!\w)"),
    ("ريال|درهم|دينار|جنيه|ليره|الف", r"\d\s?(ريال|درهم|دينار|جنيه|ليره|الف)"),
    ("k", r"\d+k\b(?!\s*(miles|mi|km|kms|followers|views|likes|steps|words|subs))"),
    (
        "usd|eur|euro|dollar|peso|php|reais|brl|руб|ريال|درهم|جنيه|دينار|sar|aed|egp",
        r"\d[\d.,]*\s?(usd|eur|euros?|dollars?|pesos?|php|reais|brl|руб\w*|ريال|درهم|جنيه|دينار|sar|aed|egp)",
    ),
    ("http", r"https?://"),
    ("% off", r"\d+\s?% off\b"),
    ("macht", r"\bmacht (das )?\d"),
)
PRICED = _rx(*_PRICED)
# A price, quote, invoice or payment link: a proposal when it answers a buying question.
OFFER = _rx(
    *_PRICED,
    ("price is", r"\bprice is\b"),
    ("cost", r"\bcosts?\b"),
    ("quot", r"\bquot(e|ation)\b"),
    ("estimate", r"\bestimate\b"),
    ("invoice", r"\binvoice\b"),
    ("payment link", r"\bpayment link\b"),
    ("here's the link", r"\bhere's the link\b"),
    ("total", r"\btotal\b"),
    ("come", r"\bcomes? to\b"),
    ("proposal", r"\bproposal\b"),
    ("precio", r"\bprecio\b"),
    ("cuesta", r"\bcuesta\b"),
    ("sale en", r"\bsale en\b"),
    ("cotizacion", r"\bcotizacion\b"),
    ("presupuesto", r"\bpresupuesto\b"),
    ("factura", r"\bfactura\b"),
    ("prix", r"\bprix\b"),
    ("coute", r"\bcoute\b"),
    ("devis", r"\bdevis\b"),
    ("facture", r"\bfacture\b"),
    ("kostet", r"\bkostet\b"),
    ("kosten", r"\bkosten\b"),
    ("preis", r"\bpreis\b"),
    ("angebot", r"\bangebot\b"),
    ("rechnung", r"\brechnung\b"),
    ("custa", r"\bcusta\b"),
    ("valor", r"\bvalor\b"),
    ("orcamento", r"\borcamento\b"),
    ("fica", r"\bfica (em|por)\b"),
    ("chave pix", r"\bchave pix\b"),
    ("link para pagamento", r"\blink para pagamento\b"),
    ("presyo", r"\bpresyo\b"),
    ("gcash", r"\bgcash\b"),
    ("gia", r"\bgia\b"),
    ("bao gia", r"\bbao gia\b"),
    ("tong", r"\btong\b"),
    ("السعر", r"السعر"),
    ("عرض سعر", r"عرض سعر"),
    ("المجموع", r"المجموع(?![\u0600-\u06ff])"),  # "the total", not "the groups" (المجموعات)
    ("رابط الدفع", r"رابط الدفع"),
    ("стоит", r"\bстоит\b"),
    ("стоимость", r"\bстоимость\b"),
    ("цена", r"\bцена\b"),
    ("сч", r"\bсч[её]т\b"),
    ("итого", r"\bитого\b"),
    ("обойд", r"\bобойд"),
    ("реквизит", r"\bреквизит"),
)
# The business naming a quote or price still to come, or what it needs first ("I'll send you a quote",
# "le paso la cotización", "send a photo so I can give you a price"): no proposal yet, unless the
# same line gives an amount or a link (PRICED).
OFFER_TO_COME = _rx(
    (
        "quote|estimate|price|pricing|invoice|proposal",
        r"\b(i'll|i will|we'll|we will|let me|to give you|so (that )?(i|we) can|once (i|we)|as soon as)\b[^.!?]{0,90}"
        r"\b(quote|estimate|price|pricing|invoice|proposal)\b",
    ),
    (
        "cotizacion|presupuesto|precio|factura",
        r"\b((le|te) (paso|envio|mando|enviare)|para (darle|darte|pasarle|pasarte|cotizar)|dejeme|dejame)\b.{0,50}"
        r"\b(cotizacion|presupuesto|precio|factura)\b",
    ),
    (
        "orcamento|valor|preco",
        r"\b(vou (te |lhe )?(mandar|enviar|passar|fazer)|te (mando|passo)|para (te |lhe )?(passar|mandar|enviar|fazer))"
        r"\b.{0,40}\b(orcamento|valor|preco)\b",
    ),
    (
        "devis|prix|facture|offre",
        r"\b(je vous (envoie|enverrai|ferai|prepare)|je (vais|peux) vous (envoyer|faire|preparer)"
        r"|pour vous (faire|donner|envoyer))\b.{0,40}\b(devis|prix|facture|offre)\b",
    ),
    (
        "angebot|preis|rechnung",
        r"\b(schicke ich|sende ich|ich (schicke|sende|werde)|um (ihnen|dir))\b.{0,40}\b(angebot|preis|rechnung)\b",
    ),
    ("bao gia", r"\b(de (em|minh|shop|ben em)|se) bao gia\b"),
    (
        "depends|depend|depende|hangt|зависит",
        r"\b(price|pricing|cost|precio|preco|valor|prix|preis|цена|стоимость)\b[^.!?]{0,25}\b(depends|depende|depend"
        r"|hangt|зависит)\b",
    ),
    ("цен|стоимост|счет|расчет", r"\b(пришлю|отправлю|скину|рассчитаю)\b.{0,40}\b(цен|стоимост|счет|расчет)"),
)
# The business confirming a payment, an order or a booking: the sale is made.
# In the business's answer to a price question, an amount without its currency: "72,990 po cash", "35 each".
BARE_AMOUNT = _rx(
    ("", r"(?<![\d:])\d{1,3}([,.]\d{3})+(?![\d:])"),
    (
        "each|per|total|only|lang|pesos|euro|dollars|bucks|reais|soles|rubles|dirham",
        r"\b\d+([.,]\d{2})? (po )?(each|per|total|only|lang|pesos|euros?|dollars|bucks|reais|soles|rubles|dirhams?)\b",
    ),
)
# Samples asked for: interest in the product, not an order of it.
SAMPLES = _rx(
    (
        "sample|samples|amostra|amostras|muestra|muestras|echantillon|probe|proben|пробник|mau thu|عينه|عينات",
        r"\b(samples?|amostras?|muestras?|echantillons?|proben?|пробник\w*|mau thu)\b|عينه|عينات",
    ),
)
# "See you Tuesday": a booking confirmed only when the customer asked for one; else a goodbye.
SEE_YOU = _rx(
    ("see you then", r"\bsee you then\b"),
    ("see you", r"\bsee you (on )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|there)\b"),
)
PAGE_CONFIRMED = _rx(
    ("booked", r"(?<!fully )\bbooked\b(?! up)"),
    ("you're|you are", r"\b(you're|you are) (all )?(booked|set|confirmed)\b"),
    (
        "confirmed|reserved",
        r"\b(order|booking|reservation|appointment|payment|everything|spot|place)\b[^.!?]{0,40}\b(confirmed"
        r"|reserved)\b",
    ),
    ("payment received", r"\bpayment received\b"),
    ("order|payment", r"\b(got|received) your (order|payment)\b"),
    ("all paid", r"\ball paid\b"),
    ("видим оплату", r"\bвидим оплату\b"),
    ("оплата пришла", r"\bоплата пришла\b"),
    ("получили оплату", r"\bполучили оплату\b"),
    ("payment|transfer|deposit|money", r"\b(received|got) (your|the) (payment|transfer|deposit|money)\b"),
    ("thanks for", r"\bthanks for (your|the) (payment|transfer|deposit)\b"),
    ("received", r"\bwe('ve| have) received (it|your|the payment)\b"),
    ("ships|shipping", r"\b(ships|shipping) (today|tomorrow)\b"),
    ("shipped|dispatched", r"\b(has been|was) (shipped|dispatched)\b"),
    ("we've|we have", r"\b(we've|we have) (put|got|pencilled|penciled|booked) you (in|down)\b"),
    ("is yours", r"\bis yours\b"),
    ("reserved for you", r"\breserved for you\b"),
    ("your order", r"\byour order (is|has been) (placed|in|booked)\b"),
    ("encomenda confirmad", r"\bencomenda confirmad"),
    ("with your name on it", r"\bwith your name on it\b"),
    ("locked in", r"\blocked in\b"),
    ("added|done|sorted", r"\b(added|done|sorted)\s?[✅✔☑]"),  # a tick on the order asked for
    ("recebemos", r"^\W*recebemos\b"),
    (
        "scheduled|booked",
        r"\b(scheduled|booked) (you )?(in )?(for|on) (mon|tue|wed|thu|fri|sat|sun|tomorrow|next|the \d|\d)",
    ),
    ("nos vemos", r"\bnos vemos (el|este|manana)\b"),
    ("received|placed", r"\border (received|placed)\b"),
    ("done|sorted|consider it done", r"^\W*(done|sorted|consider it done)\b(?!.*([$€£₱₽]\s?\d|https?://))"),
    ("welcome aboard", r"\bwelcome aboard\b"),
    ("enrolled|registered", r"\b(is|are|you're|you are|officially) (now )?(officially )?(enrolled|registered)\b"),
    (
        "reserved|saved|held|set aside|put aside",
        r"\b(reserved|saved|held|set aside|put aside) (under|in|for) (your name|you)\b",
    ),
    ("votre nom", r"\b(a|sous) votre nom\b"),
    ("nombre", r"\b(a|en) (su|tu) nombre\b"),
    ("em seu nome", r"\bem seu nome\b"),
    ("auf ihren namen", r"\bauf ihren namen\b"),
    ("на ваше имя", r"\bна ваше имя\b"),
    ("отложил", r"\bотложил\w* для вас\b"),
    ("enregistre", r"\b(c'est |bien )?enregistre(e|es|s)?\b"),
    ("anotad|registrad", r"\b(anotad[oa]|registrad[oa])\b"),
    ("notiert", r"\bnotiert\b"),
    ("naka", r"\bnaka-?(book|reserve|sched) na\b"),
    ("da ghi nhan", r"\bda ghi nhan\b"),
    ("الحجز|التسجيل", r"تم (الحجز|التسجيل)"),
    ("apartad", r"\bapartad[oa]s?\b"),
    ("len don", r"\b(da )?len don\b"),
    ("esperamos", r"\b(te|los|las|lo|la) esperamos\b"),
    ("agendad", r"\bagendad[oa]\b"),
    ("on vous attend", r"\bon vous attend\b"),
    ("eingetragen", r"\b(fest )?eingetragen\b"),
    ("записали вас", r"\bзаписали вас\b"),
    ("вы записаны", r"\bвы записаны\b"),
    ("lich", r"\bda (xac nhan|len) lich\b"),
    ("c'est", r"\bc'est (note|reserve)\b"),
    ("c'est regle", r"\bc'est regle\b"),
    ("pago recibido", r"\bpago recibido\b"),
    ("recibimos", r"\brecibimos (tu|su|el) pago\b"),
    ("confirmad", r"\b(pedido|reserva|cita)\b[^.!?]{0,40}\bconfirmad"),
    ("paiement recu", r"\bpaiement recu\b"),
    ("bien recu", r"\bbien recu\b"),
    ("confirme", r"\b(commande|reservation|rendez-vous)\b[^.!?]{0,40}\bconfirme"),
    ("eingegangen|erhalten", r"\bzahlung (ist )?(eingegangen|erhalten)\b"),
    ("bestatigt", r"\b(bestellung|buchung|reservierung|termin)\b[^.!?]{0,40}\bbestatigt\b"),
    ("uberweisung", r"\buberweisung (ist )?eingegangen\b"),
    ("geld ist angekommen", r"\bgeld ist angekommen\b"),
    ("pagamento", r"\bpagamento (recebido|confirmado)\b"),
    ("recebemos", r"\brecebemos (o|seu) (pagamento|pix)\b"),
    ("pix recebido", r"\bpix recebido\b"),
    ("confirmad", r"\b(pedido|reserva|agendamento)\b[^.!?]{0,40}\bconfirmad"),
    ("natanggap na", r"\bnatanggap na (po )?(namin|ko)\b"),
    ("natanggap na po", r"\bnatanggap na po\b"),
    ("natanggap na", r"\bnatanggap na (namin )?(po )?(ang |yung )?(bayad|payment)\b"),
    ("confirmed na", r"\bconfirmed na (po )?(ang |yung )?(order|booking|appointment)\b"),
    ("received", r"\breceived (na )?po\b"),
    ("da nhan", r"\bda nhan (duoc )?(tien|thanh toan|chuyen khoan)\b"),
    ("da nhan duoc", r"\bda nhan duoc\b"),
    (
        "accepted",
        r"\b(accepted (your|the) (offer|order|booking|application)|(offer|order|booking|application) (was |has"
        r" been |is )?accepted)\b",
    ),
    ("valide", r"\b(commande|reservation|inscription|rdv|rendez-vous) (est )?validee?s?\b"),
    ("nhan", r"\bnhan (duoc )?(coc|tien|thanh toan)\b"),
    ("don hang", r"\bdon hang (da duoc )?xac nhan\b"),
    ("xac nhan dat", r"\bxac nhan dat\b"),
    ("تم استلام", r"تم استلام (الدفع|المبلغ|التحويل)"),
    ("وصلنا المبلغ", r"وصلنا المبلغ"),
    ("وصلنا", r"\bوصلنا\b"),
    ("المبلغ|التحويل", r"\bوصل(ت)? (المبلغ|التحويل)"),
    ("заказ оформлен", r"\bзаказ оформлен\b"),
    ("оформили заказ", r"\bоформили заказ\b"),
    ("ждем вас", r"\bждем вас\b"),
    ("تم تاكيد", r"تم تاكيد (الطلب|الحجز)"),
    ("оплат", r"\bоплат(у|а) получ"),
    ("деньги пришли", r"\bденьги пришли\b"),
    ("заказ подтвержд", r"\bзаказ подтвержд"),
    ("бронь подтвержд", r"\bбронь подтвержд"),
    ("подтвержд", r"\bзапись\b.*\bподтвержд"),
)

# The business asking to be paid: a bare "done" from the customer right after it is a payment.
PAYMENT_REQUEST = _rx(
    ("payment link", r"\bpayment link\b"),
    ("pay here", r"\bpay here\b"),
    ("details|account|transfer", r"\bbank (details|account|transfer)\b"),
    ("account", r"\baccount (number|no)\b"),
    ("iban", r"\biban\b"),
    ("pay", r"\bpay (via|through|using|at|here|by)\b"),
    ("cash", r"\bcash ?app\b"),
    ("alias|cbu|cvu", r"\b(alias|cbu|cvu)\b"),
    ("cashtag", r"\bcashtag\b"),
    ("link to pay", r"\blink to pay\b"),
    ("gcash", r"\bgcash\b"),
    ("paymaya", r"\bpaymaya\b"),
    ("pix", r"\bpix\b"),
    ("transfer", r"\btransfer (it )?to\b"),
    ("venmo", r"\bvenmo\b"),
    ("zelle", r"\bzelle\b"),
    ("paypal", r"\bpaypal\b"),
    ("link de pago", r"\blink de pago\b"),
    ("bancarios|para la transferencia", r"\bdatos (bancarios|para la transferencia)\b"),
    ("lien de paiement", r"\blien de paiement\b"),
    ("coordonnees bancaires", r"\bcoordonnees bancaires\b"),
    ("rib", r"\brib\b"),
    ("bankdaten", r"\bbankdaten\b"),
    ("bankverbindung", r"\bbankverbindung\b"),
    ("zahlungslink", r"\bzahlungslink\b"),
    ("pagamento", r"\blink (de|para) pagamento\b"),
    ("chuyen khoan", r"\bchuyen khoan\b"),
    ("stk", r"\bstk\b"),
    ("so tai khoan", r"\bso tai khoan\b"),
    ("реквизит", r"\bреквизит"),
    ("номер карты", r"\bномер карты\b"),
    ("رابط الدفع", r"رابط الدفع"),
    ("رقم الحساب", r"رقم الحساب"),
)
DONE = _rx(
    (
        "done|sent|all done|transferred|listo|hecho|ya esta|c'est fait|fait|erledigt|gemacht|feito"
        "|pronto|prontinho|ok na|sent na|done na|ist raus|raus|xong|xong roi|da xong|готово|сделано|отправил"
        "|تم|خلاص",
        r"^\W*(ok(ay)?,? )?(done|sent|all done|transferred|listo|hecho|ya esta|c'est fait|fait|erledigt|gemacht|feito"
        r"|pronto|prontinho"
        r"|ok na|sent na|done na|ist raus|raus|xong|xong roi|da xong|готово|сделано|отправил[аи]?|تم|خلاص)\b(?!\s*\?)",
    )
)
# "Confirmed" in the business's words, unless it is a condition ("once payment is confirmed") or a question.
CONFIRMED_WORD = _rx(
    (
        "confirme|confirmed|confirmad|bestatigt|xac nhan|подтвержден|kumpirmado|marcad|agendad|reservad|reserved"
        "|angemeldet|eingetragen|reserviert|gebucht",
        r"\b(confirmed|confirmad[oa]s?|confirmee?s?|bestatigt|xac nhan|подтвержден\w*|kumpirmado|marcad[oa]s?"
        r"|agendad[oa]s?|reservad[oa]s?|reserved|angemeldet|eingetragen|reserviert|gebucht)\b",
    ),
    ("تم تاكيد", r"تم تاكيد"),
    ("موكد", r"موكد"),
)
CONDITION = _rx(
    (
        "once|when|after|as soon as|if|until|before|cuando|una vez|si|quand|des que|une fois|apres"
        "|sobald|wenn|nachdem|quando|assim que|depois|pag|kapag|khi|sau khi|neu|когда|как только"
        "|после|если|عندما|بعد|اذا",
        r"\b(once|when|after|as soon as|if|until|before|cuando|una vez|si|quand|des que|une fois|apres|sobald|wenn"
        r"|nachdem"
        r"|quando|assim que|depois|pag|kapag|khi|sau khi|neu|когда|как только|после|если|عندما|بعد|اذا)\b",
    )
)

# A payment, booking or receipt promised or made conditional ("I'll pay friday when I get paid") has not happened.
PROMISE = _rx(
    (
        "will|'ll|gonna|going to|when i|once i|as soon as|tomorrow|later|next week|voy a|vamos a|je vais|werde"
        "|vou|bukas|mamaya|буду|завтра|سوف|بكره|بكرة|manana|demain|morgen|amanha",
        r"\b(will|'ll|gonna|going to|when i|once i|as soon as|tomorrow|later|next week|voy a|vamos a|je vais|werde"
        r"|vou|bukas|mamaya|буду|завтра|سوف|بكره|بكرة|manana|demain|morgen|amanha)\b",
    )
)

# Unsolicited pitches: a link with one of these, or three of them, is spam.
PITCH = _rx(
    ("boost|grow|increase|double|triple", r"\b(boost|grow|increase|double|triple) (your|the)\b"),
    ("marketing", r"\bmarketing\b"),
    ("free trial", r"\bfree trial\b"),
    ("% more", r"\b\d+\s?% more\b"),
    ("%", r"\bby \d+\s?%"),
    ("followers|leads|traffic|engagement", r"\b(followers|leads|traffic|engagement)\b"),
    ("our", r"\bour (tool|service|services|agency|platform|app|team)\b"),
    ("help|offer|provide|can help", r"\bwe (help|offer|provide|can help) (businesses|brands|pages|companies|you)\b"),
    ("sign up|apply|join|register", r"\b(sign up|apply|join|register) now\b"),
    ("limited", r"\blimited (time|offer)\b"),
    ("guarantee", r"\bguarantee"),
    ("profit|income|earn|earnings", r"\b(profit|income|earn|earnings)\b"),
    ("invest|investment", r"\b(investment|invest)\b"),
    ("loan", r"\bloans?\b"),
    ("crypto", r"\bcrypto"),
    ("whatsapp", r"\bwhatsapp\b"),
    ("now", r"\b(message|dm|contact) (me |us )?now\b"),
    ("cheap prices", r"\bcheap prices\b"),
    ("earn", r"\bearn (money|cash)\b"),
    ("no experience", r"\bno experience\b"),
    ("we help", r"\bwe help \w+( \w+)? (get|grow|increase|boost|reach|rank)\b"),
    ("reviews", r"\b(google|5-star|five star) reviews\b"),
    ("sales|customers|clients|followers|leads", r"\b(want|need) more (sales|customers|clients|followers|leads)\b"),
    ("build|design|make|create", r"\bi (build|design|make|create) (websites|stores|apps|logos|shopify)"),
    ("check", r"\bcheck (out )?my\b"),
    ("visit", r"\bvisit (my|our)\b"),
    ("follow", r"\bfollow (me|us|my|our)\b"),
    ("portfolio|shopify", r"\b(portfolio|shopify)\b"),
    ("promo", r"\bpromo(tion)? code\b"),
    ("collab", r"\bcollab(oration)?\b"),
    ("dm me|message me", r"\b(dm|message) me\b"),
    ("seo", r"\bseo\b"),
)
LINK = _rx(
    ("http", r"https?://"),
    ("www.", r"\bwww\."),
    ("com|net|io|ly|example|xyz|online|site", r"\b\w+\.(com|net|io|ly|example|xyz|online|site)/?\b"),
)

# Questions about the place itself are not buying signals: "do you have parking?", "are you open Mondays?".
AMENITY = _rx(
    (
        "parking|wifi|wi-fi|toilet|bathroom|restroom|wheelchair|opening hours|address|location|located",
        r"\b(parking|wifi|wi-fi|toilets?|bathrooms?|restrooms?|wheelchair|opening hours|address|location|located)\b",
    ),
    ("loyalty", r"\bloyalty (program|programme|card|scheme)\b"),
    (
        "changing room|locker|lift|elevator|seating|toilet|restroom|playground",
        r"\b(changing rooms?|lockers?|lift|elevator|seating|toilet|restroom|playground)\b",
    ),
    ("shower", r"(?<!baby )\bshowers?\b"),
    ("store|shop|branch|location|studio", r"\b(store|shop|branch|location|studio) (in|near)\b"),
    ("physical", r"\bphysical (store|shop)\b"),
    (
        "tiktok|instagram|facebook|website|social media|youtube|newsletter|hiring|job|jobs|vacancies",
        r"\b(tiktok|instagram|facebook|website|social media|youtube|newsletter|hiring|job|jobs|vacancies)\b",
    ),
    ("open|opens|close|closes|closed|opening|closing", r"\b(open|opens|close|closes|closed|opening|closing)\b"),
    (
        "abren|cierran|ouvert|ouvre|ferme|geoffnet|offnet|abrem|fecham",
        r"\b(abren|cierran|ouvert|ouvre|ferme|geoffnet|offnet|abrem|fecham)\b",
    ),
    (
        "bukas|sarado|mo cua|dong cua|открыт|закрыт|работаете",
        r"\b(bukas|sarado|mo cua|dong cua|открыт\w*|закрыт\w*|работаете)\b",
    ),
    ("تفتحون|مفتوح", r"(تفتحون|مفتوح)"),
    (
        "estacionamiento|aparcamiento|banos|horario|direccion|ubicacion",
        r"\b(estacionamiento|aparcamiento|banos|horario|direccion|ubicacion)\b",
    ),
    ("toilettes|horaires|adresse", r"\b(toilettes|horaires|adresse)\b"),
    ("parkplatz|parkplatze|offnungszeiten|adresse", r"\b(parkplatz|parkplatze|offnungszeiten|adresse)\b"),
    ("estacionamento|endereco", r"\b(estacionamento|endereco)\b"),
    ("paradahan", r"\b(paradahan)\b"),
    ("cho dau xe|bai do xe|dia chi", r"\b(cho dau xe|bai do xe|dia chi)\b"),
    ("парковк|адрес|часы работы", r"\b(парковк\w*|адрес|часы работы)\b"),
    ("موقف", r"موقف"),
    ("عنوان", r"عنوان"),
    ("مواعيد", r"مواعيد"),
)

# Haggling words: an objection with one of these is a counter-offer, not a refusal.
NEGOTIATE = _rx(
    (
        "discount|lower|best price|can you do|could you do|would you do|would you take|would you accept|meet me|deal",
        r"\b(discount|lower|best price|(can|could|would) you do|would you (take|accept)|meet me|deal)\b",
    ),
    ("descuento|rebaja|remise|rabatt|desconto|tawad", r"\b(descuento|rebaja|remise|rabatt|desconto|tawad)\b"),
    ("giam gia|bot", r"\b(giam gia|bot)\b"),
    ("скидк", r"\bскидк"),
    ("خصم", r"خصم"),
)

# A refund or reimbursement claimed from an insurer, a health plan or an employer, for which the
# business is asked only a receipt: no refund of the business's sale.
REFUND_ELSEWHERE = _rx(
    (
        "insurance|insurer|health plan|employer|seguro|plano|convenio|mutuelle|versicherung|krankenkasse|страхов|تامين",
        r"\b(insurance|insurer|health plan|employer|seguro|plano|convenio|mutuelle|versicherung|krankenkasse"
        r"|страхов\w*|تامين)\b",
    ),
)

# Still choosing, with this business among the choices ("narrowed it down to you and one other
# place"): the other one named is no refusal yet.
STILL_CHOOSING = _rx(
    ("narrowed", r"\bnarrowed (it |things )?down to\b"),
    ("deciding between|choosing between", r"\b(deciding|choosing) between\b"),
    ("between you and", r"\bbetween you and\b"),
    ("shortlist", r"\b(you're|you are|your \w+ is) on (our|my) shortlist\b"),
    (
        "entre ustedes y|entre voces e|entre vous et|zwischen euch und|zwischen ihnen und",
        r"\b(entre ustedes y|entre voces e|entre vous et|zwischen (euch|ihnen) und)\b",
    ),
)

# An automatic acknowledgement (an away message, "we'll get back to you soon"): the business has
# not answered yet, whatever it says around it.
AUTO_REPLY = _rx(
    (
        "get back to you|reply|respond|answer",
        r"\b(we'll|we will|we'd|we shall|someone will|a member of our team will)\b[^.!?]{0,30}\b(get back to you"
        r"|reply|respond|answer)\b[^.!?]{0,20}\b(as soon as (we can|possible)|shortly|soon|asap)\b",
    ),
    (
        "get back to you|reply|respond",
        r"^\W*(hi|hello|hey)?\W*(there)?\W*(thanks|thank you) for (messaging|your message|contacting|reaching out)\b"
        r".{0,80}\b(get back to you|reply|respond)\b",
    ),
    ("استلمنا رسالتك|وصلتنا رسالتك", r"(استلمنا|وصلتنا) رسالتك"),
    ("responderemos|te responderemos|le responderemos|responderemos", r"\b(te |le )?responderemos\b"),
    ("responderemos|retornaremos", r"\b(responderemos|retornaremos) (o mais rapido|em breve|assim que)"),
    ("nous vous repondrons|nous reviendrons", r"\bnous (vous repondrons|reviendrons vers vous)\b"),
    ("melden uns|antworten", r"\bwir (melden uns|antworten) (so schnell wie moglich|in kurze|bald)"),
    ("ответим", r"\bответим (вам )?(в ближайшее время|как можно скорее|скоро)\b"),
    ("se phan hoi|se tra loi", r"\bse (phan hoi|tra loi) (ban |chi |anh )?(som|ngay)"),
)

# "Thanks, but ..." without anything asked for after it: a polite no.
THANKS_BUT = _rx(
    (
        "thanks|thank you|thx|appreciate it|much appreciated|gracias|merci|je vous remercie|danke"
        "|obrigad|valeu|salamat|cam on|спасибо|شكرا",
        r"^\W*(ok(ay)?,? )?(thanks|thank you|thx|appreciate it|much appreciated|gracias|merci|je vous remercie|danke"
        r"|obrigad[oa]|valeu|salamat|cam on|спасибо|شكرا)\b(\W+\w+){0,5}?\W*\s(but|pero|mais|aber|mas|kaso|nhung|но|بس"
        r"|لكن)\b",
    )
)

# "In the end ..." with nothing asked for after it: they went another way.
IN_THE_END = _rx(
    (
        "al final|finalmente|finalement|au final|in the end|eventually|ended up|am ende|letztendlich|no fim|no final"
        "|sa huli|cuoi cung|в итоге|в конце концов",
        r"\b(al final|finalmente|finalement|au final|in the end|eventually|ended up|am ende|letztendlich|no fim"
        r"|no final|sa huli|cuoi cung|в итоге|в конце концов)\b",
    )
)

# Thanking for a quote is no request for one: "thanks for the quote, but ...".
THANKS_FOR_OFFER = _rx(
    (
        "thanks|thank you|gracias|merci|danke|obrigad|salamat|cam on|спасибо|شكرا",
        r"\b(thanks|thank you|gracias|merci|danke|obrigad[oa]|salamat|cam on|спасибо|شكرا)\b.{0,15}\b(quote|estimate"
        r"|offer|proposal"
        r"|info|information|price|prices|cotizacion|presupuesto|devis|offre|angebot|orcamento|proposta|bao gia"
        r"|предложение|расчет)",
    )
)

# The customer answered their own question: a "never mind" then closes the question, not the deal.
RESOLVED = _rx(
    ("found", r"\bfound (it|the answer|the info|what i (needed|was looking for))\b.{0,20}\b(on|in) your\b"),
    ("figured it out", r"\bfigured it out\b"),
    ("sorted it", r"\bsorted it (out|myself)\b"),
    ("found the answer", r"\bfound the answer\b"),
    ("encontre la respuesta", r"\bencontre la respuesta\b"),
    ("trouve la reponse", r"\btrouve la reponse\b"),
)
