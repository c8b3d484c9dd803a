"""`fbsync` command line: migrate, connect and list pages, run a sync inline."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager

import psycopg
import redis

from core import alerts, cli_contacts, db, jobs, logfmt, pages, pipeline, schedule
from core.analysis import build_analyzer
from core.cli_export import add_export_command
from core.cli_merges import add_merge_commands
from core.config import ConfigError, Settings
from core.db import Pool
from core.graph import InvalidGraphId, graph_id
from core.jobs import JobStatus, SyncJob
from core.leads.queries import StageNotFound
from core.merge import MergeRefused
from core.pipeline import AutoMode
from core.qualify import Qualifier
from core.stats import stage_breakdown
from core.sync import SyncEngine, SyncProgress
from core.tokens import TokenCipher, TokenUnreadable, rotate_all


class CliError(Exception):
    """Shown to the user as one line, exit status 2."""


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


def _settings() -> Settings:
    settings = Settings.from_env()
    if not settings.database_url:
        raise CliError("DATABASE_URL is not set (`make demo` runs everything on an embedded PostgreSQL)")
    return settings


@contextmanager
def _pool(settings: Settings) -> Iterator[Pool]:
    assert settings.database_url
    pool = db.open_pool(settings.database_url)
    try:
        yield pool
    finally:
        pool.close()


def _open_pool() -> AbstractContextManager[Pool]:
    return _pool(_settings())


def cmd_migrate(args: argparse.Namespace) -> int:
    with _pool(_settings()) as pool:
        applied = db.migrate(pool)
    print(f"applied {len(applied)} migration(s): {', '.join(applied)}" if applied else "database is up to date")
    return 0


def _read_token() -> str:
    token = getpass.getpass("Page access token: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
    if not token:
        raise CliError("no page access token given on standard input")
    return token


def cmd_pages_add(args: argparse.Namespace) -> int:
    # Checked before anything else: an id becomes part of Graph API URLs.
    graph_id(args.page_id, "PAGE_ID")
    if args.instagram_account_id:
        graph_id(args.instagram_account_id, "--instagram-account-id")
    if not args.name.strip():
        raise CliError("the page name must not be empty")
    settings = _settings()
    cipher = TokenCipher.from_settings(settings)
    token = _read_token()
    try:
        with _pool(settings) as pool, pool.connection() as conn, conn.transaction():
            org_id = pages.ensure_organization(conn, args.team)
            page = pages.add_page(
                conn,
                organization_id=org_id,
                page_id=args.page_id,
                name=args.name.strip(),
                token_ciphertext=cipher.encrypt(token),
                instagram_account_id=args.instagram_account_id or None,
                instagram_username=args.instagram_username or None,
                move=args.move,
            )
    except pages.PageOwnedElsewhere as exc:
        raise CliError(f"{exc} Or pass --team with that workspace's id, or --move to move it to {args.team}.") from None
    instagram = f", Instagram {page.instagram_account_id}" if page.instagram_account_id else ""
    print(f"connected {page.name} ({page.page_id}{instagram}) to workspace {args.team}")
    return 0


def cmd_pages_list(args: argparse.Namespace) -> int:
    with _pool(_settings()) as pool, pool.connection() as conn:
        summaries = pages.list_pages(conn)
    if not summaries:
        print("no pages connected (fbsync pages add PAGE_ID NAME)")
        return 0
    for s in summaries:
        flags = [
            f
            for f, on in (
                ("needs reconnect", s.page.needs_reauth),
                (f"job {s.running_job_id} running", s.running_job_id),
            )
            if on
        ]
        last = s.page.last_synced_at.strftime("%Y-%m-%d %H:%M UTC") if s.page.last_synced_at else "never"
        print(
            f"{s.page.page_id}  {s.page.name}  messenger={s.messenger_contacts} instagram={s.instagram_contacts}"
            f"  last synced {last}" + (f"  [{'; '.join(flags)}]" if flags else "")
        )
    return 0


def _redis(url: str) -> redis.Redis:
    """A Redis that answers, or one line saying it does not (the URL may hold a password: never shown)."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise CliError(f"cannot connect to Redis (check REDIS_URL): {type(exc).__name__}") from None
    return client


def cmd_sync(args: argparse.Namespace) -> int:
    settings = _settings()
    # Configuration problems surface before a job exists, so none is left behind PENDING.
    TokenCipher.from_settings(settings)
    # A configured Redis must answer before a job exists: the Gemini request budget is kept there.
    if settings.redis_url:
        _redis(settings.redis_url)
    qualifier = Qualifier(build_analyzer(settings), workers=settings.analysis_workers)
    try:
        with _pool(settings) as pool:
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


