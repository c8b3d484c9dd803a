"""Qualifying contacts: analyse each person over all their conversations, and apply the results.

Shared by the analysis backlog (after syncs) and the webhook refresh. Analysis runs outside any
transaction and holds no lock (it is slow network I/O, paced by the AI quota). Applying is quick: it
locks the contacts' rows for its transaction and applies a result only if the contact's messages are
still the ones analysed; a result overtaken by newer messages is dropped and the contact stays due.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import psycopg

from core import metrics
from core.analysis.batch import OfflineAnalyzer, PackAnalyzer, plan_packs
from core.analysis.model import Analysis, AnalysisFailed, AnalysisUnavailable, Analyzer
from core.analysis.processes import AnalysisProcesses, ProcessesLost, Result, analyze_one
from core.db import Conn
from core.jobs import ContactFailure
from core.pipeline import AutoPipeline, StageMove
from core.pipeline.assign import apply_analyses, lock_contacts
from core.transcripts import ContactSnapshot, scope_versions

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placed:
    task: ContactSnapshot
    analysis: Analysis
    move: StageMove


@dataclass
class QualifyOutcome:
    analyzed: int = 0
    deferred: int = 0  # no AI now (quota, outage): left due for a later run
    superseded: int = 0  # newer messages arrived while analysing: left due, analysed again
    moves: list[Placed] = field(default_factory=list)
    failures: list[ContactFailure] = field(default_factory=list)
    deferred_reason: str | None = None
    retry_after: float | None = None  # seconds, when the analyzer said

    @property
    def stage_changes(self) -> int:
        return len(self.moves)


class Qualifier:
    def __init__(self, analyzer: Analyzer, *, workers: int = 4, processes: AnalysisProcesses | None = None) -> None:
        """`processes`: where an offline analyzer's large batches run, off this process's lock (the
        inline sync, whose Graph pass runs meanwhile); None, here."""
        self.analyzer = analyzer
        self.workers = workers
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="analysis")
        self._processes = processes if isinstance(analyzer, OfflineAnalyzer) else None

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        if self._processes is not None:
            self._processes.close()

    @property
    def batch_size(self) -> int:
        """Contacts worth reading at once: enough to keep every worker's requests full; for an
        analyzer without requests, as many as are written well at once."""
        if isinstance(self.analyzer, OfflineAnalyzer):
            return self.analyzer.offline_batch
        pack = self.analyzer.pack_size if isinstance(self.analyzer, PackAnalyzer) else 1
        return max(10, pack * self.workers)

    def analyze(self, tasks: Sequence[ContactSnapshot], target: AutoPipeline | None) -> list[Result]:
        """One result per task, in order; analyzer errors come back as values, not raised. A packing
        analyzer gets several contacts per request."""
        stages = target.pipeline.stage_names if target else None
        definitions = target.pipeline.definitions if target else None
        analyzer = self.analyzer
        if isinstance(analyzer, PackAnalyzer):
            packs = plan_packs(
                [task.transcript for task in tasks], analyzer.pack_size, analyzer.pack_chars, analyzer.char_budget
            )

            def run_pack(pack: list[int]) -> list[Result]:
                try:
                    return list(analyzer.analyze_pack([tasks[i].transcript for i in pack], stages, definitions))
                except (AnalysisFailed, AnalysisUnavailable) as exc:
                    return [exc] * len(pack)

            results: dict[int, Result] = {}
            for pack, answers in zip(packs, self._executor.map(run_pack, packs), strict=True):
                results.update(zip(pack, answers, strict=True))
            return [results[i] for i in range(len(tasks))]

        def run(task: ContactSnapshot) -> Result:
            return analyze_one(analyzer, task.transcript, stages, definitions)

        if not isinstance(analyzer, OfflineAnalyzer):
            return list(self._executor.map(run, tasks))
        if self._processes is not None and self._processes.worth_it(len(tasks)):
            try:
                return self._processes.analyze(analyzer, [task.transcript for task in tasks], stages, definitions)
            except ProcessesLost as exc:
                logger.warning("analysis processes lost, analysing in this process from now on: %s", exc)
                self._processes.close()
                self._processes = None
        return [run(task) for task in tasks]  # CPU only: threads would share one interpreter lock

    def apply(
        self,
        conn: Conn,
        tasks: Sequence[ContactSnapshot],
        results: Sequence[Result],
        target: AutoPipeline | None,
        *,
        skip_busy: bool = True,
    ) -> QualifyOutcome:
        """Write results inside the caller's transaction. Analysed (and failed) contacts have their
        conversations marked analysed at the versions read, so a failure is not asked again until
        the person writes again (or a full sync).

        `skip_busy`: a contact whose row another transaction holds (a sync storing it) is left due
        rather than waited for, so that this many-row lock can never deadlock with a sync's upserts."""
        outcome = QualifyOutcome()
        ids = [task.contact_id for task in tasks]
        # Row locks for this transaction only: a message stored meanwhile for one of these contacts
        # (its foreign key needs the row) waits until we commit, and then makes the contact due again.
        locked = lock_contacts(conn, ids, skip_locked=skip_busy)
        current = scope_versions(conn, ids)
        fresh: list[tuple[ContactSnapshot, Analysis | AnalysisFailed]] = []
        for task, result in zip(tasks, results, strict=True):
            if isinstance(result, AnalysisUnavailable):
                outcome.deferred += 1
                outcome.deferred_reason = str(result)
                outcome.retry_after = max(outcome.retry_after or 0.0, result.retry_after or 0.0) or None
            elif task.contact_id not in locked or current[task.contact_id] != task.version:
                outcome.superseded += 1
            else:
                fresh.append((task, result))
        applicable = [(task.contact_id, result) for task, result in fresh if isinstance(result, Analysis)]
        stored = _store(conn, applicable, locked, target, self.analyzer.name)
        for task, result in fresh:
            applied = stored.get(task.contact_id)
            if isinstance(result, AnalysisFailed):
                error = f"AI analysis failed: {result}"
            elif isinstance(applied, _Refused):
                error = f"could not store the analysis: {applied.reason}"
            else:
                error = None
                if applied is not None:
                    outcome.moves.append(Placed(task, result, applied))
                outcome.analyzed += 1
            if error is not None:
                outcome.failures.append(ContactFailure(task.platform, task.external_id, error))
        _mark_analysed(conn, [task for task, _ in fresh])
        metrics.analyses(outcome.analyzed, outcome.deferred)
        return outcome


