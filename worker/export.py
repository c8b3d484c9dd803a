"""The export job: a page's contacts as a CSV file, DMed to the person who asked (`/fbsync export`).

It takes its pending_work row (kind 'export'), writes the CSV to a temporary file as PostgreSQL
streams it (core/leads/export.py: memory stays flat whatever the page's size), uploads the file to the
requester's DM with a progress message kept up to date meanwhile (bot/export_delivery.py), and records
the outcome in `lead_exports`. Slack refusing or rate limiting a call it needs leaves the row owed
again after Slack's Retry-After (or 30 s); anything else fails the export, with a reason the
requester is told and that never holds a secret.
"""

from __future__ import annotations

import logging
import tempfile

import psycopg

from bot.export_delivery import ExportDM, SlackTrouble, file_name, upload_comment
from bot.slack_client import SlackClients
from bot.views.export import export_failed, export_progress, export_ready
from core import pages, work
from core.db import Pool
from core.leads import LeadExport, export_contacts, get_export
from core.leads import export_failed as record_failure
from core.leads import export_finished as record_success
from core.leads import export_started as record_start
from core.leads.export_requests import ExportStatus
from core.logfmt import ContextLogger
from core.pages import Page
from worker.resources import held_work

logger = logging.getLogger(__name__)


def run_export(export_id: int, dispatch_id: int) -> str:
    """Run one export; returns what became of it. Its `lead_exports` row is the record."""
    with held_work(work.Kind.EXPORT, export_id, dispatch_id) as held:
        if held is None:
            return "not owed"
        settings, pool, claim = held
        with pool.connection() as conn:
            export = get_export(conn, export_id)
            if export is None or export.status in (ExportStatus.COMPLETED, ExportStatus.FAILED):
                work.forget(conn, work.Kind.EXPORT, export_id)
                return "not owed"
            page = pages.get_page(conn, export.facebook_page_id)  # an export goes with its page
        log = ContextLogger(logger, {"export_id": export_id, "page_id": page.page_id})
        client = SlackClients(settings, pool, wait_on_rate_limit=False).for_team(export.slack_team_id)
        if client is None:
            _fail(pool, page, export, "fbsync is no longer installed in this workspace", None, log)
            return "failed"
        dm = ExportDM(client, export.slack_user_id, _message_of(export), log)
        if not _still_theirs(pool, page, export):
            _fail(pool, page, export, "the page is no longer connected to this workspace", dm, log)
            return "failed"
        try:
            rows = _export(pool, page, export, dm)
        except SlackTrouble as trouble:
            if trouble.retry_after is None or claim.attempts >= work.MAX_ATTEMPTS:
                _fail(pool, page, export, str(trouble), dm, log)
                return "failed"
            log.info("export postponed retry_after=%.0f reason=%s", trouble.retry_after, trouble)
            with pool.connection() as conn:
                work.release(conn, work.Kind.EXPORT, export_id, trouble.retry_after, attempts=claim.attempts)
            return f"retrying in {trouble.retry_after:.0f}s"
        except psycopg.Error as exc:
            log.error("export failed: database error=%s", type(exc).__name__)
            _fail(pool, page, export, "the database failed while reading the contacts; please try again", dm, log)
            return "failed"
        except Exception as exc:
            # Never the exception's text, here or in the log: it may quote a URL or a token.
            log.error("export failed error=%s", type(exc).__name__)
            _fail(pool, page, export, f"internal error ({type(exc).__name__}); please try again", dm, log)
            return "failed"
        dm.update(export_ready(page, export.stage, rows), force=True)
        with pool.connection() as conn, conn.transaction():
            record_success(conn, export_id, rows)
            work.settle(conn, work.Kind.EXPORT, export_id, claim.version)
        log.info("export done rows=%d", rows)
        return "completed"


def _still_theirs(pool: Pool, page: Page, export: LeadExport) -> bool:
    """The page may have moved to another workspace (or been disconnected) since the export was asked
    for: its contacts are then not the requester's to take."""
    with pool.connection() as conn:
        row = conn.execute("SELECT slack_team_id FROM organizations WHERE id = %s", (page.organization_id,)).fetchone()
    return page.is_active and row is not None and row["slack_team_id"] == export.slack_team_id


def _message_of(export: LeadExport) -> tuple[str, str] | None:
    if export.progress_channel and export.progress_ts:
        return export.progress_channel, export.progress_ts
    return None


def _export(pool: Pool, page: Page, export: LeadExport, dm: ExportDM) -> int:
    """The CSV written and uploaded; returns its rows."""
    channel, ts = dm.open(export_progress(page, export.stage, 0, None))
    with pool.connection() as conn:
        record_start(conn, export.id, channel, ts)

    def progress(done: int, total: int) -> None:
        # The last count always shows: the upload that follows can take a while.
        dm.update(export_progress(page, export.stage, done, total), force=done == total)

    # On disk, not in memory: a page's export can be tens of megabytes.
    with tempfile.NamedTemporaryFile(prefix="fbsync-export-", suffix=".csv") as out:
        with pool.connection() as conn:
            rows = export_contacts(conn, page.id, out, stage_id=export.stage_id, on_progress=progress)
        out.flush()
        name = file_name(page.name, export.stage, export.created_at)
        dm.upload(out.name, name, upload_comment(page.name, export.stage, rows, export.created_at))
    return rows


def _fail(
    pool: Pool, page: Page, export: LeadExport, reason: str, dm: ExportDM | None, log: logging.LoggerAdapter
) -> None:
    log.warning("export failed reason=%s", reason)
    with pool.connection() as conn, conn.transaction():
        record_failure(conn, export.id, reason)
        work.forget(conn, work.Kind.EXPORT, export.id)
    if dm is not None:
        dm.tell(export_failed(page, export.stage, reason))
