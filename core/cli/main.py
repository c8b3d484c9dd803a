"""The `fbsync` parser and entry point: each family of commands registers itself."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import psycopg
import redis

from core import db, jobs, logfmt, pages, pipeline, schedule
from core.cli.common import CliError, open_database, open_pool, settings_from_env
from core.cli.contacts import add_contacts_commands
from core.cli.export import add_export_command
from core.cli.merges import add_merge_commands
from core.cli.pages import add_pages_commands
from core.cli.pipelines import add_pipelines_commands
from core.cli.sync import add_sync_command
from core.cli.tokens import add_tokens_commands
from core.config import ConfigError
from core.graph import InvalidGraphId
from core.leads.queries import StageNotFound
from core.merge import MergeRefused
from core.tokens import TokenUnreadable

DESCRIPTION = "`fbsync` command line: migrate, connect and list pages, run a sync inline, work contacts."


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fbsync", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    pages_commands = add_pages_commands(commands)
    add_tokens_commands(commands)
    add_pipelines_commands(commands)
    add_sync_command(commands)
    contacts_commands = add_contacts_commands(commands, open_pool)
    add_export_command(contacts_commands, open_pool)
    add_merge_commands(contacts_commands, pages_commands, open_pool)
    return parser


def cmd_migrate(args: argparse.Namespace) -> int:
    with open_database(settings_from_env()) as pool:
        applied = db.migrate(pool)
    print(f"applied {len(applied)} migration(s): {', '.join(applied)}" if applied else "database is up to date")
    return 0


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
