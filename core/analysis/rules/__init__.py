"""The offline analyzer: keyword rules over the contact's messages, no network, same answer every time.

`vocabulary` holds what it recognises (intents and their words in nine languages, run through
`narrowing`), `clauses` and `intents` how a contact message reads (named rules, in order), `verdict`
how it decides, `stages` how a step maps onto a pipeline's stage names and definitions, `wording` what it says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from core.analysis.model import Analysis, Transcript, clamp_score
from core.analysis.rules.stages import map_step_to_stage
from core.analysis.rules.verdict import judge, score, shown, status, without_auto_replies
from core.analysis.rules.vocabulary import Step
from core.analysis.rules.wording import evidence, reasoning, summary

__all__ = ["RulesAnalyzer", "Step", "map_step_to_stage"]


class RulesAnalyzer:
    """Deterministic keyword analysis; stateless, so one instance can serve many threads.

    `now`, when given, lets long-quiet conversations score lower; without it the result depends on
    the transcript alone.
    """

    name = "rules"
    offline_batch = 1000

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now

    def summarize(self, transcript: Transcript) -> Analysis:
        transcript = without_auto_replies(transcript)
        return Analysis(summary=summary(transcript, judge(transcript, self.now)))

    def analyze(
        self, transcript: Transcript, stages: Sequence[str], definitions: Mapping[str, str] | None = None
    ) -> Analysis:
        """The step the rules find, mapped by stage name, then by the signals `definitions` name."""
        transcript = without_auto_replies(transcript)
        verdict = judge(transcript, self.now)
        return Analysis(
            summary=summary(transcript, verdict),
            recommended_stage=map_step_to_stage(verdict.step, stages, definitions, shown(verdict)),
            lead_score=score(verdict),
            lead_status=status(verdict),
            confidence=clamp_score(verdict.confidence),
            reasoning=reasoning(transcript, verdict),
            evidence=evidence(verdict),
        )
