"""Pipelines with ordered stages per organization, and a page's auto-assignment setting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from psycopg import errors

from core.db import Conn
from core.pipeline.matching import Stage

DEFAULT_PIPELINE = "Sales"
DEFAULT_STAGES = ("New Lead", "Contacted", "Qualified Lead", "Proposal Sent", "Won", "Lost")
# Entry criteria of the default stages. A stage is the state the customer is in now, judged on the
# whole conversation, not a step after the one before: Lost can follow any stage, and stages can be skipped.
DEFAULT_DEFINITIONS: dict[str, str] = {
    "New Lead": "The customer has written but the business has not answered yet, whatever the customer asked;"
    " or only the business has written so far.",
    "Contacted": "The business has replied, but the customer has shown no concrete buying interest: greetings,"
    " general chat, thanks, or a question or complaint that is not about buying something.",
    "Qualified Lead": "The customer has shown concrete buying interest and the business has answered: questions"
    " about price, availability, stock, delivery, sizes, booking slots or how to order, or a wish to buy."
    " The business has not yet given a price, quote, invoice or payment link for it.",
    "Proposal Sent": "The business has given a specific price, quote, offer, invoice or payment or booking link"
    " for what the customer asked about, and the customer has not yet paid, confirmed or refused it.",
    "Won": "The customer has paid (says so or sends proof, or the business confirms the payment), or the business"
    " has confirmed an order or booking the customer agreed to. Interest, a price, or a promise to pay later"
    " is not Won.",
    "Lost": "The customer refused or went elsewhere (not interested, too expensive, chose another supplier),"
    " opted out (asked to stop, unsubscribe), asked for a refund or cancelled; or the conversation is spam,"
    " a scam or an unrelated solicitation. A refusal, opt-out, refund or spam outweighs earlier interest.",
}


class AutoMode(StrEnum):
    SKIP_EXISTING = "SKIP_EXISTING"  # only contacts without a pipeline are placed
    UPDATE_EXISTING = "UPDATE_EXISTING"  # every analysed contact is re-evaluated and may move


class PipelineError(ValueError):
    pass


@dataclass(frozen=True)
class Pipeline:
    id: int
    organization_id: int
    name: str
    stages: tuple[Stage, ...]

    @property
    def stage_names(self) -> list[str]:
        return [stage.name for stage in self.stages]

    @property
    def definitions(self) -> dict[str, str]:
        """Stage name -> entry criteria, for the stages that have them."""
        return {stage.name: stage.definition for stage in self.stages if stage.definition}


@dataclass(frozen=True)
class AutoPipeline:
    """Where a page's analysed contacts go, and how."""

    pipeline: Pipeline
    mode: AutoMode


def create_pipeline(
    conn: Conn,
    organization_id: int,
    name: str,
    stages: Sequence[str],
    definitions: Mapping[str, str] | None = None,
) -> Pipeline:
    """A pipeline with `stages` first to last; `definitions` (stage name -> entry criteria) may cover some."""
    names = [s.strip() for s in stages if s.strip()]
    if not name.strip():
        raise PipelineError("a pipeline needs a name")
    if not names:
        raise PipelineError("a pipeline needs at least one stage")
    if len({n.casefold() for n in names}) != len(names):
        raise PipelineError("stage names must be different from each other")
    try:
        with conn.transaction():
            row = conn.execute(
                "INSERT INTO pipelines (organization_id, name) VALUES (%s, %s) RETURNING id",
                (organization_id, name.strip()),
            ).fetchone()
            assert row is not None
            conn.cursor().executemany(
                "INSERT INTO pipeline_stages (pipeline_id, name, position, definition) VALUES (%s, %s, %s, %s)",
                [
                    (row["id"], stage, position, _definition((definitions or {}).get(stage)))
                    for position, stage in enumerate(names)
                ],
            )
    except errors.UniqueViolation:
        raise PipelineError(f"a pipeline named '{name.strip()}' already exists") from None
    return get_pipeline(conn, row["id"])


