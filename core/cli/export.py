"""`fbsync contacts export PAGE [--stage S] [--output FILE]`: a page's contacts as CSV (core/leads/export.py),
on standard output unless a file is named; what was written is said on standard error."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import AbstractContextManager, nullcontext
from typing import IO

from core import pages
from core.cli.common import OpenPool
from core.leads import export_contacts, resolve_stage


def add_export_command(
    contacts_commands: argparse._SubParsersAction[argparse.ArgumentParser], open_pool: OpenPool
) -> None:
    """Register `export` under `fbsync contacts` (`contacts_commands`: its subparsers)."""
    export = contacts_commands.add_parser("export", help="a page's contacts as CSV (UTF-8, BOM: for spreadsheets)")
    export.add_argument("page", help="page id, name or unique name prefix")
    export.add_argument("--stage", help="only the contacts of this stage of the page's pipeline (name or its start)")
    export.add_argument("--output", "-o", help="file to write (default: standard output)")
    export.set_defaults(func=lambda args: cmd_contacts_export(args, open_pool))


def cmd_contacts_export(args: argparse.Namespace, open_pool: OpenPool) -> int:
    try:
        with open_pool() as pool, pool.connection() as conn:
            page = pages.find_page(conn, args.page)
            stage = resolve_stage(conn, page.id, args.stage) if args.stage else None
            # Opened only once the page and stage are known: a typo leaves no empty file behind.
            with _output(args.output) as out:
                rows = export_contacts(conn, page.id, out, stage_id=stage.id if stage else None)
    except BrokenPipeError:
        # The reader stopped early (`| head`): no traceback, nor a second one as Python flushes stdout.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    where = args.output or "standard output"
    print(f"exported {rows:,} contacts of {page.name}{f' ({stage.name})' if stage else ''} to {where}", file=sys.stderr)
    return 0


def _output(path: str | None) -> AbstractContextManager[IO[bytes]]:
    # Standard output is not closed with the block: it outlives the command.
    return open(path, "wb") if path else nullcontext(sys.stdout.buffer)
