"""The rules analyzer's step mapped onto any pipeline's stage names: by name, then by position."""

from __future__ import annotations

import pytest
from test_rules_analyzer import CASE_IDS, CASES, analyze

from core.analysis.rules import Step, map_step_to_stage

CUSTOM_PIPELINES = [["Inbox", "Interested", "Customer"], ["Lead"], ["Open", "Closed Won", "Closed Lost"]]


@pytest.mark.parametrize("stages", CUSTOM_PIPELINES, ids=" / ".join)
@pytest.mark.parametrize("case, transcript, stage, status", CASES, ids=CASE_IDS)
def test_custom_pipelines_get_one_of_their_stages(case, transcript, stage, status, stages):
    assert analyze(transcript, stages).recommended_stage in stages


@pytest.mark.parametrize("case, transcript, stage, status", CASES, ids=CASE_IDS)
def test_one_stage_pipelines_always_get_it(case, transcript, stage, status):
    assert analyze(transcript, ["Everyone"]).recommended_stage == "Everyone"


# (step, stages, expected stage)
STAGE_MAPPING = [
    (Step.NEW, ["Inbox", "Interested", "Customer"], "Inbox"),
    (Step.CONTACTED, ["Inbox", "Interested", "Customer"], "Inbox"),
    (Step.QUALIFIED, ["Inbox", "Interested", "Customer"], "Interested"),
    (Step.PROPOSAL, ["Inbox", "Interested", "Customer"], "Interested"),
    (Step.WON, ["Inbox", "Interested", "Customer"], "Customer"),
    (Step.LOST, ["Inbox", "Interested", "Customer"], "Inbox"),  # no lost stage: back to the entry stage
    *((step, ["Lead"], "Lead") for step in Step),
    (Step.NEW, ["Open", "Closed Won", "Closed Lost"], "Open"),
    (Step.PROPOSAL, ["Open", "Closed Won", "Closed Lost"], "Open"),  # an offer is not a sale
    (Step.WON, ["Open", "Closed Won", "Closed Lost"], "Closed Won"),
    (Step.LOST, ["Open", "Closed Won", "Closed Lost"], "Closed Lost"),
    # No recognisable names: by position, the first stage being the entry
    (Step.NEW, ["Stage 1", "Stage 2", "Stage 3", "Stage 4", "Stage 5"], "Stage 1"),
    (Step.CONTACTED, ["Stage 1", "Stage 2", "Stage 3", "Stage 4", "Stage 5"], "Stage 2"),
    (Step.QUALIFIED, ["Stage 1", "Stage 2", "Stage 3", "Stage 4", "Stage 5"], "Stage 3"),
    (Step.PROPOSAL, ["Stage 1", "Stage 2", "Stage 3", "Stage 4", "Stage 5"], "Stage 4"),
    (Step.WON, ["Stage 1", "Stage 2", "Stage 3", "Stage 4", "Stage 5"], "Stage 5"),
    (Step.LOST, ["Stage 1", "Stage 2", "Stage 3", "Stage 4", "Stage 5"], "Stage 1"),
    # Names only partly known: unknown stages sit between the known ones
    (Step.QUALIFIED, ["New", "Working", "Done", "Lost"], "Working"),
    (Step.WON, ["New", "Working", "Done", "Lost"], "Done"),
    # "lead" says what the pipeline holds, the other word says the step
    (Step.QUALIFIED, ["New Lead", "Hot Lead", "Dead Lead"], "Hot Lead"),
    (Step.LOST, ["New Lead", "Hot Lead", "Dead Lead"], "Dead Lead"),
    (Step.NEW, ["Unqualified", "New Lead"], "New Lead"),
    (Step.CONTACTED, ["Closed-Lost", "In conversation", "Quote sent"], "In conversation"),
    (Step.QUALIFIED, [], None),  # nothing to choose from
]


@pytest.mark.parametrize("step, stages, expected", STAGE_MAPPING)
def test_map_step_to_stage(step, stages, expected):
    assert map_step_to_stage(step, stages) == expected