def ensure_default_pipeline(conn: Conn, organization_id: int) -> Pipeline:
    """Every organization starts with a usable pipeline, so auto-assignment works without set-up."""
    existing = list_pipelines(conn, organization_id)
    if existing:
        return existing[0]
    return create_pipeline(conn, organization_id, DEFAULT_PIPELINE, DEFAULT_STAGES, DEFAULT_DEFINITIONS)


def define_stage(conn: Conn, pipeline: Pipeline, stage_name: str, definition: str | None) -> Pipeline:
    """Sets (or, with None or blank, clears) the entry criteria of one stage of `pipeline`."""
    stage = next((s for s in pipeline.stages if s.name.casefold() == stage_name.strip().casefold()), None)
    if stage is None:
        raise PipelineError(
            f"pipeline '{pipeline.name}' has no stage '{stage_name}' (stages: {', '.join(pipeline.stage_names)})"
        )
    conn.execute("UPDATE pipeline_stages SET definition = %s WHERE id = %s", (_definition(definition), stage.id))
    return get_pipeline(conn, pipeline.id)


def _definition(text: str | None) -> str | None:
    return " ".join(text.split()) or None if text else None


def get_pipeline(conn: Conn, pipeline_id: int) -> Pipeline:
    pipelines = _load(conn, "p.id = %s", (pipeline_id,))
    if not pipelines:
        raise PipelineError(f"no pipeline {pipeline_id}")
    return pipelines[0]


def list_pipelines(conn: Conn, organization_id: int) -> list[Pipeline]:
    return _load(conn, "p.organization_id = %s", (organization_id,))


def find_pipeline(conn: Conn, organization_id: int, ref: str) -> Pipeline:
    wanted = ref.strip().casefold()
    for pipeline in list_pipelines(conn, organization_id):
        if pipeline.name.casefold() == wanted or str(pipeline.id) == wanted:
            return pipeline
    raise PipelineError(f"no pipeline named '{ref}'")


def _load(conn: Conn, where: str, params: tuple[object, ...]) -> list[Pipeline]:
    rows = conn.execute(
        "SELECT p.id, p.organization_id, p.name, s.id AS stage_id, s.name AS stage_name, s.position, s.definition"
        f" FROM pipelines p LEFT JOIN pipeline_stages s ON s.pipeline_id = p.id WHERE {where}"
        " ORDER BY p.id, s.position",
        params,
    ).fetchall()
    pipelines: dict[int, Pipeline] = {}
    for row in rows:
        current = pipelines.get(row["id"]) or Pipeline(row["id"], row["organization_id"], row["name"], ())
        if row["stage_id"] is not None:
            stage = Stage(row["stage_id"], row["stage_name"], row["position"], row["definition"])
            current = Pipeline(current.id, current.organization_id, current.name, (*current.stages, stage))
        pipelines[row["id"]] = current
    return list(pipelines.values())


def set_auto_pipeline(conn: Conn, page_pk: int, pipeline: Pipeline | None, mode: AutoMode) -> None:
    conn.execute(
        "UPDATE facebook_pages SET auto_pipeline_id = %s, auto_pipeline_mode = %s, updated_at = now() WHERE id = %s",
        (pipeline.id if pipeline else None, mode.value, page_pk),
    )


def auto_pipeline_of(conn: Conn, page_pk: int) -> AutoPipeline | None:
    row = conn.execute(
        "SELECT auto_pipeline_id, auto_pipeline_mode FROM facebook_pages WHERE id = %s", (page_pk,)
    ).fetchone()
    if row is None or row["auto_pipeline_id"] is None:
        return None
    pipeline = get_pipeline(conn, row["auto_pipeline_id"])
    return AutoPipeline(pipeline, AutoMode(row["auto_pipeline_mode"])) if pipeline.stages else None
