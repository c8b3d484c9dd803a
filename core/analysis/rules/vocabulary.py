"""What the rules analyzer recognises: intents, their meaning for the funnel, and the words that signal them.

Text and patterns are compared normalised (`normalise`): case-folded, accents and diacritics dropped
("remboursé" -> "rembourse", "überwiesen" -> "uberwiesen", "đã chuyển khoản" -> "da chuyen khoan",
"أريد" -> "اريد"), so patterns are written once, plainly, and match every spelling. Stems match
inflections ("rembours" covers remboursé, remboursement, rembourser).

Languages: English, Spanish, French, German, Portuguese, Tagalog, Vietnamese, Arabic and Russian, for
every signal listed here (price, quote, booking, purchase, payment, refund, cancellation, complaint,
opt-out, refusal, spam, and the business's offers and confirmations).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import IntEnum, StrEnum


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
    Intent.SPAM, Intent.REFUND, Intent.CANCEL, Intent.OPT_OUT, Intent.REFUSAL, Intent.PRICE_OBJECTION,
    Intent.ELSEWHERE, Intent.NEVERMIND, Intent.COMPLAINT,
)
# Objections that are haggling when asked ("cheaper elsewhere, can you match it?"), a refusal when stated.
OBJECTIONS = (Intent.PRICE_OBJECTION, Intent.ELSEWHERE)
# Turning something down that a later clause of the same message then asks about ("not interested in
# the decaf, but is the espresso available?") refuses that thing only, not the business; a problem
# followed by a request ("my screen is cracked, can you fix it?") is what the customer wants done.
SCOPED_REFUSALS = (
    Intent.REFUSAL, Intent.OPT_OUT, Intent.CANCEL, Intent.PRICE_OBJECTION, Intent.ELSEWHERE, Intent.NEVERMIND,
    Intent.COMPLAINT,
)
# Negated, these say nothing: "I haven't paid yet", "please don't cancel", "no refund needed".
NEGATABLE = (
    Intent.PAYMENT, Intent.RECEIVED, Intent.BOOKED, Intent.REFUND, Intent.CANCEL, Intent.PURCHASE, Intent.BOOKING,
    Intent.COMPLAINT,
)


# --- Normalising --------------------------------------------------------------------------------

# Letters that carry no combining mark to drop, and Arabic spelling variants.
_FOLD = str.maketrans({
    "đ": "d", "ð": "d", "ø": "o", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i",
    "ى": "ي", "ة": "ه", "ـ": None, "’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'",
})


def fold(text: str) -> str:
    """Accents and diacritics off, spelling variants merged; case is left alone (patterns are regexes)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_FOLD)


# Chat spellings, so that patterns need one spelling: "do u ship", "pls".
_SLANG = [(re.compile(rf"\b{short}\b"), full) for short, full in (
    ("u", "you"), ("ur", "your"), ("pls", "please"), ("plz", "please"), ("im", "i'm"), ("thx", "thanks"),
    ("ty", "thanks"),
)]


def normalise(text: str) -> str:
    """Text as patterns see it: folded, lower case, one space between words, chat spellings expanded."""
    text = " ".join(fold(text.casefold()).split())
    for short, full in _SLANG:
        text = short.sub(full, text)
    return text


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(fold(a) for a in alternatives), re.IGNORECASE)


# --- The contact's words --------------------------------------------------------------------------