def cmd_pages_notify(args: argparse.Namespace) -> int:
    channel = None if args.channel.lower() == "off" else args.channel
    with _pool(_settings()) as pool, pool.connection() as conn:
        page = pages.find_page(conn, args.page)
        pages.set_notify_channel(conn, page.id, channel)
    print(f"{page.name}: stage-change notices " + (f"go to {channel}" if channel else "are off"))
    return 0


def cmd_pages_alerts(args: argparse.Namespace) -> int:
    off = [name.lower() for name in args.stages] == ["off"]
    with _pool(_settings()) as pool, pool.connection() as conn, conn.transaction():
        page = pages.find_page(conn, args.page)
        if args.stages:
            alerts.set_alert_stages(conn, page.id, [] if off else args.stages)
        names = alerts.alert_stages(conn, page.id)
    where = f"in {page.notify_channel}" if page.notify_channel else "once the page has a notify channel"
    print(f"{page.name}: lead alerts " + (f"for {', '.join(names)}, {where}" if names else "are off"))
    return 0


def cmd_tokens_new_key(args: argparse.Namespace) -> int:
    print(TokenCipher.new_key())
    return 0


def cmd_tokens_rotate(args: argparse.Namespace) -> int:
    settings = _settings()
    cipher = TokenCipher.from_settings(settings)
    with _pool(settings) as pool, pool.connection() as conn:
        rotated = rotate_all(conn, cipher)
    print(
        f"re-encrypted {rotated['facebook_pages']} page token(s) and {rotated['slack_installations']}"
        " Slack bot token(s) under the current key; older keys can now be retired"
    )
    return 0


def cmd_pages_schedule(args: argparse.Namespace) -> int:
    seconds = None if args.interval.lower() == "off" else schedule.parse_interval(args.interval)
    with _pool(_settings()) as pool, pool.connection() as conn:
        page = pages.find_page(conn, args.page)
        schedule.set_schedule(conn, page.id, seconds)
    print(f"{page.name}: " + (f"syncs every {schedule.format_interval(seconds)}" if seconds else "scheduled syncs off"))
    return 0


def cmd_pipelines_list(args: argparse.Namespace) -> int:
    with _pool(_settings()) as pool, pool.connection() as conn, conn.transaction():
        found = pipeline.list_pipelines(conn, pages.ensure_organization(conn, args.team))
    for p in found:
        print(f"{p.id}  {p.name}: {' -> '.join(p.stage_names)}")
    return 0


def cmd_pipelines_create(args: argparse.Namespace) -> int:
    with _pool(_settings()) as pool, pool.connection() as conn, conn.transaction():
        created = pipeline.create_pipeline(conn, pages.ensure_organization(conn, args.team), args.name, args.stages)
    print(f"created pipeline {created.name}: {' -> '.join(created.stage_names)}")
    return 0


def cmd_pipelines_define(args: argparse.Namespace) -> int:
    with _pool(_settings()) as pool, pool.connection() as conn, conn.transaction():
        found = pipeline.find_pipeline(conn, pages.ensure_organization(conn, args.team), args.pipeline)
        updated = pipeline.define_stage(conn, found, args.stage, args.definition)
    stage = next(s for s in updated.stages if s.name.casefold() == args.stage.strip().casefold())
    print(f"{updated.name} / {stage.name}: {stage.definition or '(no definition: judged by its name)'}")
    return 0


