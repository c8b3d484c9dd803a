"""`fbsync sync PAGE [--full]`: a sync run inline, its progress printed, then its summary."""

from __future__ import annotations

import argparse
import sys

import redis

from core import jobs, pages
from core.analysis import build_analyzer
from core.analysis.processes import AnalysisProcesses
from core.cli.common import CliError, open_database, settings_from_env
from core.jobs import JobStatus, SyncJob
from core.qualify import Qualifier
from core.stats import stage_breakdown
from core.sync import SyncEngine, SyncProgress
from core.tokens import TokenCipher


def add_sync_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sync = commands.add_parser("sync", help="sync a page now and print the result")
    sync.add_argument("page", help="page id, name or unique name prefix")
    sync.add_argument("--full", action="store_true", help="re-read every conversation, not only new activity")
    sync.set_defaults(func=cmd_sync)


class PrintingReporter:
    def __init__(self, out=sys.stdout, every: int = 50) -> None:
        self._out = out
        self._every = every
        self._last_printed = 0

    def _print(self, line: str) -> None:
        print(line, file=self._out, flush=True)

    def started(self, progress: SyncProgress) -> None:
        self._print(f"Syncing {progress.page_name} ({progress.page_id}) as job {progress.job_id}")

    def progress(self, progress: SyncProgress) -> None:
        done = progress.synced + progress.failed
        if done - self._last_printed >= self._every:
            self._last_printed = done
            self._print(
                f"  {progress.platform}: {progress.synced} synced, {progress.failed} failed, "
                f"{progress.conversations_seen} conversations"
            )

    def platform_finished(self, progress: SyncProgress) -> None:
        count = progress.contacts_by_platform.get(progress.platform or "", 0)
        self._print(f"  {progress.platform} done: {count} contacts")

    def finished(self, job: SyncJob, progress: SyncProgress) -> None:
        pass  # the command prints the job summary itself


def _redis(url: str) -> redis.Redis:
    """A Redis that answers, or one line saying it does not (the URL may hold a password: never shown)."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise CliError(f"cannot connect to Redis (check REDIS_URL): {type(exc).__name__}") from None
    return client


def cmd_sync(args: argparse.Namespace) -> int:
    settings = settings_from_env()
    # Configuration problems surface before a job exists, so none is left behind PENDING.
    TokenCipher.from_settings(settings)
    # A configured Redis must answer before a job exists: the Gemini request budget is kept there.
    if settings.redis_url:
        _redis(settings.redis_url)
    # Inline, the analysis runs beside the Graph pass: the offline analyzer's large batches in processes
    # of their own, so that the two do not take turns on one interpreter lock.
    qualifier = Qualifier(build_analyzer(settings), workers=settings.analysis_workers, processes=AnalysisProcesses())
    try:
        with open_database(settings) as pool:
            with pool.connection() as conn:
                page = pages.find_page(conn, args.page)
                job = jobs.create_job(
                    conn, page.id, full=args.full, requested_by="cli", stale_after_seconds=settings.job_stale_after
                )
            # Inline, the sync analyses its backlog itself; results apply only to the messages they were
            # made from, so webhook refreshes running meanwhile are safe.
            job = SyncEngine(pool, settings, qualifier, reporter=PrintingReporter()).run(job.id)
            with pool.connection() as conn:
                breakdown = stage_breakdown(conn, page.id)
    finally:
        qualifier.close()
    print(summarize(job))
    if breakdown:
        print("  stages: " + ", ".join(f"{name} {count}" for name, count in breakdown))
    return 0 if job.status is JobStatus.COMPLETED else 1


def summarize(job: SyncJob) -> str:
    duration = (job.completed_at - job.started_at).total_seconds() if job.completed_at and job.started_at else 0
    lines = [
        f"Job {job.id}: {job.status.value} - {job.synced_contacts} contacts synced, "
        f"{job.failed_contacts} failed, {job.conversations_seen} conversations in {duration:.1f}s",
        f"  analysis: {job.analyzed_contacts} analysed, {job.stage_changes} stage changes, "
        f"{job.analysis_deferred} deferred (AI unavailable), {job.analysis_failed} failed",
    ]
    if job.failure_reason:
        lines.append(f"  reason: {job.failure_reason}")
    if job.token_expired:
        lines.append("  the page token is no longer valid: reconnect the page, then sync again")
    for error in job.errors[:5]:
        code = f" (code {error['code']})" if error.get("code") is not None else ""
        lines.append(f"  failed {error['platform']} {error['id']}: {error['error']}{code}")
    return "\n".join(lines)