PATTERNS: dict[Intent, re.Pattern[str]] = {
    Intent.SPAM: _rx(
        r"\b(earn|make) \$?\d[\d,]*\s*(usd|dollars?)?\s*(a|per|/)\s*(day|week|hour)", r"\$\d+/(day|week)",
        r"\bclick (here|this link|the link|below)\b", r"\bbit\.ly/", r"\btinyurl\.",
        r"\bcongratulations\b.*\b(won|winner|selected)\b",
        r"\bseo (expert|services?|package)\b",
        r"\b(grow|boost|increase) (your )?(followers|likes|page|sales|traffic|engagement)\b",
        r"\b(cheap|real|buy) (followers|likes)\b", r"\b(crypto|bitcoin|forex|binary options?)\b",
        r"\binvestment (opportunity|plan)\b", r"\bpassive income\b", r"\bwork from home\b",
        r"\byour (facebook |fb |instagram |ig )?(page|account) (will be|has been|is) (disabled|suspended|restricted"
        r"|deleted|banned)\b",
        r"\bcopyright (violation|infringement)\b", r"\bappeal (here|now)\b",
        r"\bverify your (page|account)\b", r"\bweb ?design services\b",
        r"\bdigital marketing (services|agency|expert)\b",
        r"\bpromote your (page|business|products?|brand)\b", r"\breply yes\b", r"\bpartner program\b",
        r"\bmake \$+", r"\bdear (business|page|shop|store) owner\b", r"\bbusiness proposal\b",
        r"\bwe buy \w+ for cash\b", r"\binstant offer\b",
        r"\bwe provide \w+( \w+)? (developers|services|staff|workers|leads)\b",
        r"\bscale your (agency|business|company)\b",
        r"\breply for (cvs|details|more|info|prices)\b", r"\bkindly reply\b",
        r"\b(you've|you have) been (chosen|selected)\b", r"\bwin an? \$?\d", r"\bclick to (enter|claim|win)\b",
        r"\bclaim (now|your|it)\b", r"\bfree (iphone|gift|prize|samsung)\b", r"\binherit",
        r"\b(send|share) your bank details\b", r"\bbarrister\b", r"\b\d+(\.\d+)? million\b",
        r"\bour (company|agency|firm) (offers|provides)\b",
        r"\b(premium|qualified) leads\b", r"\bwe run (\w+ )?ads\b", r"\bi sell\b", r"\bbest prices? in town\b",
        r"\bdm (me )?for\b",
        r"\bprice list\b",
        r"\bwe (are|'re) an? \w+ (dealer|distributor|supplier|manufacturer|wholesaler)\b", r"\bwholesale prices\b",
        r"\bcontact us for\b", r"\bour (catalogue|catalog)\b",
        r"\b(stock|carry|resell) our (products?|supplements|brand|items|range)\b",
        r"\b(huge|high|great) margins\b",
        r"\blooking for (partners|resellers|distributors)\b", r"\breply to claim\b", r"\b(seo|website) errors\b",
        r"\b\d[\d,.]*k? (followers|likes|views)\b", r"\bearn (money|cash|\$)",
        r"\$\d+ (daily|a day|per day)\b",
        r"\bno experience (needed|required)\b", r"\b(business |personal )?loans?\b.*\b(approval|apply|offer)\b",
        r"\binstant approval\b",
        r"\b(i am|i'm|this is) \w+ from \w+\b.*\b(we (provide|offer|help)|our services)\b", r"\bjoin my team\b",
        r"\bdm me (the word|for|now)\b", r"\b(money|income|cash) from home\b",
        r"\b(we are|we're|i am|i'm) an? (digital|marketing|seo|web|ads?|social media|growth) (agency|expert"
        r"|marketer|company|specialist|team)\b",
        r"\b(run|manage) your (ads|social media|page)\b", r"\b\d+x more (customers|sales|followers|leads|clients)\b",
        r"\bmore (customers|clients|leads|sales|followers) (for|to) your (page|business|shop)\b",
        r"\bgana dinero\b", r"\bgagne[rz]? de l'argent\b", r"\bgeld verdienen\b", r"\bganhe dinheiro\b",
        r"\bkumita ng\b", r"\bkiem tien\b", r"اربح", r"\bзаработ(ок|ать) от\b",
    ),
    Intent.REFUND: _rx(
        r"\brefund", r"\bmoney back\b", r"\bmy money (back|returned)\b", r"\b(deposit|payment|money) back\b",
        r"\bmoney returned\b", r"\b(return|give back) my money\b", r"\bchargeback\b",
        r"\breturn (it|this|them|the|my)\b", r"\bwant to return\b",
        r"\breembols", r"\bdevoluci", r"\bdevuelvan\b", r"\bdevolver(la|lo|las|los)\b", r"\breintegr",
        r"\bdevolver (el|mi) dinero\b",
        r"\brembours",
        r"\bruckerstatt", r"\berstatt", r"\bgeld zuruck\b", r"\bzuruckerstatt",
        r"\bestorno\b", r"\bdevolucao\b", r"\bdevolver o (meu )?dinheiro\b", r"\bdinheiro de volta\b",
        r"\bibalik (nyo|niyo|ninyo|ang|yung) (pera|bayad)\b", r"\bisauli\b",
        r"\bhoan (lai )?tien\b", r"\btra lai tien\b",
        r"استرداد", r"استرجاع", r"استرد", r"(ابغى|ابي|اريد|عايز) فلوسي", r"(ارجعه|ارجاعه|ارجعها)",
        r"ارجاع (المبلغ|الفلوس)",
        r"رجع(وا)? (فلوسي|المبلغ)",
        r"\bвозврат", r"\bверн(ите|уть|ете)\b(\W+\w+){0,2}\W+(деньги|средства)\b",
    ),
    Intent.CANCEL: _rx(
        r"cancel", r"\bannul", r"\bstornier", r"\babsagen\b", r"\bhuy (don|lich|dat|hen|ban|giup)\b",
        r"\bhuy\b(?! dang ky)",
        r"(ا|إ)لغاء", r"\bالغي\b", r"\bотмен",
    ),
    Intent.OPT_OUT: _rx(
        r"\bunsubscribe\b", r"\bopt(ed)? out\b", r"\bremove me\b", r"\bstop adding me\b",
        r"\bremove my (email|number|details|address)\b",
        r"\bstop (calling|emailing|texting|messaging)( and \w+ing)?( me)?\b", r"\btake me off\b",
        r"\b(off|from) (your|the) (mailing )?list\b", r"\bleave me alone\b",
        r"\b(don't|do not) want (to (receive|get) )?(any )?more (messages|texts)\b",
        r"\bno more (messages|texts|spam|emails)\b",
        r"\bstop (messaging|texting|sending|contacting|spamming|writing|messaging me)\b",
        r"^\W*(please,? )?stop( please)?\W*$",
        r"\b(don't|do not|dont) (message|contact|text|write to|send me|dm) ?(me|us)?\b",
        r"\bno me (escriban|manden|envien|contacten|escribas)( mas)?\b", r"\bdejen de (escribir|enviar|mandar)",
        r"\bdar(me)? de baja\b",
        r"\barret(ez|e) de m'(ecrire|envoyer)", r"\bne m'(ecrivez|envoyez) plus\b", r"\bdesabonn", r"\bdesinscri",
        r"\bplus de messages\b", r"\b(veux|veut) plus recevoir\b", r"\bno (quiero|deseo) recibir\b",
        r"\bне хочу получать\b",
        r"\b(schreiben|kontaktieren) sie mich nicht mehr\b", r"\bschreibt mir nicht mehr\b", r"\bhort auf\b",
        r"\babmelden\b",
        r"\babbestell", r"\b(aus (ihrem|dem|eurem) verteiler|entfernen sie mich|austragen)\b", r"\bretirez-moi\b",
        r"\b(saquenme|borrenme|eliminenme) de\b", r"\bme (tire|tirem|remova|removam) da\b", r"\bудалите меня\b",
        r"(احذفوني|احذف رقمي)", r"\bkeine (nachrichten|werbung|mails|e-mails) mehr\b",
        r"\bnicht mehr (schreiben|kontaktieren|anschreiben)\b",
        r"\bpar(em|e|a) de (me )?(mandar|enviar|escrever)", r"\bnao me (mandem|enviem|escrevam|mande) mais\b",
        r"\bdescadastr", r"\bnao quero (mais )?receber\b",
        r"\b(wag|huwag) (nyo|niyo|mo) na (po )?(akong|ako|kami) (i-?message|i-?text|padalhan|istorbohin|chat)",
        r"\btigil(an)? (nyo|niyo|na)\b",
        r"\bdung (nhan|gui|lam phien)", r"\bhuy dang ky\b",
        r"توقف(وا)? عن (مراسلتي|الارسال|ارسال)", r"لا (ترسل|ترسلوا|تراسلني|تراسلوني)", r"لا تراسلني", r"الغاء الاشتراك",
        r"\bне пишите\b", r"\bбольше не (пишите|присылайте)\b", r"\bне присылайте\b", r"\bотпиш",
        r"\bхватит (писать|присылать)\b", r"\bперестаньте (писать|присылать)\b",
    ),
    Intent.REFUSAL: _rx(
        r"\bnot interested\b", r"\bno longer interested\b", r"\bno,? thanks?\b", r"\bno,? thank you\b",
        r"\bthanks,? but no\b", r"\b(go|going|went|gone) with (another|a different|other|someone else|a competitor)\b",
        r"\banother (supplier|vendor|company|provider|shop|store|studio|salon|bakery|option)\b",
        r"\bfound (one|it|them|something|a \w+)? ?(elsewhere|somewhere else)\b",
        r"\b(bought|got|ordered) (it|one|them)? ?(elsewhere|somewhere else|from someone else)\b",
        r"\bdecided (not to|against)\b", r"\b(no longer|don't|do not) need (it|this|them|that|the)\b",
        r"\bchanged (my|our|his|her|their) minds?\b", r"\b(we'll|i'll|gonna|we will|i will) skip\b",
        r"\b(decidimos|decidieron|decidi) no\b", r"\bрешили не\b", r"\bdecide de ne pas\b",
        r"\b(entschieden|beschlossen),? nicht\b",
        r"\bdecidimos nao\b", r"\bquyet dinh khong\b", r"(قررنا|قررت) (ما|عدم)", r"\bno vamos a (ir|venir)\b",
        r"\bне (поедем|придем|приедем)\b",
        r"\b(won't|will not|not) (be )?(moving|going) forward\b", r"\bbudget (was|got|has been) (cut|reduced|frozen)\b",
        r"\bunfortunately,? (we|i) (can't|cannot|won't|will not|have to|need to|decided)\b",
        r"\b(do|make|cut|fix) it (myself|ourselves|at home)\b", r"\bmoi-?meme\b", r"\bselbst (reparieren|machen)\b",
        r"\bсам(а)? (сделаю|починю)\b", r"\bkeep \w+ing (it )?(myself|ourselves)\b",
        r"\b(he'll|she'll|they'll|we'll|i'll) (just )?do (it|the \w+) (himself|herself|themselves|ourselves|myself)\b",
        r"\bdo it at home\b", r"\bсделаю (сам|сама)\b",
        r"\blo hago (yo )?(mismo|misma)\b", r"\bje (le ferai|vais le faire) moi\b", r"\bfaco em casa\b",
        r"\beu mesm[oa] faco\b",
        r"\bako na lang (ang )?(gagawa|mag)", r"\btu lam\b", r"بنفسي",
        r"\bno (lo |la |los |las )?necesit", r"\b(lo|la) (voy a|vamos a) dejar\b", r"\bleave it (for now|there)\b",
        r"\bje n'en ai pas besoin\b", r"\bbrauche (ich|es) nicht\b", r"\bnao (preciso|vou precisar)\b",
        r"\bdecided (on|to go with|for) (another|a different|someone|a cheaper)\b", r"\b(uns )?dagegen entschieden\b",
        r"\buns fur (einen|eine|ein) ander(e|en|es|er) \w+ entschieden\b", r"\bdecidimos (ir con|por) otr",
        r"\bon a choisi (un autre|une autre|ailleurs)\b",
        r"\b(escolhemos|decidimos por) outr", r"\bвыбрали друг",
        r"\b(do|doing) it ourselves\b", r"\b(found|find) someone\b", r"\bencontre (a )?alguien\b",
        r"\btrouve quelqu'un\b",
        r"\bjemanden gefunden\b", r"\b(achei|encontrei) alguem\b", r"\bнашли (кого|другого)", r"\bпередумал",
        r"\bnot (going to|gonna) (go ahead|proceed|buy|order|book|take|sign up|join|register|enrol)\b",
        r"\bje ne vais pas (m'inscrire|acheter|commander|reserver|prendre|venir)\b",
        r"\bno voy a (comprar|pedir|reservar|inscribirme|contratar)\b",
        r"\bnao vou (comprar|pedir|fechar|me inscrever|contratar)\b",
        r"\b(werde|werden) (nicht|doch nicht) (buchen|bestellen|kaufen|kommen)\b",
        r"\bне буду (заказывать|покупать|записываться|брать)\b", r"\bhindi na (ako|kami) (bibili|o-?order|mag)",
        r"\bkhong (lay|mua|dat) (nua|dau)\b",
        r"ما راح (اشتري|اطلب)", r"\b(won't|will not|wont) need (it|them|this|that|you)\b",
        r"\bnot (going|moving|proceeding) ahead\b", r"\bnao vou (levar|comprar|querer|fechar)\b",
        r"\bno (lo |la )?voy a (llevar|comprar|querer)\b",
        r"\bje ne vais pas (le |la |les )?prendre\b", r"\b(won't|will not|not going to) take (it|them|this|that)\b",
        r"\b(won't|will not|never) (be )?(buying|ordering|shopping|coming back)\b",
        r"\bno (voy a|vamos a) volver a (comprar|pedir)\b",
        r"\bje ne vais plus (acheter|commander)\b", r"\bnao (vou|volto) mais\b", r"\bnao volto\b",
        r"\bбольше не буду\b", r"\bwon't be renewing\b", r"\bnot renewing\b",
        r"\bfound (someone|somebody|another|a|an) (\w+ )?(\w+ )?(closer|nearer|cheaper|else)\b",
        r"\bconsegui (a )?(alguien|otr[oa])\b",
        r"\bj'ai trouve (quelqu'un|un autre|une autre)\b", r"\b(jemand|einen) anderen gefunden\b",
        r"\bachei (outro|outra|alguem)\b",
        r"\bnakahanap na\b", r"\bda tim (duoc )?(ben|cho|nguoi) khac\b", r"\bнашли (друг|дешевле)", r"لقيت",
        r"\b(won't|will not) (go ahead|proceed|be (ordering|buying|booking))\b",
        r"\b(look|shop) around\b",
        r"\b(over|above|beyond|more than) (my|our|what (i|we)) (budget(ed)?|wanted|want|can|planned)\b",
        r"\b(already )?(bought|got|ordered|found) (one|it|them)? ?(somewhere else|elsewhere|from (another|someone))\b",
        r"\balready (bought|got|ordered) (one|it|them)\b",
        r"\b(another|other|different) (supplier|vendor|company|provider|shop|store|studio|salon|bakery|place|seller"
        r"|brand|florist)\b",
        r"\b(buy|get|order|go) (it |them )?(from|at|to) (the |a )?\w+ instead\b",
        r"\b(i'll|we'll|i will|we will) pass\b(?! by)", r"\bpass (muna|na|ako|po)\b", r"^\W*pass\W*$", r"\bpaso\W*$",
        r"\bhard pass\b", r"\bnot for (me|us)\b",
        r"\byeah,? right\b", r"\b(you're|you are) dreaming\b", r"\bin your dreams\b",
        r"\b(lol|lmao|lmfao|haha+)\W+(no|nope|nah)\b",
        r"\b(won't|will not|wont|don't|do not|no longer) need (a|an|the|one|any)\b", r"\bafter all\b",
        r"\b(do|manage|go) without\b", r"\bобо(йтись|йдемся) без\b", r"\barreglar(nos|me) sin\b", r"\bnous passer d",
        r"\bverzichten\b", r"\bficar sem\b", r"\b(nope|nah)\b", r"\bno way\b", r"\bare you (kidding|joking|serious)\b",
        r"\byou('re| are) (kidding|joking)\b",
        r"\b(do|cut|fix|make|build|bake|paint) (it|them) (myself|ourselves)\b",
        r"\bno me interesa\b", r"\bno,? gracias\b", r"\b(otro|otra) (proveedor|tienda|empresa|lado)\b",
        r"\bcompre en otro\b", r"\b(ya|al final) (lo |la )?compr(e|amos)\b",
        r"\ben otr[oa] (tienda|lugar|sitio|lado)\b", r"\bolvidalo\b", r"\bcambie de opinion\b",
        r"\bya no (lo )?(necesito|quiero)\b",
        r"\bpas int[e]ress", r"\bne m'interesse (pas|plus)\b", r"\bnon,? merci\b",
        r"\bautre (fournisseur|studio|magasin|boutique|prestataire)\b",
        r"\btrouve (ailleurs|moins cher)\b", r"\bdeja achete\b", r"\bailleurs\b", r"\blaisse tomber\b",
        r"\bchange d'avis\b", r"\bplus besoin\b",
        r"\bkein interesse\b", r"\bnicht interessiert\b", r"\bnein,? danke\b", r"\banderen anbieter\b", r"\bwoanders\b",
        r"\b(schon|bereits) gekauft\b", r"\banderswo\b", r"\beinem anderen (laden|geschaft|anbieter)\b",
        r"\banders entschieden\b", r"\bbrauche? (ich|wir) nicht mehr\b", r"\bmache? (ich|wir) selbst\b",
        r"\bnao tenho interesse\b", r"\bsem interesse\b", r"\bnao,? obrigad", r"\boutro (fornecedor|lugar|estudio)\b",
        r"\bem outro lugar\b", r"\bja comprei\b", r"\boutra loja\b", r"\bdesisti\b", r"\bmudei de ideia\b",
        r"\bnao preciso mais\b",
        r"\bhindi na\b", r"\bayoko na\b", r"\b(wag|huwag) na( lang)?\b", r"\bdi na (po )?(ako|kami|tuloy)",
        r"\bsa iba na\b",
        r"\bnakabili na (ako|kami) sa iba\b", r"\bsa \w+ na (lang|lng)\b", r"\bsa iba(ng \w+)? na\b",
        r"\bhindi (ako |po )?interesado\b", r"\bhindi na (ako|kami) tutuloy\b",
        r"\bkhong quan tam\b", r"\bkhong can nua\b", r"\bkhong mua nua\b", r"\bthoi,? (minh|em|toi|khong)\b",
        r"\bmua (cho|ben) khac\b", r"^\W*thoi\b", r"\b(cho|ben|noi|shop) khac\b", r"\bda mua (roi|o)\b",
        r"غير مهتم", r"مش مهتم", r"لا شكرا", r"(لا|ما|مو) (احتاج|محتاج)", r"بعد الان", r"مورد (اخر|ثاني)",
        r"من مكان (اخر|ثاني)", r"(محل|مكان|متجر) (اخر|ثاني)", r"اشتريت (من|خلاص)", r"ما بدي", r"مش عايز", r"لا اريد",
        r"\bне интересно\b", r"\bнеинтересно\b", r"\bне надо\b", r"\bнет,? спасибо\b", r"\bдругого поставщика\b",
        r"\bв другом месте\b", r"\bв друго(м|и) \w+", r"\bуже купил", r"\bу других\b", r"\bпередумал",
        r"\bбольше не нужно\b", r"\b(уже )?не нужн(о|а) уже\b",
    ),
    Intent.PRICE_OBJECTION: _rx(
        r"\b(way |far |much |so |really )?too (expensive|pricey|pricy|steep)\b", r"\bthat's too much\b",
        r"\brip[- ]?off\b",
        r"\bdaylight robbery\b", r"\bcan't afford\b", r"\bout of (my|our) budget\b",
        r"\b(muy|demasiado|bien) car[oa]s?\b", r"\btrop cher\b", r"\b(zu|viel zu) teuer\b", r"\b(muito|mto|mt) caro\b",
        r"\b(too much|mucho|demasiado|trop|zu viel|muito|masyado|слишком много) (for|para|pour|fur|pra|sa) (me|us"
        r"|mi|nosotros|moi|nous|mich|uns|mim|nos|amin|akin)\b",
        r"\bes mucho\b", r"\bc'est trop\b", r"\b(over|above|beyond|exceeds?) (na )?(sa )?(the |my |our )?budget\b",
        r"\bsa budget (namin|ko)\b", r"\bno (tengo|tenemos) (el )?presupuesto\b", r"\bpas (le|de) budget\b",
        r"\bkein budget\b",
        r"\bнет бюджета\b", r"ميزانيتي", r"ميزانيتنا",
        r"\bcaro demais\b", r"\b(is|that's|it's|its) too much\b", r"\bcao qua\b", r"\bno me alcanza\b",
        r"\bpas les moyens\b", r"\bnicht leisten\b",
        r"\bnao tenho (condicoes|grana)\b", r"\b(walang|kulang ang) budget\b", r"\bkhong du tien\b",
        r"\bне по карману\b",
        r"\bне могу себе позволить\b", r"ما اقدر", r"ما عندي ميزانيه", r"\bouch\b", r"\boof\b",
        r"\bfor half (that|the price)\b",
        r"\b(does|do|did) (it|them|one) for (\$|£|€)?\d+\b",
        r"\bout of (our |my )?reach\b",
        r"\b(out of|beyond|over) (my|our) (price )?range\b",
        r"\balmost what (it's|it is|the \w+'s|the \w+ is) worth\b",
        r"\bbudget'?s? (is )?tight\b",
        r"\bmore than (my|our) \w+( \w+)? (bill|budget)\b", r"\byikes\b",
        r"(السعر|سعر) عالي",
        r"عالي علي", r"\bcaro (pra|para) mim\b", r"\bcher pour (moi|nous)\b", r"\bexpensive for (me|us)\b",
        r"\bsteep\b",
        r"\bcheaper\b", r"\bmas barat[oa]\b", r"\bmoins cher\b", r"\b(gunstiger|billiger)\b", r"\bmais barat[oa]\b",
        r"\bmas mura\b", r"\bre hon\b", r"\bдешевле\b", r"ارخص",
        r"\bang mahal\b", r"\bmahal (masyado|naman|po)\b", r"\bdat qua\b", r"\bmac qua\b", r"غالي",
        r"\b(слишком )?дорого",
    ),
    Intent.NEVERMIND: _rx(
        r"\bnever ?mind\b", r"\bthanks (though|anyways)\b", r"\b(we're|i'm|we are|i am) good,? (thanks|thank you)\b",
        r"\bnvm\b", r"\bforget it\b", r"\bthanks anyway\b",
        r"\bgracias (igual|de todos modos|de todas formas)\b",
        r"\bmerci quand meme\b", r"\btrotzdem danke\b", r"\bobrigad[oa] mesmo assim\b", r"\bsalamat (pa rin|na lang)\b",
        r"\bolvidalo\b", r"\blaisse tomber\b", r"\bvergiss es\b", r"\besquece\b", r"\bwag na\b", r"\bthoi khong can\b",
        r"\bзабудьте\b", r"\bخلاص\b",
    ),
    Intent.ELSEWHERE: _rx(
        r"\b(another|other|different|otr[oa]|autre|anderen?|outr[oa]|ibang)( \w+)? (supplier|vendor|company"
        r"|provider|shop|store"
        r"|studio|salon|bakery|place|seller|brand|florist|gym|trainer|cleaners?|agency|business|restaurant|cafe"
        r"|clinic|school"
        r"|tienda|empresa|proveedor|lugar|sitio|gimnasio|local|fournisseur|magasin|boutique|salle|entreprise"
        r"|prestataire"
        r"|endroit|anbieter|laden|geschaft|firma|handler|loja|fornecedor|academia|tindahan)\b",
        r"\binstead\b", r"\b(i'll|we'll|i will|we will) (just )?go there\b",
        r"\b(book|go|buy|order|shop|get it) (somewhere|someplace|elsewhere)( else)?\b",
        r"\bborrow (theirs|one|it|his|hers)\b", r"\b(we'll|i'll|we will|i will) go with (a|an|another|someone)\b",
        r"\b(i'll|we'll|gonna|i will) (just )?buy a new (one|\w+)\b",
        r"\b(lo|la|los|las) comprare en\b", r"\bvou comprar (no|na|em)\b",
        r"\bje l'acheterai (au|chez|a)\b", r"\bfound (a|an) (free|cheaper|closer|better)\b",
        r"\bso (we're|i'm|we are|i am) good\b",
        r"\bfound the same\b", r"\bfound (it|them|one) (cheaper|for less)\b",
        r"\b(i'll|i will|gonna|we'll) (just )?(get|buy|order|download|grab|pick up) (it|one|them) (on|from|at"
        r"|online)\b",
        r"\bуже (скачал|заказал|взял|купил)\w*", r"\b(we've|we have|i've|i have) (gone|decided to go) with\b",
        r"\bwent with (a|an|another|someone|somebody)\b",
        r"\b(choisi|pris) (un|une) autre\b", r"\b(elegimos|elegi) otr[oa]\b", r"\bescolhemos outr",
        r"\b(got|bought|found|ordered) (a|an|one|it)\b.{0,40}\b(marketplace|amazon|ebay|craigslist|aliexpress"
        r"|shopee|lazada"
        r"|secondhand|second-hand|second hand|mercado libre|segunda mano)\b", r"\bhalf the price\b",
        r"\bstick (with|to) (my|our|what)\b",
        r"\b(keep|stay with|stick with) (our|my) (current|existing|usual|regular|own)\b",
        r"\b(i'll|we'll|i will|we will) (get|buy|order) (it|one|them) (from|at) (the|a|another)\b",
        r"\balready found (one|a|an|someone|another)\b", r"\bya encontr", r"\bdeja trouve\b",
        r"\b(schon|bereits) (einen|eine|jemanden) gefunden\b",
        r"\bja (achamos|encontramos|achei|encontrei)\b", r"\bmay nahanap na\b", r"\btim duoc roi\b", r"\bуже нашли\b",
        r"لقينا",
        r"\b(i'll|i will|we'll|we will|gonna) (go|head|stick) (to|with) (the|a|another|my) \w*\s?(clinic|pharmacy"
        r"|supermarket|market|mall|competitor|other|place|one)\b",
        r"\bwent with (?!your|you|the|our|it|that|this)\w+",
        r"\bnakuha na (po )?(kami|ako|kaming|akong) (ng )?iba\b", r"\b(kaming|akong) iba\b", r"\bin[- ]house\b",
        r"\bkeep doing it (ourselves|myself)?\b",
        r"\b(i'll|i will|we'll|we will|gonna|i'm going to) stick (with|to)\b", r"\b(ich bleibe|wir bleiben) bei\b",
        r"\bvou ficar (na|no|com)\b", r"\bme quedo (con|en)\b", r"\bje reste (chez|avec)\b",
        r"\bstay with (my|our|the)\b",
        r"\bme quedo con (el|lo|la) (mio|mia|que tengo)\b", r"\bje (reste|garde) (avec|mon|ma)\b",
        r"\bvou ficar com o (meu|que tenho)\b",
        r"\bостан(усь|емся) (с|при)\b", r"\b(plutot|stattdessen|em vez disso|en vez de eso|вместо этого)\b", r"بدلا",
        r"\b(o|tai) (tiem|cho|shop|cua hang|ben) \w+( \w+)?( \w+)? roi\b",
        r"\b(from|at|with|chez|bei|у|من|com|con|avec|mit|kay|voi|с) (an?other|un autre|une autre"
        r"|einem anderen|einer anderen|otro|otra|outro|outra|ibang|другого|другой)\b",
        r"\b(cho|ben|noi|shop|cua hang|tiem) khac\b", r"\bв друг\w+ (магазин|месте|компании|студии|зале)\b",
        r"\bу друг(их|ого)\b", r"(شركه|محل|مكان|متجر) (اخر|ثاني|ثانيه|اخرى|ارخص)",
        r"\b(go|going|went|sign up|signing up|buy|buying|bought|order|ordering) (with|at|from) (them|a competitor"
        r"|someone else)\b",
    ),
    Intent.COMPLAINT: _rx(
        r"\b(broken|damaged|defective|faulty|stale|leaking|spoiled|ripped|torn)\b",
        r"\bwrong (item|order|size|colou?r|scent|one|product|flavou?r)\b",
        r"\b(arrived|arriving|is|was|so|too|very|always|still) late\b", r"\blate (delivery|order|shipment)\b",
        r"\bdelayed\b", r"\b(never|not|haven't|hasn't|didn't) (arrived|received|got|get|receive|come|came)\b",
        r"\bcharged twice\b", r"\bdouble[- ]charged\b", r"\bwhere('s| is) my (order|package|parcel|delivery)\b",
        r"\bit's been \d+ (days|weeks)\b",
        r"\b(terrible|awful|horrible|worst|disappoint(ed|ing)|unacceptable|scam|ripped off)\b",
        r"\b(not happy|unhappy|complain(t)?)\b", r"\bpoor (quality|service)\b",
        r"\b(roto|rota|danad|defectuos|estafa|mal estado)", r"\bno (ha )?llego\b", r"\bllego tarde\b",
        r"\b(casse|abime|defectueu|arnaque|decue?)\b", r"\ben retard\b", r"\bpas (recu|arrive)\b", r"\bprobleme de\b",
        r"\b(kaputt|beschadigt|defekt|verdorben|betrug|enttauscht)\b", r"\bzu spat\b", r"\bnicht angekommen\b",
        r"\b(quebrad|danificad|estragad|atrasad|golpe|decepcionad)", r"\bcom defeito\b", r"\bnao chegou\b",
        r"\b(sira|basag|panget)\b", r"\b(hindi|di) (pa )?dumating\b",
        r"\bbi (hong|vo|loi)\b", r"\bgiao cham\b", r"\bchua nhan duoc\b", r"\blua dao\b", r"\bthat vong\b",
        r"تالف", r"مكسور", r"متاخر", r"ما وصل", r"لم يصل", r"نصب",
        r"\b(сломан|поврежд|брак|дырк|испорч|опоздал|обман|ужасн)", r"\bне пришл", r"\bне получил",
    ),
    Intent.PAYMENT: _rx(
        r"\b(just |already )?paid\b", r"\bpayment (is )?(sent|done|made|complete|completed|went through)\b",
        r"\bsent (you )?(the |my |an |a )?(payment|money|transfer|deposit|funds|advance|downpayment|down payment|dp)\b",
        r"\bsent\b.{0,30}\b(via|through|by|on) (gpay|google pay|upi|gcash|maya|venmo|zelle|paypal|cash ?app"
        r"|bank transfer|pix|revolut|wise)\b",
        r"\btransferred\b",
        r"\btransfer (is )?(done|sent|made|complete)\b", r"\bwire sent\b",
        r"\b(receipt|proof of payment) (attached|sent)\b",
        r"\bhere'?s the (receipt|proof of payment)\b", r"\bvenmo'?d\b", r"\bdeposit (is )?(sent|paid|done)\b",
        r"\b(received|get|got) my (payment|transfer)\b",
        r"\b(just )?(bought|purchased) (it|the|a|an|your) \w+ (on|from|through) (your|the) (site|website|shop|store"
        r"|app|link)\b",
        r"\bjust (bought|purchased)\b", r"\b(gerade|eben|schon|online) .{0,30}gekauft\b", r"\bbought .{0,30}\bonline\b",
        r"\bcompre .{0,30}(en la web|por la web|online|por internet)\b", r"\bachete .{0,30}(en ligne|sur le site)\b",
        r"\bcomprei .{0,30}(no site|online)\b", r"\bbinili ko (na )?(online|sa site)\b",
        r"\b(just )?signed up (for|to) (the|a|your) .{0,30}(online|membership|plan|pass|program|package|class"
        r"|course|monthly|unlimited)\b",
        r"\b(купил|купила|купили) .{0,20}(на сайте|онлайн)", r"\b(купил|купила|купили) абонемент\b",
        r"\bsent (you )?(the |my )?([£$€₱₽]\s?\d| \d[\d.,]*\s?(usd|eur|euros?|dollars?|pesos?|php|reais|руб))",
        r"\bte (envie|mande|transferi) (los )?\d", r"\b(mandei|enviei|transferi) (os )?(r\$ ?)?\d",
        r"\b(envoye|vire) (les )?\d",
        r"\b(перевел|перевела|отправил|отправила) \d", r"\bdeposited\b", r"\b(te |ya )?deposite\b",
        r"\b(ya )?(quedo|esta|hice) el (deposito|pago)\b", r"\bhice un (bizum|pago|deposito)\b",
        r"\bbizum (hecho|enviado)\b",
        r"\bfiz um pix\b", r"\bna-?(send|gcash|transfer) (ko|namin) na\b", r"\bdepositei\b",
        r"\b(chuyen|gui tien) roi\b",
        r"\bda dat coc\b", r"\bdat coc\b.{0,20}\broi\b",
        r"\b(ya )?pague\b", r"\b(ya )?pagamos\b", r"\btransferid[oa]\b", r"\bgezahlt\b", r"\bpagado\b",
        r"\btransferi\b",
        r"\bhice (la|el) (transferencia|pago|deposito)\b",
        r"\btransferencia (hecha|realizada|enviada)\b", r"\b(te|les) (envie|mande) el (pago|comprobante)\b",
        r"\bj'ai (paye|regle|vire)\b", r"\bje viens de\b.*\b(payer|regler)\b", r"\bc'est regle\b",
        r"\breglement effectue\b", r"\bc'est paye\b", r"\bcommande passee\b", r"\bvirement (effectue|fait|envoye)\b",
        r"\bpaiement (effectue|envoye|fait)\b",
        r"\bpar virement ce\b",
        r"\bbezahlt\b", r"\buberwiesen\b", r"\bzahlung (ist )?(raus|erfolgt|gesendet|getatigt)\b",
        r"\b(beleg|quittung) anbei\b",
        r"\bpaguei\b", r"\bja paguei\b", r"\bfiz o (pix|pagamento|deposito)\b", r"\bpix (feito|enviado|realizado)\b",
        r"\btransferi\b", r"\bsegue o comprovante\b",
        r"\bnagbayad\b", r"\bnakapagbayad\b", r"\bbayad na\b", r"\bnabayaran\b", r"\bnag-?(send|gcash|transfer) na\b",
        r"\bsent na\b", r"\bpaid na\b", r"\bnagpadala na\b", r"\bnagsend na\b",
        r"\bda (chuyen khoan|chuyen tien|thanh toan|ck)\b", r"\b(chuyen khoan|ck|chuyen tien|thanh toan) (roi|xong)\b",
        r"دفعت", r"حولت", r"تم (تحويل|دفع|سداد)", r"ارسلت (لكم )?(الايصال|الوصل)", r"تم (الدفع|التحويل|السداد)",
        r"ارسلت (المبلغ|الفلوس|التحويل)",
        r"\bоплатил", r"\bоплачено\b", r"\bперевел(а|и)?\b", r"\bоплата прошла\b", r"\bотправил(а)? деньги\b",
        r"\bчек во вложении\b",
        r"\b(here('s| is)|attached|sending|sent|anbei|adjunto|ci-joint|segue|eto|gui|прикрепил\w*|ارسلت)\b.{0,25}"
        r"\b(receipt|screenshot|proof|comprobante|beleg|quittung|comprovante|resibo|bien lai|чек|квитанц\w*)",
        r"\b(receipt|screenshot of the (payment|transfer)|comprobante|beleg|quittung|comprovante|resibo|чек|квитанц\w*)"
        r" (attached|sent|anbei|adjunto|ci-joint|segue|eto|во вложении|отправил\w*)",
        r"\b(предоплату|оплату|аванс|депозит) (внес|отправил|сделал)", r"\bвнес(ла|ли)? (предоплату|оплату|аванс)\b",
    ),
    Intent.BOOKED: _rx(
        r"\b(booked|reserved|scheduled) (it |(a|my|the) (\w+ ){1,3})?(online|on your (site|website|app)"
        r"|through your (site"
        r"|website|app|link))\b",
        r"\breserve (por la web|online|en la web)\b", r"\breserve en ligne\b", r"\bonline gebucht\b",
        r"\bagendei (pelo site|online)\b",
        r"\bna-?book ko na\b", r"\b(renewed|extended) (my|our|the) (membership|subscription|plan|pass|contract)\b",
        r"\brenove\b",
        r"\brenouvele\b", r"\bverlangert\b", r"\brenovei\b", r"\bпродлил\w*", r"\bnag-?renew\b", r"\bda gia han\b",
        r"جددت", r"\bjust ordered\b", r"\bpedido feito\b", r"\b(pelo|no) (app|site)\b.*\bpago\b",
        r"\bchecked out (on|through|via) (your|the)\b",
        r"\b(bought|purchased|ordered) (it|them|one|the \w+|a \w+)( \w+)? (straight away|right away|today|yesterday"
        r"|just now|this morning)\b",
        r"\b(bought|purchased) (the|a|an|my|our) \w+( \w+)?( \w+)? (pass|membership|package|voucher|card|ticket"
        r"|tickets|plan|class)\b",
        r"\b(booked|reserved|bought|ordered|paid)\b.{0,40}\b(online|on (your|the) (site|website|app|page)"
        r"|through (your|the) (site|website|app|link))\b", r"\b(i|we) (just )?subscribed\b",
        r"\bordered .{0,30}\bonline\b",
        r"\b(placed|put in) (an|the|my) order (online|on your|through|via)\b",
        r"\bused (the |your )?(code|coupon|promo|voucher)\b", r"\bda dat (lich )?online\b",
        r"\bзаписал(ся|ась) онлайн\b",
        r"حجزت (من|عبر) (الموقع|التطبيق)",
    ),
    Intent.RECEIVED: _rx(
        r"\b(received|got|picked up) (my|the|our) (order|package|parcel|delivery|items?|box)\b",
    r"\b(picked up|collected|grabbed) (my|the|our) \w+", r"\bpicked (it|them) up\b",
    r"\b(got|received) (my|the|our) \w+( \w+)? (today|yesterday|this morning)\b",
    r"\b(got|received) (it|them) (today|yesterday|this morning)\b",
    r"\b(arrived|came|got here)\b\W{0,3}.{0,25}\b(loved|love|perfect|great|amazing|beautiful|delicious|fantastic"
    r"|gorgeous)\b",
    r"\b(arrived|came) (today|yesterday|safe|safely|in perfect)\b",
        r"\b(order|package|parcel) (arrived|came|was delivered)\b",
        r"\brecu (ma|la) commande\b", r"\brecibi (mi|el) pedido\b", r"\brecebi (o|meu) pedido\b",
        r"\bya (lo |la )?(retire|recogi|recibi)\b", r"\bj'ai (recupere|recu) (ma|mon|la|le)\b",
        r"\b(abgeholt|erhalten)\b",
        r"\b(retirei|peguei|recebi) (o|a|meu|minha)\b", r"\b(nakuha|natanggap) ko na\b", r"\bda nhan (duoc )?hang\b",
        r"\b(забрал|забрала|получил|получила) (заказ|посылку|платье|костюм)", r"استلمت",
    ),
    Intent.DEAL: _rx(
        r"\b(it's|that's) a deal\b", r"\bdeal done\b", r"\bok(ay)?,? deal\b", r"\block (it|this|that|us|me) in\b",
        r"\bdeal at\b", r"\bc'est bon pour\b",
        r"\b(i|we) confirm\b", r"\bconfirmo\b", r"\bje confirme\b",
        r"\bich bestatige\b", r",\s*deal\b", r"^\W*deal\b", r"\btrato hecho\b",
        r"\b(going|go|we'll go|i'll go) with the\b", r"\blet's (do it|go ahead)\b", r"\b(please )?go ahead\b",
        r"\b(we|i) accept the (quote|estimate|offer|price|proposal)\b", r"\bagreed\b",
        r"\b(fechado|combinado|abgemacht|einverstanden)\b",
        r"\bd'accord pour\b", r"\bchot\b", r"\bдоговорились\b", r"اتفقنا",
    ),
    Intent.QUOTE: _rx(
        r"\bquot(e|es|ation)\b", r"\bestimate\b", r"\bwholesale\b", r"\bbulk\b", r"\bcorporate\b", r"\bbest price\b",
        r"\b(for|to) (our|my) (cafe|restaurant|shop|store|office|company|business|hotel|team|event)\b",
        r"\bcotiza", r"\bpresupuesto\b", r"\bpor mayor\b", r"\bmayoreo\b",
        r"\bdevis\b", r"\ben gros\b",
        r"\bangebot\b", r"\bkostenvoranschlag\b", r"\bgrosshandel\b", r"\bfur unser (cafe|buro|restaurant|team)\b",
        r"\borcamento\b", r"\batacado\b",
        r"\bpa-?quote\b", r"\bpara sa (cafe|shop|business|opisina)\b",
        r"\bbao gia\b", r"\b(gia|ban|lay) si\b", r"\bcho quan\b",
        r"عرض سعر", r"بالجمله", r"للمطعم", r"للمكتب",
        r"\bкоммерческое предложение\b", r"\bкп\b", r"\bоптом\b", r"\bсмет", r"\bдля офиса\b",
    ),
    Intent.PURCHASE: _rx(
        r"\b(i|we)('d| would) like to (order|buy|get|purchase|place)\b", r"\b(ill|imma|i'm gonna) take\b",
        r"\b(come|coming|i'll come) (to )?(get|pick up|collect|grab) (it|them)\b", r"\bje passe (la|le|les) chercher\b",
        r"^\W*mine\b",
        r"\bme (lo|la|los|las) apart", r"\bapartame\b", r"\bnehme ich\b", r"\bwir nehmen\b", r"\bich nehm\b",
        r"\b(i|we) (want|wanna|need) to (order|buy|get|purchase)\b", r"\b(i|we)('ll| will) take\b",
        r"\b(i|we)('d| would) like (one|two|three|the|this|that|these|those|a|an|\d+)\b",
        r"\b(i|we) (want|need) (one|two|three|this|that|these|those|it|a|an|\d+)\b",
        r"\b(can|could|may) (i|we) (just |please )?(order|buy|purchase|get|preorder|pre-order|reserve|book)\b",
        r"\bcan (we|i) (have|hold|do|host|celebrate|bring)\b", r"\bkann man (bei euch|bei ihnen)\b",
        r"\bse puede (hacer|celebrar|reservar)\b",
        r"\b(peut-on|on peut) (faire|reserver|venir|organiser)\b", r"\bda (pra|para) (fazer|comemorar|marcar)\b",
        r"\bможно (прийти|записаться|заказать|провести|отметить|забронировать)\b", r"\bco the (dat|to chuc)\b",
        r"\b(place|make) an order\b", r"\bbuy\b", r"\bpurchase\b",
        r"\bhow (do|can) (i|we) (pay|order|sign up|register)\b", r"\bpay (by|with|via)\b",
        r"\baccept (paypal|cards?|credit|cash)\b",
        r"\bsend (me |us )?(the |an )?invoice\b", r"\b(iban|bank details|account number|gcash number|paypal)\b",
        r"\bdatos bancarios\b", r"\b(coordonnees bancaires|rib)\b", r"\b(bankdaten|kontodaten|bankverbindung)\b",
        r"\b(dados bancarios|chave pix)\b", r"\b(so tai khoan|stk)\b", r"\bреквизит", r"رقم الحساب",
        r"\b(sign up|signup|register|enrol|enroll)\b",
        r"\b(can|could|would) you (also |still |even )?(do|make|bake|cater|supply|provide|print|build|hold|reserve"
        r"|put aside)\b",
        r"\b(can|could|would) you (fix|repair|replace|check|look at|take a look|service|install|clean|paint)\b",
        r"\b(fix|repair|replace) (my|the|a|it)\b",
        r"\bsomething you (can|could) (fix|do|help with|repair|make|handle)\b",
        r"\bcan you (get|take|remove|clean) (that|it|this|them) (out|off)\b",
        r"\b(can|could) (i|we|my \w+) (come|join|attend|bring \w+)\b",
        r"\b(could|can) (a|an) \w+( \w+)? (do|take|join|manage)\b", r"\b(vous intervenez|intervenez-vous)\b",
        r"\bdo you (cover|service|serve|work in|come to)\b",
        r"\bmay (slot|slots|available|stock|space|vacancy) pa\b", r"\bwhat should (i|we) (wear|bring|expect|prepare)\b",
        r"\b(a|an) \w+( \w+)? (could|can) (do|take|join|manage)\b", r"\blooking to (do|book|buy|get|try|join|order)\b",
        r"\bgot any (spots|slots|space|room|availability|openings)\b", r"\bhow (do|can) (i|we) join\b",
        r"\b(what|which) (are )?(your|the) (\w+ )?(packages|plans|options|rates|menus?)\b", r"\bsign (\w+ )?up\b",
        r"\b(is|are) (it|they|the( \w+){1,3}) (free|open|available) (on|for|this|next|tomorrow)\b",
        r"\bhow long (does|would|will) (it|that|the \w+) take\b", r"\bthat needs\b", r"\bneeds? (\w+ing)\b",
        r"\bwhen (can|could|should) (i|we) (bring|drop|come|pick|book|start)\b",
        r"\bwhat('s| is| does) (included|it include|the \w+( \w+)? include)\b",
        r"\bwhat('s| is) in the \w+ (package|box|set)\b",
        r"\bque incluye\b", r"\b(qu'est-ce qui est (inclus|compris)|ce qui est inclus)\b", r"\b(enthalten|inklusive)\?",
        r"\bo que (inclui|vem)\b", r"\b(ano|anu) po ang kasama\b", r"\b(bao gom|gom nhung gi)\b", r"\bчто входит\b",
        r"يشمل",
        r"\bvoces (fazem|ajustam|consertam|vendem|entregam|enviam|mandam|trabalham com|atendem)\b", r"\btumatanggap\b",
        r"\b(minh|em|toi|anh|chi|cho) muon\b",
        r"\b(pueden|puede|podrian|podria) (arreglar|reparar|cambiar|revisar|hacer|enviar|mandar)\b",
        r"\b(vous pouvez|vous pourriez|pouvez-vous|pourriez-vous) (regarder|reparer|changer|faire|livrer|venir"
        r"|envoyer)\b",
        r"\b(konnen sie|konnt ihr|konnten sie) .{0,40}\b(reparieren|wechseln|machen|schauen|liefern|tauschen)\b",
        r"\b(podem|pode|conseguem|consegue) (consertar|trocar|arrumar|fazer|ver|entregar|olhar)\b",
        r"\bpwede (po )?(ba )?(ipa|mag|pa)\w*", r"\b(ipaayos|ipagawa|paayos|pagawa|ipapalit|magpagawa)\b",
        r"\b(sua|thay|lam) (giup|duoc)\b", r"\bco the (sua|thay|lam|giao)\b",
        r"\b(можете|сможете) (починить|поменять|заменить|сделать|посмотреть|приехать|доставить)\b",
        r"\bнужно (поменять|починить|заменить|сделать)\b", r"(تقدرون|ممكن|هل يمكن) (تصلح|تغير|اصلاح|تركيب|توصيل)",
        r"\b(custom|made to order|bespoke)\b", r"\b(subscription|membership)\b", r"\bneeds? (a|an|some|\d+)\b",
        r"\bpre-?order\b",
        r"\b(i|we)('d| would) (love|like) (to (get|have|try|book|order|buy|see|start|make|send|rent|hire|reserve"
        r"|join|come)|a|an|some)\b",
        r"\b(want|wanna|would like|'d like) to (get|buy|order|book|try|have|gift)\b",
        r"\b(we'd|i'd|we would|i would) want\b",
        r"\b(recommend|suggest)\b", r"\b(we're|i'm|we are|i am) looking for\b",
        r"\b(nous cherchons|on cherche|buscamos|procuramos)\b", r"\b(for a|as a) (gift|present)\b",
        r"\bpara regal(ar|o)\b", r"\bpour offrir\b",
        r"\bals geschenk\b",
        r"\bpara (presente|presentear)\b", r"\bpang-?regalo\b", r"\blam qua\b", r"\bв подарок\b", r"هديه",
        r"\bподойд(ут|ет)\b", r"\bwhat \w+ (would|will) (work|suit)\b", r"\btell me more\b",
        r"\bmore (information|info|details) (about|on)\b",
        r"\bhow does (it|this|that|the \w+) work\b",
        r"\b(mas informacion|mas info)\b", r"\bplus d'info", r"\bmehr (infos|informationen)\b", r"\bmais informac",
        r"\bthem thong tin\b", r"\bподробнее\b", r"تفاصيل", r"\b(tenho|tengo) interes", r"\bcomo funciona\b",
        r"\bcomment ca marche\b", r"\bwie funktioniert\b", r"\bкак это работает\b", r"\bpaano po (ito|yan|yung)\b",
        r"\bwhich (one|of your \w+)( \w+)? (is|would be) (best|better|good)\b",
        r"\b(recomiendan|recomienda|recomiendas)\b", r"\b(recommandez|conseillez|recommanderiez)\b", r"\bempfehl",
        r"\b(recomendam|recomenda|indicam)\b", r"\b(irerecommend|marecommend)\b", r"\b(tu van|goi y)\b",
        r"\b(посоветуете|порекомендуете|посоветуйте)\b", r"(تنصح|تنصحوني|تنصحني)",
        r"\bje viens de\b.*\b(commander|passer commande)\b", r"\bpasser commande\b",
        r"\b(i|we) (want|wanna) (to )?(get|have|do|book|make|start|try)\b",
        r"\b(something you('d| would)|can you|could you) (take on|handle|help (me |us )?with)\b",
        r"\bquiero\b", r"\b(quisiera|me gustaria)\b", r"\b(je voudrais|j'aimerais|je souhaite|nous voudrions)\b",
        r"\b(ich|wir) (mochte|mochten|wurde gern|wurden gern|hatte gern|hatten gern)\b", r"\b(quero|gostaria|queria)\b",
        r"\bgusto (ko|namin|po)\b", r"\b(muon|can) (dat|mua|lam|lay|nhap)\b", r"\b(хочу|хотим|хотела? бы)\b", r"ابغى",
        r"\bابي\b", r"\bاود\b", r"\bحاب\b", r"\blooking for (a|an|some)\b",
        r"\binterested in\b", r"\bready to (order|buy|book)\b",
        r"\bthinking of (joining|buying|ordering|booking|getting|coming|visiting|signing up)\b",
        r"\bnecesit", r"\bbusco\b", r"\binteresad[oa]\b", r"\bj'ai besoin\b", r"\bje cherche\b", r"\binteresse par\b",
        r"\b(ich|wir) (brauche|brauchen|suche|suchen)\b", r"\binteressiert an\b", r"\b(preciso|procuro)\b",
        r"\binteressad[oa]\b",
        r"\bkailangan (ko|namin|po|namin po)\b", r"\bmagpapa-?\w+", r"\bpo sana\b", r"\bsana (po )?(kami|ako)\b",
        r"\b(minh|em|toi) can\b", r"\bquan tam\b", r"\b(нужн[аоы]|нужен|ищу|ищем|интересует)\b", r"احتاج", r"محتاج",
        r"مهتم",
        r"\b(more|some) (photos|pictures|pics|details|info)\b", r"\b(catalog|catalogue|menu)\b", r"\bi'll get\b",
        r"\bquiero (comprar|pedir|ordenar|encargar|el|la|uno|una|\d+)\b", r"\bme llevo\b", r"\bcomprar\b",
        r"\bencargar\b",
        r"\bcomo (pago|puedo pagar|hago el pedido)\b",
        r"\bje (voudrais|veux|souhaite) (commander|acheter|prendre)\b", r"\bje prends\b",
        r"\bje (le |la |les |vous )?command", r"\bcommander\b",
        r"\bacheter\b",
        r"\bje confirme la commande\b",
        r"\bich (nehme|kaufe|bestelle|mochte (bestellen|kaufen))\b", r"\bbestellen\b", r"\bkaufen\b",
        r"\bwie kann ich (bezahlen|bestellen)\b",
        r"\bquero (comprar|encomendar|pedir|o|a|um|uma|comecar|\d+)\b", r"\bvou querer\b", r"\bencomendar\b",
        r"\bcomo (faco|funciona) (o pedido|a matricula)\b", r"\bmatricula\b",
        r"\border (po )?(ako|ko|kami)\b", r"\bbibili\b", r"\bkukuha (ako|po|kami)\b",
        r"\bgusto ko (bumili|umorder|mag-?order)\b",
        r"\bpa-?order\b", r"\bmag-?order\b", r"\bkunin ko\b",
        r"\b(minh|em|toi|anh|chi) (lay|mua|muon mua|muon dat)\b", r"\bdat hang\b", r"\bchot don\b", r"\bmuon dat\b",
        r"\bdat \d",
        r"اريد (شراء|طلب|ال)", r"ابغى", r"عايز", r"بدي (اطلب|اشتري)", r"اطلب", r"شراء",
        r"\bберу\b", r"\bвозьму\b", r"\bхочу (купить|заказать)\b", r"\bзаказать\b", r"\bкупить\b",
        r"\bоформить заказ\b",
        r"\bкак (оплатить|заказать)\b", r"\bна заказ\b",
    ),
    Intent.BOOKING: _rx(
        r"\bbook(ing)?\b", r"\bappointment\b", r"\breserv(e|ation)\b", r"\bschedule\b", r"\bvisit\b",
        r"\b(come|stop|drop) (by|in|over)\b", r"\btable for\b", r"\bprivate (session|class|lesson)\b",
        r"\b(bring|see) (\w+ )?(in|you)\b.*\b(at \d|\d\s?(am|pm))", r"\bdrop (it|them|\w+) off\b",
        r"\bat \d{1,2}(:\d\d)?\s?(am|pm)?$",
        r"\bat \d{1,2}(:\d\d)?\s?(am|pm)?\b(?!\s?(kg|g|%|units|each|per|dollars|usd|eur))",
        r"\b\d{1,2}(:\d\d)?\s?(am|pm)\b",
        r"\b(a las|para las|um|as|vers|pour|lúc|luc|в|sa) \d{1,2}(:\d\d|h| uhr)?\b(?!\s?(kg|g|cm|%|units|x))",
        r"\bcita\b", r"\breserv", r"\bagend", r"\bturno\b",
        r"\brendez-vous\b", r"\brdv\b",
        r"\bbuchen\b", r"\btermin\b",
        r"\bmarcar (um )?horario\b", r"\beinplanen\b",
        r"\bpa-?book\b", r"\bmagpa-?book\b", r"\bpa-?reserve\b", r"\bsched\b",
        r"\bdat (ban|lich|cho|phong|truoc|banh)\b",
        r"حجز", r"احجز", r"موعد",
        r"\bзапис(ать|аться|ываюсь|ывай)", r"\bзапиш(ите|у)\b", r"\bзаброниров", r"\bбронь\b",
    ),
    Intent.PRICING: _rx(
        r"\bhow much\b", r"\bprices?\b", r"\bpricing\b",
        r"\bwhat('s| is| are) (the|your|any) (\w+ )?(offers?|deals?|promos?|promotions?|specials?)\b",
        r"\bwhat'?s the damage\b", r"\b(fees?|tuition)\b", r"\bwhat would (that|it|this) (run|cost|set)\b",
        r"\b(run|set) (me|us) back\b",
        r"\bwhat('s| is) the total\b", r"\btotal for\b",
        r"\bany (offers|deals|promos|discounts)\b",
        r"\b(ofertas?|promocion|promo|offres?|aktion|promocao|khuyen mai|акци\w*|скидк\w*)\b", r"خصم", r"\bcosts?\b",
        r"\bcharge\b", r"\brates?\b",
        r"\bdiscounts?\b", r"[$€£₱₽]\s?\d",
        r"\bcuanto\b", r"\bcuesta\b", r"\bprecios?\b", r"\bcobran\b", r"\btarifa\b",
        r"\bcombien\b(?! de (personnes|moniteurs|temps|places|gens|fois|jours))", r"\bcoute\b", r"\bprix\b",
        r"\btarifs?\b",
        r"\bwas kostet\b", r"\bwie teuer\b", r"\bcout(e|ent|erait|eraient|ait)\b", r"\bcost(aria|arian)\b",
        r"\bwie ?viel\b", r"\bpreis", r"\bkosten\b",
        r"\bquanto\b", r"\bpreco\b", r"\bqual o valor\b", r"\bvalor d", r"\bcusta\b",
        r"\bmagkano\b", r"\bpresyo\b", r"\bhm (po|ito|yan|to)\b", r"\bhm\s*\?",
        r"\bbao nhieu\b", r"\bgia\b", r"\bbn\b",
        r"\bكم\b", r"بكم", r"سعر", r"تكلف",
        r"\bсколько (стоит|стоят|будет|за|обойд|по цене)", r"\bпочем\b", r"\bцен(а|у|ы)\b", r"\bстоит\b",
        r"\bстоимость\b", r"\bпрайс",
    ),
    Intent.AVAILABILITY: _rx(
        r"\bstock\b", r"\bsold out\b", r"\bavailab(le|ility)\b", r"\bavail\b", r"\brestock",
        r"\bback in (stock|xs|s|m|l|xl|xxl|size|\d+)\b", r"\b(are|r) you (free|available)\b",
        r"هل ت\w+ون",
        r"\bgetting married\b", r"\bfor (our|my) (wedding|party|event|baby shower)\b",
        r"\b(our|my) wedding (is|on|in|next)\b",
        r"\bplanning (a|an|our|my) (wedding|party|event)\b",
        r"\b(what('s| is| are)|how (long|big|heavy|far)( is)?) (the )?(range|battery|battery life|warranty"
        r"|guarantee|weight|capacity"
        r"|material|materials|dimensions|measurements|size|difference|lead time|delivery time|specs?|max speed)\b",
        r"\b(que|qual a|quelle|welche|какая|какой) (autonomia|garantia|garantie|medida|medidas|capacidad|capacidade"
        r"|taille|reichweite"
        r"|grosse|мощность|гарантия|емкость|запас хода)\b", r"\bneed (about|around)\b",
        r"\b(come|comes|viene|vienen|existe|vem|vient) (in|en|em) (other|another|different|otro|otra|outra|outro"
        r"|autre)\b",
        r"\b(other|another|different) (colou?rs?|sizes?)\b",
        r"\b(otro color|otra talla|autre couleur|andere farbe|outra cor)\b",
        r"\b(ibang kulay|mau khac|другой цвет|другого цвета)\b", r"لون (ثاني|اخر)", r"\bdo you (ship|deliver)\b",
        r"\bvous (les |l'|en )?avez\b",
        r"\bvoces tem\b",
        r"\bdo you (guys |also |still )*(run|hold|teach|host|organi[sz]e|have|sell|carry|make|do|offer|cater|fix"
        r"|repair|alter|hem|groom|clean|install"
        r"|accept|take|rent|hire|lend)\b",
        r"\b(venden|hacen|vendez|faites|verkauft ihr|verkaufen sie|macht ihr|vendem|fazem|nagbebenta|gumagawa)\b",
        r"\bco (ban|lam|nhan)\b", r"تبيعون", r"تسوون", r"\b(продаете|делаете)\b",
        r"\bdo you (offer|provide)\b", r"\b(ofrecen|proponez|proposez|bieten sie|oferecem|предлагаете)\b",
        r"\bvous propose",
        r"\bin (a )?(size|large|medium|small)\b", r"\bany (slots|openings)\b",
        r"\b(fit|fits|true to size|sizing|size chart|what size)\b",
        r"\bdo (these|they|the|those|this|it) (\w+ )?(stretch|shrink|fade|run|fit|come|last|work)\b",
        r"\bdoes (it|this|the \w+) (come|work|fit|last|include)\b",
        r"\bwould (it|they|this|that|these) (suit|work|look good|fit)\b",
        r"\b(is there|are there) (a|an|any)\b", r"\b(which|what) (days?|times?)\b",
        r"\bwhen (is|are) (the|your) (next )?(class|classes|session|sessions|course|workshop|intake)\b",
        r"\b(is|are) (it|they|the( \w+){1,3}|your( \w+){1,2}) (suitable|good|ok|okay|gentle|safe) (for|enough)\b",
        r"\bdisponib", r"\btienen\b", r"\bhay (stock|existencia)", r"\btalla\b",
        r"\ben stock\b", r"\bvous avez\b", r"\btaille\b",
        r"\bverfugbar\b", r"\blieferbar\b", r"\bauf lager\b", r"\bhabt ihr\b", r"\bhaben sie\b", r"\bgibt es\b",
        r"\bestoque\b", r"\btamanho\b", r"\btem (esse|essa|o|a|em)\b",
        r"\bmeron (pa|po|ba)\b", r"\bmay (stock|available)\b", r"\bmay \w+( \w+){0,2} (pa )?(po )?ba kayo\b",
        r"\bmeron (po )?(ba )?kayo\b",
        r"\bcon (hang|ban|banh|size)\b", r"\bcon \w+ khong\b", r"\bcon khong\b",
        r"\b(shop |ben minh |ben em )?co\b.{1,40}\bkhong\b",
        r"متوفر", r"متاح", r"عندكم", r"مقاس",
        r"\bесть ли\b", r"\bу вас есть\b", r"^\W*(а )?есть\b.*\?", r"\bв наличии\b", r"\bналичи", r"\bразмер",
    ),
    Intent.HESITATION: _rx(
        r"\bthink about it\b", r"\bhold off\b", r"\blet me think\b", r"\bmaybe later\b", r"\bnot (right )?now\b",
        r"\brun it by\b",
        r"\bget back to you\b", r"\bnot sure\b", r"\blet me check with\b", r"\bi'll confirm\b",
        r"\blo pienso\b", r"\blo consulto\b", r"\blo voy a pensar\b", r"\bte aviso\b", r"\bje vais reflechir\b",
        r"\bje reflechis\b",
        r"\bich uberlege\b", r"\bmelde mich\b", r"\bvou (ver|pensar)\b", r"\bte falo\b",
        r"\bpag-?iisipan\b", r"\bpag isipan\b", r"\bsuy nghi\b", r"\bподумаю\b", r"سافكر", r"افكر",
    ),
    Intent.THANKS: _rx(
        r"\b(thanks|thank you|thx|cheers|appreciated?|gracias|merci|danke|obrigad[oa]|salamat|cam on|спасибо)\b",
        r"شكرا", "🙏", "👍",
    ),
    # Only a message that is nothing but a greeting counts: "Hi, how much is it?" is a pricing question.
    Intent.GREETING: _rx(
        r"^\W*(hi|hello|hey|hiya|howdy|good (morning|afternoon|evening)|hola|buenas( tardes| noches)?"
        r"|buenos dias|bonjour|salut|bonsoir|hallo|guten (tag|morgen|abend)|moin|servus|oi|ola|bom dia"
        r"|boa (tarde|noite)|kumusta|magandang (umaga|hapon|gabi)|chao|xin chao|السلام عليكم|مرحبا|اهلا"
        r"|здравствуйте|привет|добрый (день|вечер)|доброе утро)( (there|po|shop|all|everyone|zusammen|team|a|ban))*\W*$"
    ),
}

