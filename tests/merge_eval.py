"""Merge candidates on the labelled pages: precision and recall of the pairs at or above the threshold.

    python tests/merge_eval.py [--misses] [--record] [FILE ...]     (`make eval`)

Each tests/fixtures/merge/batch*.json holds pages: their planted people (display name, Instagram
username, picture, when they first and last wrote, what they wrote), the pairs that are one person
("same"), and filler: ordinary contacts drawn from a seeded generator so that each page has the size
and the name frequencies of a real one. Every other (Messenger, Instagram) pair is not one person.

A batch's first-sight figures were measured before any tuning on it (`--record` writes them, once)
and cannot be recomputed after: they are kept in tests/fixtures/merge/first_sight.json, with the
commit of the scorer that measured them. "now" is the scorer as it is.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from core.extract import split_name  # noqa: E402
from core.merge import SUGGEST_THRESHOLD, Person, contact_details, find_candidates  # noqa: E402

MERGE_DIR = Path(__file__).parent / "fixtures" / "merge"
FIRST_SIGHT = MERGE_DIR / "first_sight.json"
T0 = datetime(2026, 10, 1, tzinfo=UTC)
SPAN_MINUTES = 60 * 24 * 45

# Filler names, most frequent first: drawn with Zipf-like weights, so "Maria" and "Mohammed" are as
# common on a generated page as on a real one and "Ximena" is rare.
FIRST = (
    "Maria Mohammed Anna John David Ana Ahmed Sarah Michael Fatima Jose Laura Daniel Nguyen Emma Ali "
    "Olga Juan Sofia Carlos Linh Chris Aisha Ivan Elena Omar Grace Paul Minh Lucas Chloe Yusuf Marco "
    "Hana Pedro Noor Rosa Kevin Mei Tomas Ines Leila Hugo Alina Rafael Nadia Jonas Priya Felipe Zara "
    "Diego Amara Mateo Yara Oscar Ingrid Tariq Lena Bruno Keiko Samir Vera Nikhil Ximena Dara Otto"
).split()
LAST = (
    "Garcia Smith Nguyen Khan Rodriguez Martin Ali Tran Lopez Brown Silva Hernandez Ahmed Kim Santos "
    "Perez Wilson Ivanova Costa Rossi Müller Dubois Haddad Reyes Cruz Okafor Novak Kowalski Jensen "
    "Moreau Fischer Ortiz Mendes Petrov Sato Bakr Lindqvist Mensah Farah Castillo Vargas Romero Popescu "
    "Yilmaz Demir Horvat Ferreira Morales Chavez Ramos Suarez Molina Ito Lim Tan Quispe Acheampong"
).split()


@dataclass(frozen=True)
class Page:
    name: str
    people: tuple[Person, ...]
    same: frozenset[tuple[int, int]]  # (Messenger contact id, Instagram contact id)
    labels: dict[int, str]  # contact id -> fixture id, for the --misses listing


def _zipf(rng: random.Random, names: tuple[str, ...] | list[str]) -> str:
    return rng.choices(names, weights=[1 / (n + 3) for n in range(len(names))])[0]


def _filler(rng: random.Random, contact_id: int) -> Person:
    platform = rng.choice(("messenger", "instagram"))
    first, last = _zipf(rng, FIRST), _zipf(rng, LAST)
    start = T0 + timedelta(minutes=rng.randrange(SPAN_MINUTES))
    username = None
    if platform == "instagram":
        username = rng.choice((f"{first}.{last}", f"{first}{rng.randrange(10, 99)}", f"{last}_{first[0]}")).lower()
        if rng.random() < 0.3:  # many show only the handle, or a first name
            first, last = (username, "") if rng.random() < 0.5 else (first, "")
    return Person(
        contact_id=contact_id,
        platform=platform,  # type: ignore[arg-type]
        first_name=first,
        last_name=last or None,
        username=username,
        profile_pic_url=f"https://scontent.xx.fbcdn.net/v/t1.0-1/{rng.randrange(10**9)}_n.jpg",
        first_message_at=start,
        last_message_at=start + timedelta(minutes=rng.randrange(1, 60 * 24 * 5)),
    )


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None


def _planted(raw: dict[str, Any], contact_id: int) -> Person:
    name = split_name(raw.get("name"))
    phones, emails = contact_details(raw.get("texts", []))
    first = _time(raw.get("first"))
    last = _time(raw.get("last")) or (first + timedelta(minutes=raw.get("minutes", 20)) if first else None)
    return Person(
        contact_id=contact_id,
        platform="messenger" if raw["id"].startswith("m") else "instagram",
        first_name=name.first,
        last_name=name.last,
        username=raw.get("user"),
        profile_pic_url=raw.get("pic"),
        first_message_at=first,
        last_message_at=last,
        phones=phones,
        emails=emails,
    )


def load_page(raw: dict[str, Any]) -> Page:
    people = [_planted(p, n) for n, p in enumerate(raw["people"], start=1)]
    ids = {p["id"]: n for n, p in enumerate(raw["people"], start=1)}
    rng = random.Random(raw["filler"]["seed"])
    people += [_filler(rng, 10_000 + n) for n in range(raw["filler"]["count"])]
    same = frozenset((ids[m], ids[i]) for m, i in raw["same"])
    return Page(raw["page"], tuple(people), same, {n: key for key, n in ids.items()})


@dataclass(frozen=True)
class Score:
    suggested: int
    right: int
    pairs: int

    @property
    def precision(self) -> float:
        return self.right / self.suggested if self.suggested else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.pairs if self.pairs else 1.0

    def __add__(self, other: Score) -> Score:
        return Score(self.suggested + other.suggested, self.right + other.right, self.pairs + other.pairs)


def evaluate(batch: dict[str, Any], misses: list[str] | None = None) -> Score:
    total = Score(0, 0, 0)
    for page in map(load_page, batch["pages"]):
        suggested = find_candidates(page.people, floor=SUGGEST_THRESHOLD)
        keys = {(c.messenger.contact_id, c.instagram.contact_id) for c in suggested}
        total += Score(len(keys), len(keys & page.same), len(page.same))
        if misses is not None:
            label = page.labels.get
            for c in suggested:
                if (c.messenger.contact_id, c.instagram.contact_id) not in page.same:
                    who = f"{label(c.messenger.contact_id, 'filler')}/{label(c.instagram.contact_id, 'filler')}"
                    misses.append(f"  wrong {page.name} {who} {c.score:.2f}: {'; '.join(c.reasons)}")
            everything = {
                (c.messenger.contact_id, c.instagram.contact_id): c for c in find_candidates(page.people, floor=0)
            }
            for m, i in sorted(page.same - keys):
                seen = everything.get((m, i))
                why = f"{seen.score:.2f}: {'; '.join(seen.reasons)}" if seen else "never compared"
                misses.append(f"  missed {page.name} {label(m)}/{label(i)} {why}")
    return total


def batches(paths: list[Path] | None = None) -> list[tuple[Path, dict[str, Any]]]:
    return [(p, json.loads(p.read_text(encoding="utf-8"))) for p in paths or sorted(MERGE_DIR.glob("batch*.json"))]


def _figures(score: Score) -> str:
    counts = f"{score.right} right of {score.suggested} suggested, {score.pairs} pairs"
    return f"precision {score.precision:.2f} recall {score.recall:.2f} ({counts})"


def first_sight() -> dict[str, dict[str, Any]]:
    return json.loads(FIRST_SIGHT.read_text(encoding="utf-8")) if FIRST_SIGHT.exists() else {}


def _record(name: str, score: Score) -> None:
    """A batch's first sight is written once, before any tuning on it; never overwritten."""
    recorded = first_sight()
    if name in recorded:
        return
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    recorded[name] = {"suggested": score.suggested, "right": score.right, "pairs": score.pairs}
    recorded[name] |= {"scorer_commit": commit.stdout.strip(), "threshold": SUGGEST_THRESHOLD}
    FIRST_SIGHT.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    show_misses, record = "--misses" in argv, "--record" in argv
    paths = [Path(a) for a in argv if not a.startswith("--")] or None
    print(f"Merge candidates at or above {SUGGEST_THRESHOLD}:")
    now_total, first_total = Score(0, 0, 0), Score(0, 0, 0)
    for path, batch in batches(paths):
        misses: list[str] | None = [] if show_misses else None
        now = evaluate(batch, misses)
        if record:
            _record(path.stem, now)
        recorded = first_sight().get(path.stem)
        first = Score(recorded["suggested"], recorded["right"], recorded["pairs"]) if recorded else now
        now_total, first_total = now_total + now, first_total + first
        at = f" at {recorded['threshold']}" if recorded else ""
        print(f"  {path.stem}: first sight {_figures(first)}{at}")
        print(f"  {' ' * len(path.stem)}  now        {_figures(now)}")
        for line in misses or ():
            print(line)
    print(f"  overall: first sight {_figures(first_total)}")
    print(f"           now        {_figures(now_total)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
