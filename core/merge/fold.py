"""Names folded for comparison: case, accents, decoration, word order and Cyrillic/Greek script.

A folded name is the set of its word tokens, so "Hopper Grace", "GRACE HOPPER ✨" and "Grâce Hopper"
all fold to {"grace", "hopper"}. Instagram usernames fold to their letters ("grace.hopper_92" ->
"gracehopper") and their separated parts ("grace", "hopper").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# One common romanisation per letter (and Greek's ου, "ou"): enough for "Иван Петров" to meet
# "Ivan Petrov" and "Παπαδόπουλος" "Papadopoulos". Names that
# romanise several ways (Yevgeny / Evgeniy) may still meet through the one-letter tolerance below.
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya i yi ye g".split(),
        strict=True,
    )
)
_GREEK = dict(
    zip(
        "αβγδεζηθικλμνξοπρσςτυφχψω",
        "a v g d e z i th i k l m n x o p r s s t y f ch ps o".split(),
        strict=True,
    )
)
_ROMAN = {letter: ("" if latin == "-" else latin) for letter, latin in (_CYRILLIC | _GREEK).items()}

# Given names whose short form is not a prefix of the long one (prefixes, "Chris" / "Christopher",
# are found by rule). Each group is one name; a nickname is compatible with its name, never equal.
_NICKNAME_GROUPS = (
    "william bill will billy liam",
    "robert bob bobby rob robbie bert",
    "elizabeth liz beth betty lisa eliza",
    "katherine catherine kathryn kate katie kathy cathy kat",
    "margaret maggie peggy meg greta",
    "richard rick dick richie",
    "james jim jimmy jamie",
    "edward ed ted eddie ned",
    "andrew andy drew",
    "anthony tony",
    "joseph joe joey",
    "john jack johnny",
    "michael mike mikey",
    "alexander alexandra alejandro alex sasha sandra sandy",
    "rebecca becky becca bex",
    "dmitry dmitri dima",
    "wojciech wojtek",
    "nikolai kolya",
    "jose pepe jojo",
    "gerardo gerald gerard gerry",
    "francisco paco pancho",
    "guadalupe lupe lupita",
    "ignacio nacho",
    "susan sue suzy",
    "jennifer jen jenny",
    "charles charlie chuck",
)
NICKNAMES: dict[str, frozenset[str]] = {}
for _group in _NICKNAME_GROUPS:
    _names = frozenset(_group.split())
    for _name in _names:
        NICKNAMES[_name] = NICKNAMES.get(_name, frozenset()) | _names


# "Sami Nasser" and "Sami Nasser Jr" are a father and his son: these words are kept apart from the name.
GENERATIONS = frozenset("jr junior sr senior ii iii iv".split())


@lru_cache(maxsize=65536)
def fold_word(text: str) -> str:
    """Lower-cased, accents and decoration dropped, Cyrillic and Greek romanised; letters and digits only."""
    # The accents NFKD splits off are marks (category M).
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if unicodedata.category(ch)[0] != "M")
    roman = "".join(_ROMAN.get(ch, ch) for ch in bare.replace("ου", "ou"))
    return "".join(ch for ch in roman if ch.isalnum())


_SEPARATORS = re.compile(r"[\s\-_.&,/|+()]+")
_APOSTROPHES = re.compile(r"['’`]")  # "O'Brien" is one word, as "OBrien" is


def name_tokens(*parts: str | None) -> frozenset[str]:
    """A display name's word tokens; digits ("Mary 2") and decoration ("Nia 💕") are not a name."""
    words = (fold_word(w) for part in parts if part for w in _SEPARATORS.split(_APOSTROPHES.sub("", part)))
    return frozenset(w for w in words if w and not w.isdigit())


def username_letters(username: str | None) -> str:
    """'grace.hopper_92' -> 'gracehopper': what remains of a handle once separators and digits go."""
    return "".join(ch for ch in fold_word(username or "") if not ch.isdigit())


def username_parts(username: str | None) -> tuple[str, ...]:
    """'g.hopper92' -> ('g', 'hopper'): the handle's pieces between separators and digits."""
    pieces = (fold_word(piece) for piece in _SEPARATORS.split(username or ""))
    return tuple(part for piece in pieces for part in re.split(r"\d+", piece) if part)


def compatible(a: str, b: str) -> bool:
    """Two different first names that may be one person's: a nickname, a short form, a one-letter slip.

    "Chris" / "Christopher" (a prefix of 3+ letters), "Seun" / "Oluwaseun" (an ending of 4+),
    "Bill" / "William", "Mohamed" / "Mohammed",
    "G" / "Grace" (an initial).
    """
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    if len(short) == 1:
        return long.startswith(short)
    if len(short) >= 3 and long.startswith(short):
        return True
    # "Seun" for "Oluwaseun", "Tina" for "Christina"; not "Anna" for "Hanna", nor "Ella" for "Stella".
    if len(short) >= 4 and len(long) - len(short) >= 3 and long.endswith(short):
        return True
    if b in NICKNAMES.get(a, ()):
        return True
    return len(short) >= 5 and _one_edit_apart(short, long)


def _one_edit_apart(short: str, long: str) -> bool:
    if len(long) - len(short) > 1:
        return False
    if len(long) == len(short):
        diffs = [i for i, (x, y) in enumerate(zip(short, long, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        # a swap of two neighbours: "Micheal" / "Michael"
        i = diffs[0] if len(diffs) == 2 else -1
        return i >= 0 and diffs[1] == i + 1 and short[i] == long[i + 1] and short[i + 1] == long[i]
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