# Statements about delivery or pickup are buying signals only as questions ("do you deliver?"),
# not as thanks for the last delivery.
LOGISTICS_QUESTION = _rx(
    r"\bship(ping|s)?\b", r"\bdeliver(y|ies)?\b", r"\bpick ?up\b", r"\benv[ií]os?\b", r"\bentrega", r"\blivr",
    r"\bliefer", r"\bversand\b", r"\bfrete\b", r"\bgiao\b", r"توصيل", r"شحن", r"\bдоставк",
)
# Words that undo what follows them in the same phrase: "haven't paid", "chưa chuyển", "не оплатил".
NEGATION = _rx(
    r"\b(not|never|no|without|yet to|nothing)\b", r"n't\b", r"\b(nunca|jamas|todavia no|aun no)\b", r"\bno\b",
    r"\b(pas|ne|jamais|n')\b", r"\bn'", r"\b(nicht|kein\w*|nie)\b", r"\b(nao|ainda nao)\b",
    r"\b(hindi|di|wala|wag|huwag)\b", r"\b(chua|khong)\b", r"\b(не|нет|ни)\b", r"(^|\s)(لم|لا|ما|مش|ليس|غير)(\s|$)",
)
# Asking about a policy or a what-if is not asking for it: "what's your refund policy?",
# "can I cancel anytime?", "if it doesn't fit, can I return it?".
POLICY = _rx(r"\bpolic(y|ies)\b", r"\bpolitica\b", r"\bpolitique\b", r"\brichtlinie", r"\bполитик", r"سياسه")
HYPOTHETICAL = _rx(
    r"\b(anytime|any time|in case|later on|policy|free of charge)\b", r"\bif\b", r"\bwhat if\b",
    r"\b(si|en cualquier momento)\b", r"\ba tout moment\b", r"\b(wenn|falls|jederzeit)\b",
    r"\b(se|a qualquer momento)\b",
    r"\b(kung|kapag)\b", r"\b(neu|bat cu luc nao)\b", r"\b(если|в любой момент)\b", r"\bاذا\b", r"\bلو\b",
)
# Where a message turns: the refusal before it is scoped to what it named.
CLAUSE_BREAK = re.compile(
    fold(r"(?<=[.!?;\n؟])\s*|,\s*mais\s|\s(?:but|however|although|pero|sino|cependant|aber|sondern|mas|porem|kaso"
         r"|kaya lang|nhung|ma|но|а|однако|لكن|بس)\s"),
    re.IGNORECASE,
)
PHRASE_BREAK = re.compile(r"[,:()]")
NEGATION_WINDOW_WORDS = 3

