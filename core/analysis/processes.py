"""The offline analyzer in processes of its own: a large batch analysed off this process's interpreter lock.

The rules analyzer is pure Python CPU work. Run on a thread beside a Graph pass (the inline `fbsync
sync`), it shares one interpreter lock with the pass, so the two take turns on one core. Here the
batch is split among child processes (one per core but the caller's), started with "spawn" (a fork
of a process with threads may copy a lock some thread held) on the first batch worth it, not before:
a small sync never waits for them. The results are the same as in this process, in the same order.
A child that dies breaks the pool: `analyze` then raises ProcessesLost, and the caller analyses here.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from core.analysis.model import Analysis, AnalysisFailed, AnalysisUnavailable, Analyzer, Transcript

Result = Analysis | AnalysisFailed | AnalysisUnavailable

# Below this many contacts a batch is analysed in the calling process: sending it costs more than it saves.
MIN_TASKS = 200


class ProcessesLost(RuntimeError):
    """A child process died (killed, out of memory): the batch was not analysed there."""


def analyze_one(
    analyzer: Analyzer, transcript: Transcript, stages: Sequence[str] | None, definitions: Mapping[str, str] | None
) -> Result:
    """One contact: a full analysis for a page with an auto-pipeline's stages, else a summary; the
    analyzer's errors come back as values."""
    try:
        if stages:
            return analyzer.analyze(transcript, stages, definitions)
        return analyzer.summarize(transcript)
    except (AnalysisFailed, AnalysisUnavailable) as exc:
        return exc


def _analyze_slice(
    analyzer: Analyzer,
    transcripts: Sequence[Transcript],
    stages: Sequence[str] | None,
    definitions: Mapping[str, str] | None,
) -> list[Result]:
    return [analyze_one(analyzer, transcript, stages, definitions) for transcript in transcripts]


class AnalysisProcesses:
    def __init__(self, processes: int | None = None, *, min_tasks: int = MIN_TASKS) -> None:
        self.processes = processes or max(1, (os.cpu_count() or 2) - 1)
        self.min_tasks = min_tasks
        self._executor: ProcessPoolExecutor | None = None

    def worth_it(self, tasks: int) -> bool:
        return tasks >= self.min_tasks

    def analyze(
        self,
        analyzer: Analyzer,
        transcripts: Sequence[Transcript],
        stages: Sequence[str] | None,
        definitions: Mapping[str, str] | None,
    ) -> list[Result]:
        """One result per transcript, in order, the batch split evenly among the children."""
        if self._executor is None:
            self._executor = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"))
        size = -(-len(transcripts) // self.processes)
        slices = [transcripts[start : start + size] for start in range(0, len(transcripts), size)]
        try:
            answered = self._executor.map(
                _analyze_slice,
                [analyzer] * len(slices),
                slices,
                [stages] * len(slices),
                [definitions] * len(slices),
            )
            return [result for answers in answered for result in answers]
        except BrokenProcessPool as exc:
            raise ProcessesLost(str(exc)) from None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
