"""Deterministic fake inbox data for the Graph API simulator.

Every conversation is a pure function of (page, platform, index): nothing is stored, so a page
with 100,000 conversations costs no memory and any index can be produced in O(1), which is what
cursor paging deep into a big inbox needs.
"""

from __future__ import annotations

import base64
import hashlib
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MESSENGER = "messenger"
INSTAGRAM = "instagram"
PLATFORMS = (MESSENGER, INSTAGRAM)

# A prime, so coprime to every id space below: index -> (index * prime + offset) mod space is a
# bijection, which makes ids look random yet never collide within a page and platform.
_ID_MULTIPLIER = 2**61 - 1

# offset(i) = i * _STEP + jitter(i), jitter in [0, _JITTER]: consecutive conversations are then
# 180..5400 s (3-90 min) apart, and any index's time is computable without summing all earlier gaps.
_STEP_SECONDS = 2790
_JITTER_SECONDS = 2610

META_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S+0000"


@dataclass(frozen=True)
class SimPage:
    """A Facebook Page served by the simulator; its inbox is generated from `seed`."""

    page_id: str
    name: str
    token: str
    messenger_count: int
    instagram_count: int = 0
    instagram_account_id: str | None = None
    instagram_username: str | None = None
    seed: int = 1
    nameless_every: int = 0
    anchor: datetime | None = None
    category: str = "Local business"

    def __post_init__(self) -> None:
        if not self.page_id or not self.token:
            raise ValueError("SimPage needs a page_id and a token")
        if self.messenger_count < 0 or self.instagram_count < 0:
            raise ValueError("conversation counts must be >= 0")
        if self.instagram_count and not self.instagram_account_id:
            raise ValueError("instagram_count > 0 needs an instagram_account_id")
        if self.nameless_every < 0:
            raise ValueError("nameless_every must be >= 0")
        if self.anchor is not None and (not isinstance(self.anchor, datetime) or self.anchor.tzinfo is None):
            raise ValueError("anchor must be a timezone-aware datetime")

    def count(self, platform: str) -> int:
        return self.messenger_count if platform == MESSENGER else self.instagram_count


DEMO_PAGE = SimPage(
    page_id="104857600000001",
    name="Bluebird Coffee Roasters",
    token="demo-page-token-not-secret",
    messenger_count=347,
    instagram_count=60,
    instagram_account_id="17841400000000001",
    instagram_username="bluebirdcoffee",
    nameless_every=50,
    category="Coffee Shop",
)

# What fbsync asks for at Facebook Login, and so what a simulated user grants unless told otherwise.
DEFAULT_SCOPES = (
    "pages_show_list",
    "pages_messaging",
    "pages_read_engagement",
    "pages_manage_metadata",
    "instagram_basic",
    "instagram_manage_messages",
)


@dataclass(frozen=True)
class SimUser:
    """A Facebook user who manages pages and logs in to the app through the Login dialog.

    `granted` is what the user agrees to when asked, and holds before any dialog: a scope the
    dialog requests outside it ends up declined, as if the user unticked it."""

    user_id: str
    name: str
    page_ids: Sequence[str] = ()
    granted: Sequence[str] = DEFAULT_SCOPES

    def __post_init__(self) -> None:
        if not isinstance(self.user_id, str) or not self.user_id.isdigit():
            raise ValueError(f"user_id must be a numeric string like Meta's user ids, got {self.user_id!r}")
        # A bare string is a Sequence too, and would be read as one page or scope per character.
        if isinstance(self.page_ids, str) or isinstance(self.granted, str):
            raise ValueError("page_ids and granted must be lists of strings")
        object.__setattr__(self, "page_ids", tuple(self.page_ids))
        object.__setattr__(self, "granted", tuple(self.granted))


DEMO_USER = SimUser(user_id="10229000000000001", name="Ada Owner", page_ids=(DEMO_PAGE.page_id,))


@dataclass(frozen=True)
class Person:
    """A conversation participant as Meta describes it; None fields are left out of the JSON."""

    id: str
    name: str | None = None
    email: str | None = None
    username: str | None = None


