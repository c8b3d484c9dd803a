"""The rules analyzer's accuracy on the labelled evaluation sets: a figure of correctness, so a test."""

from __future__ import annotations

from collections import Counter

import pytest
from rules_eval import EVAL_SETS, FIRST_SIGHT_SET, TUNING_SET, evaluate, first_sight_record, load

from core.pipeline import DEFAULT_STAGES

FLOOR = 0.85


def test_the_tuning_set_is_big_varied_and_labelled_with_every_stage():
    conversations = load(TUNING_SET)
    assert len(conversations) >= 120
    assert set(Counter(c["stage"] for c in conversations)) == set(DEFAULT_STAGES)
    languages = Counter(c["language"] for c in conversations)
    assert {"en", "es", "fr", "de", "pt", "tl", "vi", "ar", "ru"} <= set(languages)
    assert sum(n for language, n in languages.items() if language != "en") >= len(conversations) / 4


@pytest.mark.parametrize("path", EVAL_SETS, ids=lambda p: p.name)
def test_accuracy_floor_and_never_won_without_a_payment_or_confirmation(path):
    report = evaluate(load(path))
    assert report.accuracy >= FLOOR, f"{path.name}: {report.accuracy:.1%} right"
    assert min(report.by("stage").values()) >= 0.7
    assert [o.conversation["id"] for o in report.unearned_won] == []


def test_every_first_sight_batch_has_its_score_as_first_measured():
    record = first_sight_record()
    batches = Counter(c["batch"] for c in load(FIRST_SIGHT_SET))
    assert {b["batch"]: b["total"] for b in record} == dict(batches)
    assert all(0 <= b["right"] <= b["total"] and 0 <= b["unearned_won"] <= b["total"] - b["right"] for b in record)