# Counts, not sizes: "3 x", "40 units", "2 bags", "80 guests", but not the "1kg" of "1kg bag".
QUANTITY = _rx(
    r"\b\d+\s*[x×](?!\w)",
    r"\b\d+\s*(\w+ )?(units?|pcs|pieces?|bags?|boxes|packs?|cases?|bottles?|dozens?|cartons?|pallets?|items?|sets?"
    r"|pairs?"
    r"|guests|people|persons|pax|friends|kids|children|sandwiches|cupcakes|tees|shirts|loaves|bed(room)?s?|rooms?"
    r"|zimmer|habitaciones|ambientes"
    r"|quartos|kwarto|phong|комнат\w*|nights|noches|nuits|nachte|noites|gabi|dem|ноч\w*|ليال\w*"
    r"|unidades|cajas|bolsas|personas|pi[eè]ces|sacs|bo[iî]tes|personnes|stuck|personen|pessoas|unidades|katao"
    r"|nguoi|cai|hop|человек|штук|шт|شخص|قطع)\b",
    r"\b\d+ of (the|your|these|those)\b", r"\b(two|three|four|five|ten|\d+) dozen\b",
)

# --- The business's words -------------------------------------------------------------------------

# A price, quote, invoice or payment link: a proposal when it answers a buying question.
OFFER = _rx(
    r"[$€£₱₽¥₩]\s?\d", r"\d\s?[€£₱₽$]", r"\br\$\s?\d", r"\b(rs\.?|inr|₹|rm|s\$|a\$|c\$)\s?\d",
    r"\d\s?(rs|inr|rupees|ringgit|baht|rand)\b",
    r"\b(usd|eur|gbp|aud|cad|nzd|sgd|myr|idr|inr|php|thb|vnd|zar|ngn|kes|egp|sar|aed|qar|kwd|brl|mxn|cop|ars|clp"
    r"|pen)\s?\d",
    r"\d\s?(d|vnd|nghin|ngan|trieu)\b(?!\w)", r"\d+k\b(?!\s*(miles|mi|km|kms|followers|views|likes|steps|words|subs))",
    r"\d[\d.,]*\s?(usd|eur|euros?|dollars?|pesos?|php|reais|brl|руб\w*|ريال|درهم|جنيه|دينار|sar|aed|egp)",
    r"\bprice is\b", r"\bcosts?\b", r"\bquot(e|ation)\b", r"\bestimate\b", r"\binvoice\b", r"\bpayment link\b",
    r"\bhere's the link\b", r"https?://", r"\btotal\b", r"\bcomes? to\b", r"\d+\s?% off\b", r"\bproposal\b",
    r"\bprecio\b", r"\bcuesta\b", r"\bsale en\b", r"\bcotizacion\b", r"\bpresupuesto\b", r"\bfactura\b",
    r"\bprix\b", r"\bcoute\b", r"\bdevis\b", r"\bfacture\b",
    r"\bkostet\b", r"\bkosten\b", r"\bpreis\b", r"\bangebot\b", r"\brechnung\b", r"\bmacht (das )?\d",
    r"\bcusta\b", r"\bvalor\b", r"\borcamento\b", r"\bfica (em|por)\b", r"\bchave pix\b", r"\blink para pagamento\b",
    r"\bpresyo\b", r"\bgcash\b",
    r"\bgia\b", r"\bbao gia\b", r"\btong\b",
    r"السعر", r"عرض سعر", r"المجموع", r"رابط الدفع",
    r"\bстоит\b", r"\bстоимость\b", r"\bцена\b", r"\bсч[её]т\b", r"\bитого\b", r"\bобойд", r"\bреквизит",
)
# The business confirming a payment, an order or a booking: the sale is made.
PAGE_CONFIRMED = _rx(
    r"(?<!fully )\bbooked\b(?! up)", r"\b(you're|you are) (all )?(booked|set|confirmed)\b",
    r"\b(order|booking|reservation|appointment|payment|everything|spot|place)\b[^.!?]{0,40}\b(confirmed|reserved)\b",
    r"\bpayment received\b", r"\b(got|received) your (order|payment)\b", r"\ball paid\b",
    r"\bвидим оплату\b", r"\bоплата пришла\b", r"\bполучили оплату\b",
    r"\b(received|got) (your|the) (payment|transfer|deposit|money)\b",
    r"\bthanks for (your|the) (payment|transfer|deposit)\b", r"\bwe('ve| have) received (it|your|the payment)\b",
    r"\b(ships|shipping) (today|tomorrow)\b", r"\b(has been|was) (shipped|dispatched)\b", r"\bsee you then\b",
    r"\b(we've|we have) (put|got|pencilled|penciled|booked) you (in|down)\b", r"\bis yours\b", r"\breserved for you\b",
    r"\byour order (is|has been) (placed|in|booked)\b",
    r"\bencomenda confirmad", r"\bwith your name on it\b", r"\blocked in\b", r"^\W*recebemos\b",
    r"\b(scheduled|booked) (you )?(in )?(for|on) (mon|tue|wed|thu|fri|sat|sun|tomorrow|next|the \d|\d)",
    r"\bnos vemos (el|este|manana)\b", r"\border (received|placed)\b",
    r"^\W*(done|sorted|consider it done)\b(?!.*([$€£₱₽]\s?\d|https?://))",
    r"\bwelcome aboard\b", r"\b(is|are|you're|you are|officially) (now )?(officially )?(enrolled|registered)\b",
    r"\bsee you (on )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|there)\b",
    r"\b(reserved|saved|held|set aside|put aside) (under|in|for) (your name|you)\b",
    r"\b(a|sous) votre nom\b",
    r"\b(a|en) (su|tu) nombre\b", r"\bem seu nome\b", r"\bauf ihren namen\b", r"\bна ваше имя\b",
    r"\bотложил\w* для вас\b", r"\b(c'est |bien )?enregistre(e|es|s)?\b", r"\b(anotad[oa]|registrad[oa])\b",
    r"\bnotiert\b",
    r"\bnaka-?(book|reserve|sched) na\b", r"\bda ghi nhan\b", r"تم (الحجز|التسجيل)", r"\bapartad[oa]s?\b",
    r"\b(da )?len don\b", r"\b(te|los|las|lo|la) esperamos\b",
    r"\bagendad[oa]\b", r"\bon vous attend\b",
    r"\b(fest )?eingetragen\b", r"\bзаписали вас\b", r"\bвы записаны\b", r"\bda (xac nhan|len) lich\b",
    r"\bc'est (note|reserve)\b", r"\bc'est regle\b",
    r"\bpago recibido\b", r"\brecibimos (tu|su|el) pago\b", r"\b(pedido|reserva|cita)\b[^.!?]{0,40}\bconfirmad",
    r"\bpaiement recu\b", r"\bbien recu\b", r"\b(commande|reservation|rendez-vous)\b[^.!?]{0,40}\bconfirme",
    r"\bzahlung (ist )?(eingegangen|erhalten)\b",
    r"\b(bestellung|buchung|reservierung|termin)\b[^.!?]{0,40}\bbestatigt\b",
    r"\buberweisung (ist )?eingegangen\b", r"\bgeld ist angekommen\b",
    r"\bpagamento (recebido|confirmado)\b", r"\brecebemos (o|seu) (pagamento|pix)\b", r"\bpix recebido\b",
    r"\b(pedido|reserva|agendamento)\b[^.!?]{0,40}\bconfirmad",
    r"\bnatanggap na (po )?(namin|ko)\b", r"\bnatanggap na po\b",
    r"\bnatanggap na (namin )?(po )?(ang |yung )?(bayad|payment)\b",
    r"\bconfirmed na (po )?(ang |yung )?(order|booking|appointment)\b",
    r"\breceived (na )?po\b",
    r"\bda nhan (duoc )?(tien|thanh toan|chuyen khoan)\b", r"\bnhan duoc (coc|tien|thanh toan)\b",
    r"\bdon hang (da duoc )?xac nhan\b", r"\bxac nhan dat\b",
    r"تم استلام (الدفع|المبلغ|التحويل)", r"وصلنا المبلغ", r"\bوصلنا\b", r"\bوصل(ت)? (المبلغ|التحويل)",
    r"\bзаказ оформлен\b", r"\bоформили заказ\b", r"\bждем вас\b", r"تم تاكيد (الطلب|الحجز)",
    r"\bоплат(у|а) получ", r"\bденьги пришли\b", r"\bзаказ подтвержд", r"\bбронь подтвержд", r"\bзапись\b.*\bподтвержд",
)

