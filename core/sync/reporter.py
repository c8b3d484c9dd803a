"""How a sync tells the outside world how it is going. The engine calls it; adapters implement it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from core.graph import Platform
from core.jobs import SyncJob


@dataclass(frozen=True)
class SyncProgress:
    job_id: int
    page_id: str
    page_name: str
    started_at: datetime
    platform: Platform | None = None
    synced: int = 0
    failed: int = 0
    conversations_seen: int = 0
    analyzed: int = 0
    analysis_deferred: int = 0
    stage_changes: int = 0
    # The page's analysis, which follows the sync at the AI quota's pace: contacts still waiting and
    # the analyses per minute measured.
    analysis_backlog: int = 0
    analysis_rate: float | None = None
    contacts_by_platform: dict[str, int] = field(default_factory=dict)


class SyncReporter(Protocol):
    def started(self, progress: SyncProgress) -> None: ...

    def progress(self, progress: SyncProgress) -> None:
        """Called after every committed chunk (a Graph page, up to 100 conversations, by default)."""

    def platform_finished(self, progress: SyncProgress) -> None:
        """`progress.platform` is the platform just finished."""

    def finished(self, job: SyncJob, progress: SyncProgress) -> None: ...


class SilentReporter:
    """For callers that only want the job record (tests, scheduled runs)."""

    def started(self, progress: SyncProgress) -> None:
        pass

    def progress(self, progress: SyncProgress) -> None:
        pass

    def platform_finished(self, progress: SyncProgress) -> None:
        pass

    def finished(self, job: SyncJob, progress: SyncProgress) -> None:
        pass
