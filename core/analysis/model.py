"""What analyzers take and give: a conversation transcript in, a summary/stage/score/status out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol

# "other": another customer in a thread with several (a group conversation).
Speaker = Literal["contact", "page", "other"]


class LeadStatus(StrEnum):
    NEW = "NEW"
    CONTACTED = "CONTACTED"
    QUALIFIED = "QUALIFIED"
    PROPOSAL_SENT = "PROPOSAL_SENT"
    WON = "WON"
    LOST = "LOST"
    UNQUALIFIED = "UNQUALIFIED"


@dataclass(frozen=True)
class Line:
    speaker: Speaker  # "page" lines are the business's own replies
    text: str
    at: datetime
    who: str | None = None  # the name of an "other" speaker


@dataclass(frozen=True)
class Transcript:
    contact_name: str
    platform: str
    page_name: str
    lines: tuple[Line, ...]  # oldest first

    @property
    def page_replied(self) -> bool:
        """The business answered the customer: a broadcast before the customer wrote is no reply."""
        spoke = next((i for i, line in enumerate(self.lines) if line.speaker == "contact"), None)
        return spoke is not None and any(line.speaker == "page" for line in self.lines[spoke + 1 :])


@dataclass(frozen=True)
class Analysis:
    summary: str
    # The rest is filled by a full analysis (page has an auto-pipeline), None for a summary only.
    recommended_stage: str | None = None
    lead_score: int | None = None  # 0-100
    lead_status: LeadStatus | None = None
    confidence: int | None = None  # 0-100
    reasoning: str | None = None
    evidence: tuple[str, ...] = ()  # what the customer or the business said that decided the stage


class AnalysisUnavailable(Exception):
    """No analysis can be had now (every key out of quota, service down): save without AI, retry later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds until it is worth trying again, when known


class AnalysisFailed(Exception):
    """The analyzer answered, but not usably (malformed or off-schema output): a per-contact failure."""


class Analyzer(Protocol):
    name: str

    def summarize(self, transcript: Transcript) -> Analysis:
        """A short summary only: for pages without an auto-pipeline."""

    def analyze(
        self, transcript: Transcript, stages: Sequence[str], definitions: Mapping[str, str] | None = None
    ) -> Analysis:
        """Summary plus stage (one of `stages`, in pipeline order), score, status, confidence, reasoning.

        `definitions` maps stage names to their entry criteria, where the pipeline has them."""


def clamp_score(value: float | int | None) -> int | None:
    return None if value is None else max(0, min(100, int(round(value))))