# The business asking to be paid: a bare "done" from the customer right after it is a payment.
PAYMENT_REQUEST = _rx(
    r"\bpayment link\b", r"\bpay here\b", r"\bbank (details|account|transfer)\b", r"\baccount (number|no)\b",
    r"\biban\b",
    r"\bpay (via|through|using|at|here|by)\b", r"\bcash ?app\b", r"\b(alias|cbu|cvu)\b", r"\bcashtag\b",
    r"\blink to pay\b", r"\bgcash\b",
    r"\bpaymaya\b", r"\bpix\b", r"\btransfer (it )?to\b", r"\bvenmo\b", r"\bzelle\b", r"\bpaypal\b",
    r"\blink de pago\b", r"\bdatos (bancarios|para la transferencia)\b", r"\blien de paiement\b",
    r"\bcoordonnees bancaires\b",
    r"\brib\b", r"\bbankdaten\b", r"\bbankverbindung\b", r"\bzahlungslink\b", r"\blink (de|para) pagamento\b",
    r"\bchuyen khoan\b", r"\bstk\b", r"\bso tai khoan\b", r"\bреквизит", r"\bномер карты\b", r"رابط الدفع",
    r"رقم الحساب",
)
DONE = _rx(
    r"^\W*(ok(ay)?,? )?(done|sent|all done|transferred|listo|hecho|ya esta|c'est fait|fait|erledigt|gemacht|feito"
    r"|pronto"
    r"|ok na|sent na|done na|ist raus|raus|xong|xong roi|da xong|готово|сделано|отправил[аи]?|تم|خلاص)\b(?!\s*\?)"
)
# "Confirmed" in the business's words, unless it is a condition ("once payment is confirmed") or a question.
CONFIRMED_WORD = _rx(
    r"\b(confirmed|confirmad[oa]s?|confirmee?s?|bestatigt|xac nhan|подтвержден\w*|kumpirmado)\b", r"تم تاكيد", r"موكد"
)
CONDITION = _rx(
    r"\b(once|when|after|as soon as|if|until|before|cuando|una vez|si|quand|des que|une fois|apres|sobald|wenn|nachdem"
    r"|quando|assim que|depois|pag|kapag|khi|sau khi|neu|когда|как только|после|если|عندما|بعد|اذا)\b"
)

