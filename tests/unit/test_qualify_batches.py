"""How many contacts an analysis batch reads: Gemini's keeps every worker's requests full, the rules'
is as large as the database writes well."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.analysis.gemini import GeminiAnalyzer
from core.analysis.model import Analysis, Transcript
from core.analysis.rules import RulesAnalyzer
from core.qualify import Qualifier


class OneAtATime:
    """An analyzer that neither packs nor runs offline."""

    name = "one-at-a-time"

    def summarize(self, transcript: Transcript) -> Analysis:
        return Analysis(summary=transcript.contact_name)

    def analyze(
        self, transcript: Transcript, stages: Sequence[str], definitions: Mapping[str, str] | None = None
    ) -> Analysis:
        return Analysis(summary=transcript.contact_name, recommended_stage=stages[0])


def batch_size(analyzer, workers: int = 4) -> int:
    qualifier = Qualifier(analyzer, workers=workers)
    try:
        return qualifier.batch_size
    finally:
        qualifier.close()


def test_gemini_batches_fill_every_worker_with_packs() -> None:
    gemini = GeminiAnalyzer(["AIzaSy-batch-key-0000000000000000000"], limiter=None, pack_size=10)  # type: ignore[arg-type]
    assert batch_size(gemini, workers=4) == 40
    assert batch_size(GeminiAnalyzer(["k"], limiter=None, pack_size=1), workers=4) == 10  # type: ignore[arg-type]


def test_the_rules_take_large_batches_and_others_fill_their_workers() -> None:
    assert batch_size(RulesAnalyzer()) == RulesAnalyzer.offline_batch == 1000
    assert batch_size(OneAtATime(), workers=4) == 10
    assert batch_size(OneAtATime(), workers=16) == 16
