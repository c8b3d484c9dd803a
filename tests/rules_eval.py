"""The rules analyzer on the labelled evaluation sets: first-sight accuracy, then accuracy per stage,
per language and overall.

    python tests/rules_eval.py [--misses] [FILE ...]     (`make eval`)

The headline is the first-sight figure: `first_sight.json` is written in batches, each scored once
before any rule was changed for it, and that score recorded with the batch (`"batches"`: the date and
the analyzer's commit). It cannot be recomputed afterwards, since the rules are then tuned on the
batch; what the files score now is printed after it, as the tuned figure.

Each conversation in tests/fixtures/eval/*.json has a language, the stage a salesperson would pick on
the default pipeline, and its customer and business turns. A conversation is a sale (`"sale": true`, or
labelled Won) when it has a payment or a confirmed order or booking; Won anywhere else is the one
mistake that must never happen.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from core.analysis.model import Line, Transcript  # noqa: E402
from core.analysis.rules import RulesAnalyzer  # noqa: E402
from core.pipeline.pipelines import DEFAULT_STAGES  # noqa: E402

EVAL_DIR = Path(__file__).parent / "fixtures" / "eval"
TUNING_SET = EVAL_DIR / "conversations.json"
HELD_OUT_SET = EVAL_DIR / "held_out.json"
FIRST_SIGHT_SET = EVAL_DIR / "first_sight.json"
EVAL_SETS = (TUNING_SET, HELD_OUT_SET, FIRST_SIGHT_SET)
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Outcome:
    conversation: dict[str, Any]
    predicted: str
    score: int

    @property
    def right(self) -> bool:
        return self.predicted == self.conversation["stage"]

    @property
    def unearned_won(self) -> bool:
        sale = self.conversation.get("sale", self.conversation["stage"] == "Won")
        return self.predicted == "Won" and not sale


@dataclass(frozen=True)
class Report:
    outcomes: tuple[Outcome, ...]

    @property
    def accuracy(self) -> float:
        return _share(self.outcomes)

    def by(self, field: str) -> dict[str, float]:
        keys = sorted({o.conversation[field] for o in self.outcomes}, key=_order(field))
        return {key: _share([o for o in self.outcomes if o.conversation[field] == key]) for key in keys}

    @property
    def unearned_won(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.unearned_won]


def _share(outcomes: Iterable[Outcome]) -> float:
    listed = list(outcomes)
    return sum(o.right for o in listed) / len(listed) if listed else 0.0


def _order(field: str) -> Any:
    return (lambda stage: DEFAULT_STAGES.index(stage)) if field == "stage" else (lambda key: key)


def transcript(conversation: dict[str, Any]) -> Transcript:
    lines = tuple(
        Line("contact" if turn["from"] == "customer" else "page", turn["text"], T0 + timedelta(minutes=6 * n))
        for n, turn in enumerate(conversation["turns"])
    )
    return Transcript(conversation["customer"], "messenger", conversation["business"], lines)


def load(path: Path = TUNING_SET) -> list[dict[str, Any]]:
    """The labelled conversations of a file: a list, or an object holding them under "conversations"."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["conversations"] if isinstance(data, dict) else data


def first_sight_record(path: Path = FIRST_SIGHT_SET) -> list[dict[str, Any]]:
    """Each batch's score as first measured, before any rule was changed for it."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data.get("batches", [])) if isinstance(data, dict) else []


def evaluate(conversations: Iterable[dict[str, Any]]) -> Report:
    analyzer = RulesAnalyzer()
    outcomes = []
    for conversation in conversations:
        analysis = analyzer.analyze(transcript(conversation), DEFAULT_STAGES)
        assert analysis.recommended_stage is not None and analysis.lead_score is not None
        outcomes.append(Outcome(conversation, analysis.recommended_stage, analysis.lead_score))
    return Report(tuple(outcomes))


def render(report: Report, title: str, *, misses: bool = False) -> str:
    right = sum(o.right for o in report.outcomes)
    out = [f"{title}: {right}/{len(report.outcomes)} right ({report.accuracy:.1%})"]
    for field in ("stage", "language"):
        counts = Counter(o.conversation[field] for o in report.outcomes)
        out.append(f"  by {field}:")
        out += [f"    {key:<15} {share:6.1%}  ({counts[key]})" for key, share in report.by(field).items()]
    out.append(f"  Won without a payment or confirmation: {len(report.unearned_won)}")
    if misses:
        for o in report.outcomes:
            if not o.right:
                said = " | ".join(f"{t['from'][0]}: {t['text']}" for t in o.conversation["turns"])
                gold = o.conversation["stage"]
                out.append(f"  miss {o.conversation['id']}: {gold} -> {o.predicted} ({o.score}): {said}")
    return "\n".join(out)


def render_first_sight(batches: list[dict[str, Any]]) -> str:
    right, total = sum(b["right"] for b in batches), sum(b["total"] for b in batches)
    headline = "FIRST SIGHT (each batch scored before any rule was changed for it)"
    out = [f"{headline}: {right}/{total} right ({right / total:.1%})"]
    out += [
        f"  batch {b['batch']:>2}  {b['right']:>3}/{b['total']:<3} {b['right'] / b['total']:6.1%}"
        f"  Won without a payment or confirmation: {b['unearned_won']}  ({b['measured']}, analyzer {b['analyzer']})"
        for b in batches
    ]
    earlier = json.loads(FIRST_SIGHT_SET.read_text(encoding="utf-8")).get("earlier")
    if earlier:  # the held-out set's batches, scored the same way by an earlier analyzer, totals only
        share = earlier["right"] / earlier["total"]
        out.append(f"  earlier: {earlier['right']}/{earlier['total']} ({share:.1%}), {earlier['note']}")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    misses = "--misses" in argv
    paths = [Path(a) for a in argv if not a.startswith("--")] or [p for p in EVAL_SETS if p.exists()]
    batches = first_sight_record() if FIRST_SIGHT_SET in paths else []
    if batches:
        print(render_first_sight(batches) + "\n")
    reports = [(path, evaluate(load(path))) for path in paths]
    if batches:
        print(
            "TUNED (what the sets score now; every set has been tuned on, so this is no figure for new conversations):"
        )
        print(
            "\n".join(f"  {path.name:<20} {report.accuracy:6.1%}  ({len(report.outcomes)})" for path, report in reports)
        )
        print()
    for path, report in reports:
        print(render(report, path.name, misses=misses))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