# Unsolicited pitches: a link with one of these, or three of them, is spam.
PITCH = _rx(
    r"\b(boost|grow|increase|double|triple) (your|the)\b", r"\bmarketing\b", r"\bfree trial\b", r"\b\d+\s?% more\b",
    r"\bby \d+\s?%", r"\b(followers|leads|traffic|engagement)\b",
    r"\bour (tool|service|services|agency|platform|app|team)\b",
    r"\bwe (help|offer|provide|can help) (businesses|brands|pages|companies|you)\b",
    r"\b(sign up|apply|join|register) now\b",
    r"\blimited (time|offer)\b", r"\bguarantee", r"\b(profit|income|earn|earnings)\b", r"\b(investment|invest)\b",
    r"\bloans?\b", r"\bcrypto", r"\bwhatsapp\b", r"\b(message|dm|contact) (me |us )?now\b", r"\bcheap prices\b",
    r"\bearn (money|cash)\b", r"\bno experience\b",
    r"\bwe help \w+( \w+)? (get|grow|increase|boost|reach|rank)\b",
    r"\b(google|5-star|five star) reviews\b", r"\b(want|need) more (sales|customers|clients|followers|leads)\b",
    r"\bi (build|design|make|create) (websites|stores|apps|logos|shopify)", r"\bcheck (out )?my\b",
    r"\bvisit (my|our)\b",
    r"\bfollow (me|us|my|our)\b", r"\b(portfolio|shopify)\b", r"\bpromo(tion)? code\b", r"\bcollab(oration)?\b",
    r"\b(dm|message) me\b", r"\bseo\b",
)
LINK = _rx(r"https?://", r"\bwww\.", r"\b\w+\.(com|net|io|ly|example|xyz|online|site)/?\b")

