"""Qualifying contacts: analyse their conversations (concurrently) and apply the results.

Shared by the sync engine and the webhook refresh. Analysis runs outside any transaction (it is slow
network I/O); applying is quick and happens inside the caller's transaction.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Sequence

from psycopg import Connection

from core.analysis.model import Analysis, AnalysisFailed, AnalysisUnavailable, Analyzer, Transcript
from core import metrics
from core.jobs import ContactFailure
from core.pipeline import AutoPipeline, StageMove, apply_analysis


@dataclass(frozen=True)
class QualifyTask:
    contact_id: int
    conversation_id: int | None  # None when only webhook messages are known so far
    external_id: str  # PSID / IGSID, for error records
    platform: str
    transcript: Transcript


@dataclass(frozen=True)
class Placed:
    task: QualifyTask
    analysis: Analysis
    move: StageMove


@dataclass
class QualifyOutcome:
    analyzed: int = 0
    deferred: int = 0  # no AI now (quota, outage): left due for a later run
    moves: list[Placed] = field(default_factory=list)
    failures: list[ContactFailure] = field(default_factory=list)

    @property
    def stage_changes(self) -> int:
        return len(self.moves)


class Qualifier:
    def __init__(self, analyzer: Analyzer, *, workers: int = 4) -> None:
        self.analyzer = analyzer
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="analysis")

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    def analyze(
        self, tasks: Sequence[QualifyTask], target: AutoPipeline | None
    ) -> list[Analysis | AnalysisFailed | AnalysisUnavailable]:
        """One result per task, in order; analyzer errors come back as values, not raised."""
        stages = target.pipeline.stage_names if target else None
        definitions = target.pipeline.definitions if target else None

        def run(task: QualifyTask) -> Analysis | AnalysisFailed | AnalysisUnavailable:
            try:
                if stages:
                    return self.analyzer.analyze(task.transcript, stages, definitions)
                return self.analyzer.summarize(task.transcript)
            except (AnalysisFailed, AnalysisUnavailable) as exc:
                return exc

        return list(self._executor.map(run, tasks))

    def apply(
        self,
        conn: Connection,
        tasks: Sequence[QualifyTask],
        results: Sequence[Analysis | AnalysisFailed | AnalysisUnavailable],
        target: AutoPipeline | None,
    ) -> QualifyOutcome:
        """Write results inside the caller's transaction; analysed conversations get their watermark."""
        outcome = QualifyOutcome()
        analysed: list[int] = []
        for task, result in zip(tasks, results, strict=True):
            if isinstance(result, AnalysisUnavailable):
                outcome.deferred += 1
            elif isinstance(result, AnalysisFailed):
                outcome.failures.append(
                    ContactFailure(task.platform, task.external_id, f"AI analysis failed: {result}")
                )
            else:
                move = apply_analysis(conn, task.contact_id, result, target, self.analyzer.name)
                if move:
                    outcome.moves.append(Placed(task, result, move))
                outcome.analyzed += 1
                if task.conversation_id is not None:
                    analysed.append(task.conversation_id)
        if analysed:
            # The watermark is the conversation's own updated_time: immune to clock skew with Meta.
            conn.execute("UPDATE conversations SET analyzed_at = updated_time WHERE id = ANY(%s)", (analysed,))
        metrics.analyses(outcome.analyzed, outcome.deferred)
        return outcome