@dataclass(frozen=True)
class Profile:
    """What Meta's User Profile API knows of a customer. For Messenger `name` is the Facebook
    name; on Instagram it is the display name (None when unset) and `username` the handle."""

    id: str
    platform: str
    name: str | None
    username: str | None
    profile_pic: str


@dataclass(frozen=True)
class Message:
    id: str
    created_time: datetime
    sender: Person
    recipient: Person
    text: str


@dataclass(frozen=True)
class Conversation:
    id: str
    index: int
    platform: str
    updated_time: datetime
    customer: Person
    page: Person
    messages: tuple[Message, ...]  # newest first, like Meta

    @property
    def unread_count(self) -> int:
        return 1 if self.messages and self.messages[0].sender == self.customer else 0


def format_time(moment: datetime) -> str:
    return moment.strftime(META_TIME_FORMAT)


def _hash(*parts: object) -> int:
    # hashlib rather than hash(): str hashing is salted per process, and ids must be stable across runs.
    digest = hashlib.sha256(":".join(str(part) for part in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _numeric_id(index: int, offset: int, width: int) -> str:
    """A `width`-digit id with a non-zero first digit, like Meta's, unique per index."""
    low = 10 ** (width - 1)
    return str(low + (index * _ID_MULTIPLIER + offset) % (9 * low))


def _inverse_id(customer_id: str, offset: int, width: int) -> int | None:
    """The index _numeric_id(index, offset, width) came from, or None if no index maps to it."""
    if len(customer_id) != width or not customer_id.isdigit() or customer_id[0] == "0":
        return None
    low = 10 ** (width - 1)
    space = 9 * low
    return (int(customer_id) - low - offset) * pow(_ID_MULTIPLIER, -1, space) % space


def _opaque(payload: str) -> str:
    # The hash prefix makes ids look unrelated to each other; the payload keeps them unique.
    raw = hashlib.sha256(payload.encode()).digest()[:6] + payload.encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# --- Names --------------------------------------------------------------------------------------

_FIRST = (
    "John",
    "Mary",
    "James",
    "Patricia",
    "Michael",
    "Jennifer",
    "David",
    "Linda",
    "Sarah",
    "Daniel",
    "Emily",
    "Chris",
    "Jessica",
    "Matthew",
    "Ashley",
    "Kevin",
    "Laura",
    "Ryan",
    "Megan",
    "Jason",
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Ethan",
    "Sophia",
    "Lucas",
    "Mia",
    "Jane",
    "Tom",
    "Grace",
    "Ben",
    "Chloe",
    "Sam",
    "Hannah",
    "Alex",
    "Zoe",
    "Priya",
    "Kwame",
    "Aisha",
    "Mateo",
    "Yuki",
    "Ngozi",
    "Arjun",
    "Fatima",
)
_LAST = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Martin",
    "Jackson",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Doe",
    "Patel",
    "Okafor",
    "Nguyen",
    "Kim",
    "O'Brien",
    "Mensah",
    "Rossi",
    "Kowalski",
    "Silva",
)
_MIDDLE = ("Anne", "Marie", "Lee", "Lynn", "James", "Rose", "Grace", "Ray", "Jo", "Louise")
_SINGLE = ("Cher", "Madonna", "Zendaya", "Adele", "Björk", "Rihanna", "Moby", "Shakira")
_NON_LATIN = (
    "李小龙",
    "王芳",
    "张伟",
    "Алексей Иванов",
    "Мария Петрова",
    "Дмитрий Соколов",
    "محمد علي",
    "فاطمة الزهراء",
    "田中太郎",
    "김민준",
    "Νίκος Παπαδόπουλος",
    "राहुल शर्मा",
    "דוד כהן",
    "สมชาย ใจดี",
)
_ACCENTED_FIRST = (
    "José",
    "Zoë",
    "François",
    "Søren",
    "Łukasz",
    "Chloé",
    "Inés",
    "Jürgen",
    "Björn",
    "Siân",
    "Renée",
    "Ágnes",
)
_ACCENTED_LAST = (
    "García",
    "Müller",
    "Lefèvre",
    "Østergaard",
    "Wójcik",
    "Dubois",
    "Muñoz",
    "Schäfer",
    "Ångström",
    "Petrović",
    "Conceição",
    "Yılmaz",
)
_GENERIC_HANDLES = (
    "coffee.lover",
    "latte_art_fan",
    "bean.hunter",
    "morning.brew",
    "espresso.addict",
    "pourover.club",
    "the.daily.grind",
    "cafe.hopper",
)
# Letters NFKD cannot decompose into ASCII.
_ASCII_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ı": "i"})


def _customer_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.62:
        return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    if roll < 0.72:
        return f"{rng.choice(_FIRST)} {rng.choice(_MIDDLE)} {rng.choice(_LAST)}"
    if roll < 0.78:
        return rng.choice(_SINGLE)
    if roll < 0.89:
        return rng.choice(_NON_LATIN)
    return f"{rng.choice(_ACCENTED_FIRST)} {rng.choice(_ACCENTED_LAST)}"


def _username(rng: random.Random, name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.translate(_ASCII_FOLD)).encode("ascii", "ignore").decode()
    words = ["".join(ch for ch in word.lower() if ch.isalnum()) for word in folded.split()]
    words = [word for word in words if word]
    number = rng.randint(1, 99)
    if not words:
        return f"{rng.choice(_GENERIC_HANDLES)}_{number}"
    first, last = words[0], words[-1]
    if len(words) == 1:
        return rng.choice((f"{first}{number}", f"{first}.official", f"its.{first}_{number}"))
    return rng.choice(
        (
            f"{first}.{last}",
            f"{first}.{last}_{number}",
            f"{first}{last}{number}",
            f"{first}_{last}",
            f"{first}.{last[0]}",
            f"the{first}{last}",
        )
    )


# --- Conversation scripts -----------------------------------------------------------------------
# Each intent: customer openers, then the rest of the thread alternating page / customer, oldest first.

_INTENTS: tuple[tuple[int, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        10,
        (  # greeting only
            "Hi",
            "Hello!",
            "Hey 👋",
            "Good morning",
            "hi there",
            "Hello, are you open today?",
        ),
        (
            "Hi {first}! Thanks for reaching out to {page}. How can we help?",
            "Just browsing your page, do you ship nationwide?",
            "We do! Orders over $40 ship free, everything else is a flat $6.",
            "Great, I'll have a look at the shop",
            "Sounds good, shout if you have any questions.",
            "Will do, thanks!",
            "Anytime ☕",
        ),
    ),
    (
        20,
        (  # price question
            "Hi, how much is a {product}?",
            "What's the price of the {product}?",
            "How much for {qty} x {product}?",
            "Price please for {product}",
            "hi what do you charge for the {product}",
            "What's your pricing for the {product}?",
        ),
        (
            "Hi {first}! The {product} is ${price}. Orders over $40 ship free.",
            "Do you have any discounts for subscriptions?",
            "Yes, subscribers get 10% off every delivery and can pause anytime.",
            "Ok nice. Is it in stock right now?",
            "It is, roasted fresh every Tuesday and Friday.",
            "Perfect, I'll think about it",
            "No rush, we're here if you need anything!",
        ),
    ),
    (
        18,
        (  # wants to buy, with quantity
            "I'd like to order {qty} x {product} please",
            "Can I buy {qty} of the {product}?",
            "Hi! I want to order {qty} {product} for pickup",
            "I'll take {qty} x {product}, how do I pay?",
        ),
        (
            "Great choice, {first}! {qty} x {product} comes to ${total}. Delivery or pickup?",
            "Delivery please, to {street}",
            "Done, I've sent a payment link to this chat. It ships as soon as it's paid.",
            "Paid, thanks!",
            "Payment received 🙌 Your order ships tomorrow, tracking number to follow.",
            "Awesome, can't wait",
            "Enjoy! Let us know how you like it.",
        ),
    ),
    (
        10,
        (  # booking / appointment / visit
            "Can I book a cupping session for {day} at {time}?",
            "Do you have availability for a roastery visit on {day}?",
            "Hi, I'd like to make an appointment for a barista class on {day}",
            "Can we come by on {day} around {time} for a tasting?",
        ),
        (
            "Hi {first}! {day} at {time} works. How many people should I put you down for?",
            "{people} of us",
            "Booked ✅ {people} people on {day} at {time}. We're at 18 Foundry Lane.",
            "Thank you! Is there parking nearby?",
            "Yes, free street parking right outside.",
            "Great, see you then",
            "See you {day}!",
        ),
    ),
    (
        10,
        (  # complaint / refund
            "My order arrived damaged and the beans spilled everywhere. I want a refund.",
            "I was charged twice for order #{order}",
            "The {product} I got tasted stale, really disappointed",
            "Still haven't received order #{order}, it's been 2 weeks!",
            "I'd like a refund for my last order please",
        ),
        (
            "I'm so sorry about this, {first}. Could you send your order number and a photo if possible?",
            "Order #{order}",
            "Thanks. I've issued a full refund of ${total}; it should appear in 3-5 business days.",
            "Ok, thank you for sorting it quickly",
            "Of course. I've also added a 15% code to your account for next time: SORRY15",
            "Appreciated",
            "Thanks for your patience!",
        ),
    ),
    (
        12,
        (  # quote for N units
            "Can you quote me for {units} units of the {product}? It's for our café.",
            "Hi, looking for a wholesale quote: {units} bags a month",
            "We need {units} x {product} for a corporate event, what's your best price?",
            "Could you send a quote for {units} units?",
        ),
        (
            "Happy to help, {first}! For {units} units we can do ${unit_price} each "
            "(${quote_total} total), delivery included.",
            "Can you put that in a formal quote?",
            "Sure, what email and business name should it go to?",
            "orders@{company_slug}.com, {company} Ltd",
            "Sent! The quote is valid for 30 days.",
            "Got it, I'll run it by my manager",
            "Sounds good, just reply here when you're ready.",
        ),
    ),
    (
        10,
        (  # thanks / closed deal
            "Paid, thanks!",
            "Just sent the payment 🙏",
            "Got my order today, thank you!",
            "Thanks so much, deal!",
            "Transfer done, thanks for the help",
        ),
        (
            "Thank you, {first}! Everything's confirmed on our side.",
            "Great doing business with you",
            "Likewise! Enjoy the coffee ☕",
            "Will do, I'll be back for more",
            "We'll be here 😊",
            "👍",
            "Have a great week!",
        ),
    ),
    (
        10,
        (  # unsubscribe / not interested
            "Not interested, please stop messaging me",
            "Unsubscribe",
            "STOP",
            "Please remove me from your list",
            "No thanks, not interested",
        ),
        (
            "Sorry about that, {first}. You won't receive any more messages from us.",
            "Thanks",
            "Take care!",
        ),
    ),
)
_INTENT_WEIGHTS = tuple(weight for weight, _, _ in _INTENTS)
# Customer follow-ups when the page never answered.
_UNANSWERED = (
    "Hello?",
    "Is anyone there?",
    "??",
    "Hi, still waiting on a reply",
    "Can someone get back to me please",
    "Hello??",
    "I'll try calling instead",
)
_UNANSWERED_SHARE = 0.15

_PRODUCTS = (
    ("1kg bag of House Espresso", 38.0),
    ("250g Ethiopia Yirgacheffe", 16.5),
    ("500g Colombia Huila", 24.0),
    ("1L cold brew concentrate", 19.0),
    ("holiday gift box", 45.0),
    ("V60 starter kit", 52.0),
    ("1kg bag of Swiss Water Decaf", 36.0),
    ("250g Kenya AA", 18.0),
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_TIMES = ("9am", "10:30am", "1pm", "3pm", "4:30pm")
_STREETS = ("Elm Street", "Harbour Road", "Maple Avenue", "Station Lane", "High Street", "Rue Victor Hugo")
_COMPANIES = ("Corner Cafe", "Daily Grind", "Blue Door Bistro", "Harbour Deli", "Northside Offices")


def _script(rng: random.Random, first_name: str, page_name: str) -> list[tuple[bool, str]]:
    """The whole thread as (from_customer, text), oldest first, already trimmed to 1-8 messages."""
    _, openers, thread = rng.choices(_INTENTS, weights=_INTENT_WEIGHTS)[0]
    product, price = rng.choice(_PRODUCTS)
    qty = rng.randint(1, 6)
    units = rng.choice((20, 24, 50, 60, 100, 120, 200, 250, 500))
    unit_price = round(price * rng.uniform(0.70, 0.85), 2)
    company = rng.choice(_COMPANIES)
    values = {
        "first": first_name,
        "page": page_name,
        "product": product,
        "price": f"{price:.2f}",
        "qty": qty,
        "total": f"{qty * price:.2f}",
        "units": units,
        "unit_price": f"{unit_price:.2f}",
        "quote_total": f"{units * unit_price:,.2f}",
        "day": rng.choice(_DAYS),
        "time": rng.choice(_TIMES),
        "people": rng.randint(2, 8),
        "order": rng.randint(10000, 99999),
        "street": f"{rng.randint(1, 240)} {rng.choice(_STREETS)}",
        "company": company,
        "company_slug": company.lower().replace(" ", ""),
    }
    wanted = rng.randint(1, 8)
    opener = rng.choice(openers).format(**values)
    if rng.random() < _UNANSWERED_SHARE:
        lines = [(True, opener)] + [(True, text) for text in _UNANSWERED]
    else:
        lines = [(True, opener)] + [(n % 2 == 1, text.format(**values)) for n, text in enumerate(thread)]
    return lines[:wanted]


_GENERATED_KEPT = 25_000  # conversations per inbox kept once generated


class Inbox:
    """One page's conversations on one platform, index 0 being the most recently updated."""

    def __init__(self, page: SimPage, platform: str, anchor: datetime) -> None:
        self.page = page
        self.platform = platform
        self.count = page.count(platform)
        # format_time writes a literal +0000, so every time must be UTC.
        self.anchor = anchor.astimezone(UTC).replace(microsecond=0)
        self._content_salt = (page.seed, platform)
        # Generating a conversation costs the simulator about as much as storing it costs fbsync: a
        # conversation is generated once (it never changes; touches are laid over it), up to a bound.
        self._generated: dict[int, Conversation] = {}
        # Ids also hash the page id so that two pages sharing a seed still get distinct ids.
        id_salt = (page.page_id, page.seed, platform)
        self._customer_offset = _hash(*id_salt, "customer")
        self._thread_offset = _hash(*id_salt, "thread")
        if platform == MESSENGER:
            self.page_person = Person(id=page.page_id, name=page.name, email=f"{page.page_id}@facebook.com")
        else:
            username = page.instagram_username or "".join(ch for ch in page.name.lower() if ch.isalnum())
            self.page_person = Person(id=page.instagram_account_id or "", username=username)

    def conversation_id(self, index: int) -> str:
        thread_number = _numeric_id(index, self._thread_offset, 17)
        if self.platform == MESSENGER:
            return f"t_{thread_number}"
        return _opaque(f"ig_message_thread:{self.page_person.id}:{thread_number}")

    def message_id(self, index: int, key: str) -> str:
        """Unique across pages, platforms and conversations because all of them are in the payload."""
        payload = f"{self.page.page_id}:{self.platform}:{index}:{key}"
        return f"m_{_opaque(payload)}" if self.platform == MESSENGER else _opaque(f"ig_message_item:{payload}")

    def updated_time(self, index: int) -> datetime:
        jitter = _hash(*self._content_salt, index, "gap") % (_JITTER_SECONDS + 1) if index else 0
        return self.anchor - timedelta(seconds=index * _STEP_SECONDS + jitter)

    def is_nameless(self, index: int) -> bool:
        every = self.page.nameless_every
        return every > 0 and (index + 1) % every == 0

    def customer_id(self, index: int) -> str:
        return _numeric_id(index, self._customer_offset, 16)

    def customer_index(self, customer_id: str) -> int | None:
        """Which conversation `customer_id` (a PSID or IGSID) is the customer of, in O(1)."""
        index = _inverse_id(customer_id, self._customer_offset, 16)
        return index if index is not None and index < self.count else None

    def _identity(self, index: int) -> tuple[random.Random, str, str]:
        """The customer's name and handle, and the generator left where the script continues."""
        if not 0 <= index < self.count:
            raise IndexError(f"{self.platform} conversation index {index} out of range 0..{self.count - 1}")
        rng = random.Random(_hash(*self._content_salt, index, "conversation"))
        name = _customer_name(rng)
        return rng, name, _username(rng, name)

    def profile(self, index: int) -> Profile | None:
        """None for nameless customers: Meta has no profile to show for them either."""
        _, name, username = self._identity(index)
        if self.is_nameless(index):
            return None
        customer_id = self.customer_id(index)
        handle = username if self.platform == INSTAGRAM else None
        return Profile(customer_id, self.platform, name, handle, self.profile_pic(customer_id))

    def profile_pic(self, user_id: str) -> str:
        """A CDN URL shaped like the one Meta serves for this user, signed and expiring like Meta's."""
        digest = hashlib.sha256(f"{self.page.page_id}:{self.platform}:{user_id}".encode()).digest()
        signature = base64.urlsafe_b64encode(digest[:12]).decode().replace("-", "x").replace("_", "y")
        # Meta's picture URLs stop working after a few days; clients must not store them for long.
        expiry = int((self.anchor + timedelta(days=4)).timestamp())
        if self.platform == MESSENGER:
            return (
                f"https://platform-lookaside.fbsbx.com/platform/profilepic/?psid={user_id}&width=1024"
                f"&ext={expiry}&hash=Ab{signature}"
            )
        number = int.from_bytes(digest[12:20], "big") % 10**18
        return (
            f"https://scontent.cdninstagram.com/v/t51.2885-19/{number}_n.jpg?stp=dst-jpg_s206x206"
            f"&_nc_ht=scontent.cdninstagram.com&oh=00_{signature}&oe={expiry:X}"
        )

    def conversation(self, index: int) -> Conversation:
        generated = self._generated.get(index)
        if generated is None:
            generated = self._generate(index)
            if len(self._generated) < _GENERATED_KEPT:
                self._generated[index] = generated
        return generated

    def _generate(self, index: int) -> Conversation:
        rng, name, username = self._identity(index)
        customer_id = self.customer_id(index)
        nameless = self.is_nameless(index)
        if self.platform == MESSENGER:
            customer = Person(id=customer_id, name=None if nameless else name, email=f"{customer_id}@facebook.com")
        else:
            customer = Person(id=customer_id, username=None if nameless else username)
        first_name = "there" if nameless else name.split()[0]
        script = _script(rng, first_name, self.page.name)

        updated = self.updated_time(index)
        messages: list[Message] = []
        created = updated
        # Walk newest to oldest so the newest message carries the conversation's updated_time.
        for position, (from_customer, text) in enumerate(reversed(script)):
            sender, recipient = (customer, self.page_person) if from_customer else (self.page_person, customer)
            key = str(len(script) - 1 - position)  # oldest message is 0, so ids do not depend on order
            messages.append(Message(self.message_id(index, key), created, sender, recipient, text))
            # Pages answer within the hour; customers take anywhere from minutes to most of a day.
            gap_minutes = rng.randint(2, 60) if not from_customer else rng.randint(5, 600)
            created -= timedelta(minutes=gap_minutes, seconds=rng.randint(0, 59))
        return Conversation(
            id=self.conversation_id(index),
            index=index,
            platform=self.platform,
            updated_time=updated,
            customer=customer,
            page=self.page_person,
            messages=tuple(messages),
        )
