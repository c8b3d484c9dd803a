"""The vocabulary's narrowed alternations find exactly what the whole patterns find."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from core.analysis.rules import vocabulary
from core.analysis.rules.narrowing import Alternation, requirements, split_alternatives

EVAL_DIR = Path(__file__).parent.parent / "fixtures" / "eval"
ALTERNATIONS = {f"PATTERNS[{intent.value}]": p for intent, p in vocabulary.PATTERNS.items()} | {
    name: value for name, value in vars(vocabulary).items() if isinstance(value, Alternation)
}


def _texts() -> list[str]:
    conversations = [c for path in sorted(EVAL_DIR.glob("*.json")) for c in json.loads(path.read_text())]
    return [turn["text"] for conversation in conversations for turn in conversation["turns"]]


def _samples() -> list[str]:
    # Some labelled messages (the whole set is `make eval`'s), their clauses, mixtures of several, and
    # characters whose case rules are odd: bounded, the whole patterns being the slow part.
    rng = random.Random(12)
    texts = rng.sample(_texts(), 300)
    mixed = [" ".join(rng.choice(texts) for _ in range(rng.randint(2, 4))) for _ in range(60)]
    odd = ["İstanbul ſhip K price? ℌow much", "ﬅop ẞ straße Ǆ ΣΑΣ", "`price` ´quote´ ʼorderʼ", "price\u0000list"]
    whole = [vocabulary.normalise(text) for text in texts + mixed + odd]
    return whole + [c for text in whole for c in vocabulary.CLAUSE_BREAK.split(text) if c and c.strip()]


def test_every_alternation_finds_what_its_whole_pattern_finds() -> None:
    samples = _samples()
    for name, alternation in ALTERNATIONS.items():
        for text in samples:
            whole = [m.span() for m in alternation.regex.finditer(text)]
            assert [m.span() for m in alternation.finditer(text)] == whole, (name, text)
            first = alternation.regex.search(text)
            found = alternation.search(text)
            assert (found.span() if found else None) == (first.span() if first else None), (name, text)


def test_most_alternatives_are_looked_up_not_always_run() -> None:
    sizes = [len(split_alternatives(a.regex.pattern)) for a in ALTERNATIONS.values()]
    always = [len(a._always) for a in ALTERNATIONS.values()]
    assert sum(always) * 20 < sum(sizes)


@pytest.mark.parametrize(
    ("source", "required"),
    [
        (r"\bhow much\b", (("how much",),)),
        (r"\bcolou?r\b", (("colo",), ("r",))),
        (r"\b(iban|bank details)\b", (("bank details", "iban"),)),
        (r"\b(to )?order\b", (("order",),)),
        (r"\bat \d{1,2}(:\d\d)?\s?(am|pm)\b", (("at ",), ("am", "pm"))),
        (r"\bhuy\b(?! dang ky)", (("huy",),)),
        (r"[.!?] \x41bc", ((" ",), ("bc",))),
        (r"a+b*c{2}", ()),
        (r"\$\d+/(day|week)", (("$",), ("/",), ("day", "week"))),
        (r"(?:pre|post)-?paid", (("post", "pre"), ("paid",))),
    ],
)
def test_requirements_only_what_every_match_contains(source: str, required: tuple[tuple[str, ...], ...]) -> None:
    assert requirements(source) == required
    for requirement in required:
        for match_text in ("how much", "color", "bank details", "order", "at 9am", "huy", "! Abc", "$5/day", "prepaid"):
            match = re.search(source, match_text, re.IGNORECASE)
            if match:
                assert any(literal in match.group(0).lower() for literal in requirement)


def test_alternatives_run_one_by_one_find_what_their_alternation_finds() -> None:
    # Overlapping alternatives that share starts and ends: the first in order wins at a position, and
    # the next match starts where the last ended.
    rng = random.Random(7)
    words = ["abc", "abcd", "bcd", "cda", "dab", "bca", "abca", "cab"]
    for _ in range(60):
        alternatives = rng.sample(words, rng.randint(2, 5))
        regex = re.compile("|".join(rf"{w}\w*" if rng.random() < 0.3 else w for w in alternatives), re.IGNORECASE)
        alternation = Alternation(regex)
        for _ in range(15):
            text = "".join(rng.choice("abcd ") for _ in range(rng.randint(3, 30)))
            assert [m.span() for m in alternation.finditer(text)] == [m.span() for m in regex.finditer(text)], (
                regex.pattern,
                text,
            )