def cmd_pages_pipeline(args: argparse.Namespace) -> int:
    with _pool(_settings()) as pool, pool.connection() as conn, conn.transaction():
        page = pages.find_page(conn, args.page)
        mode = AutoMode.UPDATE_EXISTING if args.mode == "update" else AutoMode.SKIP_EXISTING
        chosen = (
            None
            if args.pipeline.lower() == "off"
            else pipeline.find_pipeline(conn, page.organization_id, args.pipeline)
        )
        pipeline.set_auto_pipeline(conn, page.id, chosen, mode)
    if chosen is None:
        print(f"{page.name}: automatic pipeline assignment is off (contacts still get AI summaries)")
    else:
        print(f"{page.name}: contacts go to {chosen.name} ({mode.value})")
    return 0


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fbsync", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    pages_parser = commands.add_parser("pages", help="connected Facebook pages")
    pages_commands = pages_parser.add_subparsers(dest="pages_command", required=True)
    add = pages_commands.add_parser("add", help="connect a page; the page token is read from standard input")
    add.add_argument("page_id")
    add.add_argument("name")
    add.add_argument("--instagram-account-id")
    add.add_argument("--instagram-username")
    add.add_argument("--team", default=pages.LOCAL_TEAM_ID, help="Slack team id that owns the page")
    add.add_argument(
        "--move",
        action="store_true",
        help="move the page here from the workspace that has it (its contacts lose their stages there)",
    )
    add.set_defaults(func=cmd_pages_add)
    pages_commands.add_parser("list", help="list connected pages").set_defaults(func=cmd_pages_list)
    assign = pages_commands.add_parser("pipeline", help="set or turn off a page's automatic pipeline")
    assign.add_argument("page", help="page id, name or unique name prefix")
    assign.add_argument("pipeline", help="pipeline name or id, or 'off'")
    assign.add_argument(
        "--mode",
        choices=("skip", "update"),
        default="skip",
        help="skip: only place contacts without a stage; update: re-evaluate and move everyone",
    )
    assign.set_defaults(func=cmd_pages_pipeline)

    notify = pages_commands.add_parser("notify", help="Slack channel for a page's stage-change notices")
    notify.add_argument("page", help="page id, name or unique name prefix")
    notify.add_argument("channel", help="Slack channel id, or 'off'")
    notify.set_defaults(func=cmd_pages_notify)

    alerting = pages_commands.add_parser("alerts", help="stages whose new entrants are announced with a lead card")
    alerting.add_argument("page", help="page id, name or unique name prefix")
    alerting.add_argument("stages", nargs="*", help="stage names as people type them, or 'off'; none: show them")
    alerting.set_defaults(func=cmd_pages_alerts)

    scheduled = pages_commands.add_parser("schedule", help="sync a page by itself every INTERVAL (e.g. 6h, 1d)")
    scheduled.add_argument("page", help="page id, name or unique name prefix")
    scheduled.add_argument("interval", help="90m, 6h, 1d ..., or 'off'")
    scheduled.set_defaults(func=cmd_pages_schedule)

    tokens_parser = commands.add_parser("tokens", help="page tokens at rest")
    tokens_commands = tokens_parser.add_subparsers(dest="tokens_command", required=True)
    tokens_commands.add_parser("new-key", help="print a new encryption key for FBSYNC_ENCRYPTION_KEY").set_defaults(
        func=cmd_tokens_new_key
    )
    tokens_commands.add_parser(
        "rotate", help="re-encrypt all tokens under the first key of FBSYNC_ENCRYPTION_KEY"
    ).set_defaults(func=cmd_tokens_rotate)

    pipelines_parser = commands.add_parser("pipelines", help="sales pipelines and their stages")
    pipelines_commands = pipelines_parser.add_subparsers(dest="pipelines_command", required=True)
    listing = pipelines_commands.add_parser("list", help="list pipelines")
    listing.add_argument("--team", default=pages.LOCAL_TEAM_ID)
    listing.set_defaults(func=cmd_pipelines_list)
    create = pipelines_commands.add_parser("create", help="create a pipeline with ordered stages")
    create.add_argument("name")
    create.add_argument("stages", nargs="+", help="stage names, first to last")
    create.add_argument("--team", default=pages.LOCAL_TEAM_ID)
    create.set_defaults(func=cmd_pipelines_create)
    define = pipelines_commands.add_parser("define", help="set what a stage requires (the analyzer is told)")
    define.add_argument("pipeline", help="pipeline name or id")
    define.add_argument("stage")
    define.add_argument("definition", help="the stage's entry criteria; '' clears it")
    define.add_argument("--team", default=pages.LOCAL_TEAM_ID)
    define.set_defaults(func=cmd_pipelines_define)

    sync = commands.add_parser("sync", help="sync a page now and print the result")
    sync.add_argument("page", help="page id, name or unique name prefix")
    sync.add_argument("--full", action="store_true", help="re-read every conversation, not only new activity")
    sync.set_defaults(func=cmd_sync)

    contacts_commands = cli_contacts.add_parser(commands, _open_pool)
    add_export_command(contacts_commands, _open_pool)
    add_merge_commands(contacts_commands, pages_commands, _open_pool)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logfmt.configure(os.environ.get("FBSYNC_LOG_LEVEL", "WARNING"))
    try:
        return args.func(args)
    except (
        CliError,
        ConfigError,
        InvalidGraphId,
        db.DatabaseUnavailable,
        db.MigrationRefused,
        pages.PageNotFound,
        pages.AmbiguousPage,
        jobs.SyncAlreadyRunning,
        pipeline.PipelineError,
        TokenUnreadable,
        schedule.IntervalError,
        StageNotFound,
        MergeRefused,
    ) as exc:
        print(f"fbsync: error: {exc}", file=sys.stderr)
        return 2
    except psycopg.Error as exc:
        print(f"fbsync: error: database error: {exc.diag.message_primary or type(exc).__name__}", file=sys.stderr)
        return 2
    except redis.RedisError as exc:  # Redis went away after the start-up check
        print(f"fbsync: error: lost the connection to Redis (check REDIS_URL): {type(exc).__name__}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
