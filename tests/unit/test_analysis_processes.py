"""The rules analyzer's large batches in processes of their own (the inline sync): the same results,
in the same order, as in the calling process, and a child that dies costs no contact its analysis."""

from __future__ import annotations

import multiprocessing
import os
import signal
from datetime import UTC, datetime

import pytest
from rules_eval import load, transcript

from core.analysis.processes import AnalysisProcesses, ProcessesLost, analyze_one
from core.analysis.rules import RulesAnalyzer
from core.pipeline import AutoPipeline
from core.pipeline.matching import Stage
from core.pipeline.pipelines import DEFAULT_DEFINITIONS, DEFAULT_STAGES, AutoMode, Pipeline
from core.qualify import Qualifier
from core.transcripts import ContactSnapshot

TRANSCRIPTS = [transcript(conversation) for conversation in load()]
SALES = AutoPipeline(
    Pipeline(
        1,
        1,
        "Sales",
        tuple(Stage(n, name, n, DEFAULT_DEFINITIONS.get(name)) for n, name in enumerate(DEFAULT_STAGES)),
    ),
    AutoMode.UPDATE_EXISTING,
)


def snapshots() -> list[ContactSnapshot]:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    return [ContactSnapshot(n, f"psid{n}", "messenger", t, "v1", ((n, at),)) for n, t in enumerate(TRANSCRIPTS)]


@pytest.fixture
def processes():
    pool = AnalysisProcesses(2, min_tasks=1)
    yield pool
    pool.close()


def test_a_batch_analysed_in_processes_is_what_this_process_makes_of_it(processes) -> None:
    assert len(TRANSCRIPTS) > 100
    analyzer, stages = RulesAnalyzer(), list(DEFAULT_STAGES)
    here = [analyze_one(analyzer, t, stages, DEFAULT_DEFINITIONS) for t in TRANSCRIPTS]
    there = processes.analyze(analyzer, TRANSCRIPTS, stages, DEFAULT_DEFINITIONS)
    assert there == here
    assert len({a.recommended_stage for a in there}) == len(DEFAULT_STAGES)  # every stage, not one answer
    summaries = processes.analyze(analyzer, TRANSCRIPTS[:7], None, None)  # a page without an auto-pipeline
    assert summaries == [analyzer.summarize(t) for t in TRANSCRIPTS[:7]]
    assert all(a.recommended_stage is None for a in summaries)


def test_a_dead_child_is_said_and_the_qualifier_analyses_every_contact_itself(processes) -> None:
    analyzer = RulesAnalyzer()
    processes.analyze(analyzer, TRANSCRIPTS[:2], None, None)  # the children are up
    children = [child.pid for child in multiprocessing.active_children() if child.pid is not None]
    assert children
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    with pytest.raises(ProcessesLost):
        processes.analyze(analyzer, TRANSCRIPTS, None, None)

    qualifier = Qualifier(analyzer, processes=processes)
    try:
        results = qualifier.analyze(snapshots(), SALES)
        again = qualifier.analyze(snapshots()[:3], SALES)  # and from then on, with no pool to try
    finally:
        qualifier.close()
    stages = list(DEFAULT_STAGES)
    assert results == [analyzer.analyze(t, stages, DEFAULT_DEFINITIONS) for t in TRANSCRIPTS]
    assert again == results[:3]


def test_small_batches_stay_in_this_process() -> None:
    processes = AnalysisProcesses(1)
    qualifier = Qualifier(RulesAnalyzer(), processes=processes)
    try:
        results = qualifier.analyze(snapshots()[:5], SALES)
        assert len(results) == 5 and multiprocessing.active_children() == []
    finally:
        qualifier.close()