@dataclass(frozen=True)
class _Refused:
    reason: str  # the database's message, without the row it quotes


# What a database refuses of one contact's values (a constraint, text it cannot hold); not a lost connection.
_REFUSALS = (psycopg.DataError, psycopg.IntegrityError)


def _store(
    conn: Conn,
    analyses: list[tuple[int, Analysis]],
    locked: dict[int, dict[str, Any]],
    target: AutoPipeline | None,
    analyzer: str,
) -> dict[int, StageMove | None | _Refused]:
    """Apply the analyses together; when the database refuses that, each alone, so that one contact's
    refused values cost only that contact its analysis."""
    if not analyses:
        return {}
    try:
        with conn.transaction():
            return dict(apply_analyses(conn, analyses, target, analyzer, locked))
    except _REFUSALS as exc:
        if len(analyses) == 1:
            return {analyses[0][0]: _Refused(_reason(exc))}
    stored: dict[int, StageMove | None | _Refused] = {}
    for contact_id, analysis in analyses:
        try:
            with conn.transaction():
                stored.update(apply_analyses(conn, [(contact_id, analysis)], target, analyzer, locked))
        except _REFUSALS as exc:
            stored[contact_id] = _Refused(_reason(exc))
    return stored


def _reason(exc: psycopg.Error) -> str:
    # The primary message names the constraint; its detail would quote the row (the contact's data).
    return exc.diag.message_primary or str(exc)


def _mark_analysed(conn: Conn, done: list[ContactSnapshot]) -> None:
    """Each link gets the conversation's updated_time as read (a conversation that moved on since
    stays due); a conversation is analysed once all its participants are. The watermark is Meta's
    own updated_time: immune to clock skew."""
    links = [(task.contact_id, conversation, seen) for task in done for conversation, seen in task.conversations]
    if not links:
        return
    conn.execute(
        "UPDATE conversation_contacts cc SET analyzed_at = u.seen"
        " FROM unnest(%b::bigint[], %b::bigint[], %b::timestamptz[]) AS u(contact_id, conversation_id, seen)"
        " WHERE cc.contact_id = u.contact_id AND cc.conversation_id = u.conversation_id",
        ([c for c, _, _ in links], [v for _, v, _ in links], [t for _, _, t in links]),
    )
    conn.execute(
        "UPDATE conversations v SET analyzed_at = v.updated_time WHERE v.id = ANY(%s)"
        " AND NOT EXISTS (SELECT 1 FROM conversation_contacts cc WHERE cc.conversation_id = v.id"
        "  AND (cc.analyzed_at IS NULL OR cc.analyzed_at < v.updated_time))",
        (sorted({v for _, v, _ in links}),),
    )
