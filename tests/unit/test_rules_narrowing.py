"""The vocabulary's narrowed alternations find exactly what the whole patterns find."""

from __future__ import annotations

import random
import re

from rules_eval import EVAL_DIR, load
from test_rules_literals import ENTRIES

from core.analysis.rules import vocabulary
from core.analysis.rules.narrowing import Alternation, Alternative


def _texts() -> list[str]:
    conversations = [c for path in sorted(EVAL_DIR.glob("*.json")) for c in load(path)]
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
    for name, alternation in ENTRIES.items():
        for text in samples:
            whole = [m.span() for m in alternation.regex.finditer(text)]
            assert [m.span() for m in alternation.finditer(text)] == whole, (name, text)
            first = alternation.regex.search(text)
            found = alternation.search(text)
            assert (found.span() if found else None) == (first.span() if first else None), (name, text)


def test_alternatives_run_one_by_one_find_what_their_alternation_finds() -> None:
    # Overlapping alternatives that share starts and ends: the first in order wins at a position, and
    # the next match starts where the last ended. Some declare no literal, so are run on every text.
    rng = random.Random(7)
    words = ["abc", "abcd", "bcd", "cda", "dab", "bca", "abca", "cab"]
    for _ in range(60):
        chosen = rng.sample(words, rng.randint(2, 5))
        alternatives = [
            Alternative(rf"{w}\w*" if rng.random() < 0.3 else w, () if rng.random() < 0.2 else (w,)) for w in chosen
        ]
        alternation = Alternation(alternatives, re.IGNORECASE)
        regex = alternation.regex
        for _ in range(15):
            text = "".join(rng.choice("abcd ") for _ in range(rng.randint(3, 30)))
            assert [m.span() for m in alternation.finditer(text)] == [m.span() for m in regex.finditer(text)], (
                regex.pattern,
                text,
            )
