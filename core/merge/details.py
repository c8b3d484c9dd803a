"""Phone numbers and email addresses a person wrote in their own messages."""

from __future__ import annotations

import re
from collections.abc import Iterable

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# A run of digits with the spacing people type: "+44 7700 900123", "(415) 555-0123", "0412.555.123".
# Not preceded by a word character, '#' (an order number) or '/' (a date or a URL path).
_PHONE = re.compile(r"(?<![\w#/@.\-])(\+|00)?\(?\d[\d\s().\-]{5,18}\d(?![\w@])")
_DATE = re.compile(r"^\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}$")
# Fewer is a price, a postcode or a quantity; more is an order or card number.
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 7, 15
# Phones are compared on their last nine digits, so "+44 7700 900123" meets "07700 900123".
PHONE_KEY_DIGITS = 9


def contact_details(texts: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
    """Phone numbers and email addresses a person wrote in their own messages, normalised.

    Phones become digits, with a leading country code kept when it was given ("+1 415 555 0123" and
    "001 415 555 0123" -> "14155550123"); emails are lower-cased.
    """
    phones: set[str] = set()
    emails: set[str] = set()
    for text in texts:
        emails.update(m.group(0).lower().rstrip(".") for m in _EMAIL.finditer(text))
        # The digits in "anna1985@mail.com" are no phone.
        for match in _PHONE.finditer(_EMAIL.sub(" ", text)):
            phone = _phone(match.group(0))
            if phone:
                phones.add(phone)
    return frozenset(phones), frozenset(emails)


def _phone(raw: str) -> str | None:
    raw = raw.strip()
    if _DATE.match(raw):
        return None
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("00"):
        digits = digits[2:]
    if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
        return None
    return digits


def phone_key(phone: str) -> str:
    return phone[-PHONE_KEY_DIGITS:]


# The part before the @ of an address a whole shop or office shares: weak evidence of one person.
ROLE_MAILBOXES = frozenset(
    "info hello hi contact contacto sales ventas admin office shop store orders order support help "
    "booking bookings enquiries enquiry inquiries team mail studio reservations hola".split()
)


def is_role_email(email: str) -> bool:
    return email.split("@", 1)[0] in ROLE_MAILBOXES
