"""`fbsync contacts list|find`: a page's leads or people found by name, one line each, or as CSV."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterable, Iterator
from typing import TextIO

from core import leads, pages
from core.cli.common import OpenPool
from core.db import Conn
from core.leads import Lead

# What a line says of a contact, in order; a CSV's header row.
COLUMNS = ("contact_id", "name", "page", "stage", "score", "status", "platform", "last_message", "stage_set_by")
BATCH = 500  # contacts read at a time: a page's whole list is never held at once


def contact_row(lead: Lead) -> list[str]:
    last = lead.last_interaction.strftime("%Y-%m-%d %H:%M UTC") if lead.last_interaction else ""
    return [
        str(lead.contact_id),
        lead.name,
        lead.page_name,
        lead.stage or "",
        str(lead.lead_score),
        lead.lead_status,
        lead.platform,
        last,
        lead.stage_set_by or "",
    ]


def write_contacts(found: Iterable[Lead], as_csv: bool, out: TextIO = sys.stdout) -> int:
    """One line per contact, tab-separated (tabs and line breaks inside a name become spaces), or CSV
    with a header row; returns how many were written."""
    writer = csv.writer(out) if as_csv else None
    if writer is not None:
        writer.writerow(COLUMNS)
    count = 0
    for lead in found:
        row = contact_row(lead)
        if writer is not None:
            writer.writerow(row)
        else:
            print("\t".join(" ".join(value.split()) for value in row), file=out)
        count += 1
    return count


def add_contacts_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], open_pool: OpenPool
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """`fbsync contacts list|find`; returns its subcommands, where `export` (core/cli/export.py) joins them."""
    contacts = commands.add_parser("contacts", help="contacts as leads: a page's, or found by name")
    contacts_commands = contacts.add_subparsers(dest="contacts_command", required=True)

    listing = contacts_commands.add_parser("list", help="a page's open leads, hottest first, or those in a stage")
    listing.add_argument("page", help="page id, name or unique name prefix")
    listing.add_argument("--stage", help="a stage of the page's pipeline, or the start of its name")
    listing.add_argument("--csv", action="store_true", help="CSV with a header row instead of tab-separated lines")
    listing.set_defaults(func=lambda args: cmd_contacts_list(args, open_pool))

    find = contacts_commands.add_parser("find", help="people of a workspace's pages by name or Instagram username")
    find.add_argument("text", help="part of a name; case and accents do not matter")
    find.add_argument("--team", default=pages.LOCAL_TEAM_ID, help="Slack team id whose pages are searched")
    find.add_argument("--limit", type=_positive, default=50, help="at most this many (default 50)")
    find.add_argument("--csv", action="store_true", help="CSV with a header row instead of tab-separated lines")
    find.set_defaults(func=lambda args: cmd_contacts_find(args, open_pool))
    return contacts_commands


def cmd_contacts_list(args: argparse.Namespace, open_pool: OpenPool) -> int:
    with open_pool() as pool, pool.connection() as conn:
        page = pages.find_page(conn, args.page)
        stage = leads.resolve_stage(conn, page.id, args.stage) if args.stage else None
        written = write_contacts(_all(conn, page.id, stage.id if stage else None), args.csv)
    if not written:
        print(f"{page.name}: " + (f"no one is in {stage.name}" if stage else "no open leads"), file=sys.stderr)
    return 0


def cmd_contacts_find(args: argparse.Namespace, open_pool: OpenPool) -> int:
    with open_pool() as pool, pool.connection() as conn, conn.transaction():
        found = leads.find_leads(conn, pages.ensure_organization(conn, args.team), args.text, limit=args.limit)
    if not write_contacts(found, args.csv):
        print(f"no one called “{args.text}”", file=sys.stderr)
    return 0


def _all(conn: Conn, page_pk: int, stage_id: int | None) -> Iterator[Lead]:
    offset = 0
    while True:
        if stage_id is None:
            batch = leads.hottest_leads(conn, page_pk, limit=BATCH, offset=offset)
        else:
            batch = leads.leads_in_stage(conn, page_pk, stage_id, limit=BATCH, offset=offset)
        yield from batch
        if len(batch) < BATCH:
            return
        offset += BATCH


def _positive(text: str) -> int:
    # argparse turns this into its usage error, exit status 2.
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive number: {text!r}")
    return int(text)
