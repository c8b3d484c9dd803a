"""Pipelines, stage matching and the automatic assignment of analysed contacts."""

from core.pipeline.assign import StageMove, apply_analysis
from core.pipeline.matching import MatchRule, Stage, match_stage
from core.pipeline.pipelines import (
    DEFAULT_DEFINITIONS,
    DEFAULT_STAGES,
    AutoMode,
    AutoPipeline,
    Pipeline,
    PipelineError,
    auto_pipeline_of,
    create_pipeline,
    define_stage,
    ensure_default_pipeline,
    find_pipeline,
    list_pipelines,
    set_auto_pipeline,
)

__all__ = [
    "DEFAULT_DEFINITIONS",
    "DEFAULT_STAGES",
    "AutoMode",
    "AutoPipeline",
    "MatchRule",
    "Pipeline",
    "PipelineError",
    "Stage",
    "StageMove",
    "apply_analysis",
    "auto_pipeline_of",
    "create_pipeline",
    "define_stage",
    "ensure_default_pipeline",
    "find_pipeline",
    "list_pipelines",
    "match_stage",
    "set_auto_pipeline",
]
