"""Pipelines with ordered stages per organization, and a page's auto-assignment setting."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Sequence

from psycopg import Connection, errors

from core.pipeline.matching import Stage

DEFAULT_PIPELINE = "Sales"
DEFAULT_STAGES = ("New Lead", "Contacted", "Qualified Lead", "Proposal Sent", "Won", "Lost")


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


@dataclass(frozen=True)
class AutoPipeline:
    """Where a page's analysed contacts go, and how."""

    pipeline: Pipeline
    mode: AutoMode


def create_pipeline(conn: Connection, organization_id: int, name: str, stages: Sequence[str]) -> Pipeline:
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
                "INSERT INTO pipeline_stages (pipeline_id, name, position) VALUES (%s, %s, %s)",
                [(row["id"], stage, position) for position, stage in enumerate(names)],
            )
    except errors.UniqueViolation:
        raise PipelineError(f"a pipeline named '{name.strip()}' already exists") from None
    return get_pipeline(conn, row["id"])


def ensure_default_pipeline(conn: Connection, organization_id: int) -> Pipeline:
    """Every organization starts with a usable pipeline, so auto-assignment works without set-up."""
    existing = list_pipelines(conn, organization_id)
    if existing:
        return existing[0]
    return create_pipeline(conn, organization_id, DEFAULT_PIPELINE, DEFAULT_STAGES)


def get_pipeline(conn: Connection, pipeline_id: int) -> Pipeline:
    pipelines = _load(conn, "p.id = %s", (pipeline_id,))
    if not pipelines:
        raise PipelineError(f"no pipeline {pipeline_id}")
    return pipelines[0]


def list_pipelines(conn: Connection, organization_id: int) -> list[Pipeline]:
    return _load(conn, "p.organization_id = %s", (organization_id,))


def find_pipeline(conn: Connection, organization_id: int, ref: str) -> Pipeline:
    wanted = ref.strip().casefold()
    for pipeline in list_pipelines(conn, organization_id):
        if pipeline.name.casefold() == wanted or str(pipeline.id) == wanted:
            return pipeline
    raise PipelineError(f"no pipeline named '{ref}'")


def _load(conn: Connection, where: str, params: tuple[object, ...]) -> list[Pipeline]:
    rows = conn.execute(
        "SELECT p.id, p.organization_id, p.name, s.id AS stage_id, s.name AS stage_name, s.position"
        f" FROM pipelines p LEFT JOIN pipeline_stages s ON s.pipeline_id = p.id WHERE {where}"
        " ORDER BY p.id, s.position",
        params,
    ).fetchall()
    pipelines: dict[int, Pipeline] = {}
    for row in rows:
        current = pipelines.get(row["id"]) or Pipeline(row["id"], row["organization_id"], row["name"], ())
        if row["stage_id"] is not None:
            stage = Stage(row["stage_id"], row["stage_name"], row["position"])
            current = Pipeline(current.id, current.organization_id, current.name, (*current.stages, stage))
        pipelines[row["id"]] = current
    return list(pipelines.values())


def set_auto_pipeline(conn: Connection, page_pk: int, pipeline: Pipeline | None, mode: AutoMode) -> None:
    conn.execute(
        "UPDATE facebook_pages SET auto_pipeline_id = %s, auto_pipeline_mode = %s, updated_at = now() WHERE id = %s",
        (pipeline.id if pipeline else None, mode.value, page_pk),
    )


def auto_pipeline_of(conn: Connection, page_pk: int) -> AutoPipeline | None:
    row = conn.execute(
        "SELECT auto_pipeline_id, auto_pipeline_mode FROM facebook_pages WHERE id = %s", (page_pk,)
    ).fetchone()
    if row is None or row["auto_pipeline_id"] is None:
        return None
    pipeline = get_pipeline(conn, row["auto_pipeline_id"])
    return AutoPipeline(pipeline, AutoMode(row["auto_pipeline_mode"])) if pipeline.stages else None