# Questions about the place itself are not buying signals: "do you have parking?", "are you open Mondays?".
AMENITY = _rx(
    r"\b(parking|wifi|wi-fi|toilets?|bathrooms?|restrooms?|wheelchair|opening hours|address|location|located)\b",
    r"\bloyalty (program|programme|card|scheme)\b",
    r"\b(changing rooms?|lockers?|lift|elevator|seating|toilet|restroom|playground)\b", r"(?<!baby )\bshowers?\b",
    r"\b(store|shop|branch|location|studio) (in|near)\b", r"\bphysical (store|shop)\b",
    r"\b(tiktok|instagram|facebook|website|social media|youtube|newsletter|hiring|job|jobs|vacancies)\b",
    r"\b(open|opens|close|closes|closed|opening|closing)\b",
    r"\b(abren|cierran|ouvert|ouvre|ferme|geoffnet|offnet|abrem|fecham)\b",
    r"\b(bukas|sarado|mo cua|dong cua|открыт\w*|закрыт\w*|работаете)\b", r"(تفتحون|مفتوح)",
    r"\b(estacionamiento|aparcamiento|banos|horario|direccion|ubicacion)\b", r"\b(toilettes|horaires|adresse)\b",
    r"\b(parkplatz|parkplatze|offnungszeiten|adresse)\b", r"\b(estacionamento|endereco)\b", r"\b(paradahan)\b",
    r"\b(cho dau xe|bai do xe|dia chi)\b", r"\b(парковк\w*|адрес|часы работы)\b", r"موقف", r"عنوان", r"مواعيد",
)

