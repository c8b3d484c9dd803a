"""The rules analyzer's step mapped onto any pipeline's stage names: by name, then by position."""

from __future__ import annotations

import pytest
from test_rules_analyzer import CASE_IDS, CASES, analyze, chat

from core.analysis.rules import RulesAnalyzer, Step, map_step_to_stage
from core.pipeline.pipelines import DEFAULT_DEFINITIONS, DEFAULT_STAGES

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


# A wedding photographer's own pipeline: the names alone say little, the definitions say what each stage is.
WEDDINGS = ["Inquiry", "Consultation Booked", "Deposit Paid", "Lost"]
WEDDING_DEFINITIONS = {
    "Consultation Booked": "The couple booked a consultation call with us.",
    "Deposit Paid": "The couple paid the 30% deposit or we confirmed it arrived.",
}
# Names the rules know nothing of: only the definitions place anyone past the first stage.
STUDIO = ["Enquiry", "Chatting", "Priced", "Secured", "Gone"]
STUDIO_DEFINITIONS = {
    "Chatting": "Customer is interested and asked questions",
    "Priced": "We sent them a quote",
    "Secured": "Customer has paid the deposit",
    "Gone": "The customer declined or went elsewhere",
}
BOOKED = chat("c: Could we do a consultation next week?", "p: Sure, you're booked for Tuesday at 6pm!")
DEPOSIT = chat("c: How do we reserve June 14?", "p: A 30% deposit holds the date", "c: Just sent the deposit 🙂")
QUOTED = chat("c: How much is a full-day session?", "p: A full day is $2,400 with two photographers")
ASKED = chat("c: Are you available on June 14 next year?", "p: We are, it is still open!")
DECLINED = chat("c: How much for a day?", "p: $2,400", "c: Sorry, we went with another photographer")

# (transcript, stages, definitions, expected stage)
PLACED_BY_DEFINITION = [
    (BOOKED, WEDDINGS, WEDDING_DEFINITIONS, "Consultation Booked"),  # a booking is not the deposit
    (DEPOSIT, WEDDINGS, WEDDING_DEFINITIONS, "Deposit Paid"),
    (QUOTED, WEDDINGS, WEDDING_DEFINITIONS, "Inquiry"),  # a price books nothing
    (DECLINED, WEDDINGS, WEDDING_DEFINITIONS, "Lost"),
    (DEPOSIT, STUDIO, STUDIO_DEFINITIONS, "Secured"),
    (QUOTED, STUDIO, STUDIO_DEFINITIONS, "Priced"),
    (ASKED, STUDIO, STUDIO_DEFINITIONS, "Chatting"),
    (DECLINED, STUDIO, STUDIO_DEFINITIONS, "Gone"),
    (chat("c: hi"), STUDIO, STUDIO_DEFINITIONS, "Enquiry"),
]


@pytest.mark.parametrize("transcript, stages, definitions, expected", PLACED_BY_DEFINITION)
def test_a_custom_pipeline_is_placed_by_its_definitions(transcript, stages, definitions, expected):
    assert RulesAnalyzer().analyze(transcript, stages, definitions).recommended_stage == expected


@pytest.mark.parametrize("case, transcript, stage, status", CASES, ids=CASE_IDS)
def test_no_definition_places_an_unsold_contact_in_a_paid_stage(case, transcript, stage, status):
    placed = RulesAnalyzer().analyze(transcript, STUDIO, STUDIO_DEFINITIONS).recommended_stage
    assert (placed == "Secured") == (stage == "Won")


@pytest.mark.parametrize("case, transcript, stage, status", CASES, ids=CASE_IDS)
def test_the_default_definitions_change_no_default_stage(case, transcript, stage, status):
    assert RulesAnalyzer().analyze(transcript, DEFAULT_STAGES, DEFAULT_DEFINITIONS).recommended_stage == stage


# (definition, the step it names)
DEFINITION_STEPS = [
    ("The customer has paid the deposit", Step.WON),
    ("Le client a payé l'acompte", Step.WON),
    ("Der Kunde hat die Anzahlung überwiesen", Step.WON),
    ("The customer booked an appointment", Step.WON),
    ("We sent a quote or proposal", Step.PROPOSAL),
    ("The customer asked for a quote", Step.QUALIFIED),  # asked for, not sent
    ("Wants to book a table", Step.QUALIFIED),
    ("Asked for a refund or cancelled", Step.LOST),
    ("", None),
]


@pytest.mark.parametrize("definition, step", DEFINITION_STEPS)
def test_a_definition_names_a_step(definition, step):
    assert map_step_to_stage(step or Step.NEW, ["First", "Defined", "Last"], {"Defined": definition}) == (
        "Defined" if step is not None and step is not Step.NEW else "First"
    )
