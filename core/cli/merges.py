"""`fbsync contacts candidates|merge|unmerge` and `fbsync pages automerge`: the same person on
Messenger and Instagram, from the command line (core/merge/)."""

from __future__ import annotations

import argparse

from core import pages
from core.cli.common import OpenPool
from core.merge import MergeRefused, merge, set_automerge_score, suggestions, unmerge
from core.merge.review import find

CLI = "cli"  # who merged, on the audit trail


def add_merge_commands(
    contacts_commands: argparse._SubParsersAction[argparse.ArgumentParser],
    pages_commands: argparse._SubParsersAction[argparse.ArgumentParser],
    open_pool: OpenPool,
) -> None:
    candidates = contacts_commands.add_parser(
        "candidates", help="pairs that may be one person on Messenger and Instagram, best first"
    )
    candidates.add_argument("page", help="page id, name or unique name prefix")
    candidates.set_defaults(func=lambda args: cmd_candidates(args, open_pool))

    merging = contacts_commands.add_parser("merge", help="make a Messenger and an Instagram contact one person")
    merging.add_argument("page", help="page id, name or unique name prefix")
    merging.add_argument("messenger_id", help="the Messenger contact's PSID")
    merging.add_argument("instagram_id", help="the Instagram contact's IGSID")
    merging.set_defaults(func=lambda args: cmd_merge(args, open_pool))

    unmerging = contacts_commands.add_parser("unmerge", help="make a merged contact two people again")
    unmerging.add_argument("page", help="page id, name or unique name prefix")
    unmerging.add_argument("contact", type=int, help="the merged contact's id (`fbsync contacts list`)")
    unmerging.set_defaults(func=lambda args: cmd_unmerge(args, open_pool))

    auto = pages_commands.add_parser("automerge", help="merge pairs scoring at least SCORE without a person")
    auto.add_argument("page", help="page id, name or unique name prefix")
    auto.add_argument("score", help="a score between the suggestion threshold and 1, or 'off' (the default)")
    auto.set_defaults(func=lambda args: cmd_automerge(args, open_pool))


def cmd_candidates(args: argparse.Namespace, open_pool: OpenPool) -> int:
    """The page's pairs found now, and those still awaiting a decision: one line each."""
    with open_pool() as pool, pool.connection() as conn, conn.transaction():
        page = pages.find_page(conn, args.page)
        find(conn, page.id)
        pending = suggestions(conn, page.id)
    for s in pending:
        print(f"{s.messenger_psid}\t{s.instagram_sid}\t{s.score:.2f}\t{'; '.join(s.reasons)}")
    if not pending:
        print(f"{page.name}: no pairs await a decision")
    return 0


def cmd_merge(args: argparse.Namespace, open_pool: OpenPool) -> int:
    with open_pool() as pool, pool.connection() as conn:
        page = pages.find_page(conn, args.page)
        merged = merge(conn, page.id, args.messenger_id, args.instagram_id, by=CLI)
    print(f"{page.name}: merged into contact {merged.contact_id}; its analysis over both platforms is owed")
    return 0


def cmd_unmerge(args: argparse.Namespace, open_pool: OpenPool) -> int:
    with open_pool() as pool, pool.connection() as conn:
        page = pages.find_page(conn, args.page)
        both = unmerge(conn, page.id, args.contact, by=CLI)
    print(
        f"{page.name}: contact {both.messenger_contact_id} (Messenger) and {both.instagram_contact_id} (Instagram)"
        " are two people again; each is analysed again"
    )
    return 0


def cmd_automerge(args: argparse.Namespace, open_pool: OpenPool) -> int:
    score = None if args.score.lower() == "off" else _score(args.score)
    with open_pool() as pool, pool.connection() as conn:
        page = pages.find_page(conn, args.page)
        set_automerge_score(conn, page.id, score)
    print(f"{page.name}: " + (f"pairs scoring {score:.2f} or more are merged as found" if score else "automerge off"))
    return 0


def _score(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise MergeRefused(f"not a score: {text!r} (a number such as 0.9, or 'off')") from None