# Haggling words: an objection with one of these is a counter-offer, not a refusal.
NEGOTIATE = _rx(
    r"\b(discount|lower|best price|can you do|could you do|meet me|deal)\b",
    r"\b(descuento|rebaja|remise|rabatt|desconto|tawad)\b",
    r"\b(giam gia|bot)\b", r"\bскидк", r"خصم",
)

# "Thanks, but ..." without anything asked for after it: a polite no.
THANKS_BUT = _rx(
    r"^\W*(ok(ay)?,? )?(thanks|thank you|thx|appreciate it|much appreciated|gracias|merci|je vous remercie|danke"
    r"|obrigad[oa]|valeu|salamat|cam on|спасибо|شكرا)\b(\W+\w+){0,5}?\W*\s(but|pero|mais|aber|mas|kaso|nhung|но|بس"
    r"|لكن)\b"
)

# "In the end ..." with nothing asked for after it: they went another way.
IN_THE_END = _rx(
    r"\b(al final|finalmente|in the end|eventually|am ende|letztendlich|no fim|no final|sa huli|cuoi cung|в итоге"
    r"|в конце концов)\b"
)

# Thanking for a quote is no request for one: "thanks for the quote, but ...".
THANKS_FOR_OFFER = _rx(
    r"\b(thanks|thank you|gracias|merci|danke|obrigad[oa]|salamat|cam on|спасибо|شكرا)\b.{0,15}\b(quote|estimate"
    r"|offer|proposal"
    r"|info|information|price|prices|cotizacion|presupuesto|devis|offre|angebot|orcamento|proposta|bao gia"
    r"|предложение|расчет)"
)

# The customer answered their own question: a "never mind" then closes the question, not the deal.
RESOLVED = _rx(
    r"\bfound (it|the answer|the info|what i (needed|was looking for))\b.{0,20}\b(on|in) your\b", r"\bfigured it out\b",
    r"\bsorted it (out|myself)\b", r"\bfound the answer\b", r"\bencontre la respuesta\b", r"\btrouve la reponse\b",
)
