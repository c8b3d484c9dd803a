"""`fbsync pages add|list|pipeline|notify|alerts|schedule`: connected pages and their settings."""

from __future__ import annotations

import argparse
import getpass
import sys

from core import alerts, pages, pipeline, schedule
from core.cli.common import CliError, open_database, settings_from_env
from core.graph import graph_id
from core.pipeline import AutoMode
from core.tokens import TokenCipher


def add_pages_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """`fbsync pages ...`; returns its subcommands, where `automerge` (core/cli/merges.py) joins them."""
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
    return pages_commands


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
    settings = settings_from_env()
    cipher = TokenCipher.from_settings(settings)
    token = _read_token()
    try:
        with open_database(settings) as pool, pool.connection() as conn, conn.transaction():
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
    with open_database(settings_from_env()) as pool, pool.connection() as conn:
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


def cmd_pages_notify(args: argparse.Namespace) -> int:
    channel = None if args.channel.lower() == "off" else args.channel
    with open_database(settings_from_env()) as pool, pool.connection() as conn:
        page = pages.find_page(conn, args.page)
        pages.set_notify_channel(conn, page.id, channel)
    print(f"{page.name}: stage-change notices " + (f"go to {channel}" if channel else "are off"))
    return 0


def cmd_pages_alerts(args: argparse.Namespace) -> int:
    off = [name.lower() for name in args.stages] == ["off"]
    with open_database(settings_from_env()) as pool, pool.connection() as conn, conn.transaction():
        page = pages.find_page(conn, args.page)
        if args.stages:
            alerts.set_alert_stages(conn, page.id, [] if off else args.stages)
        names = alerts.alert_stages(conn, page.id)
    where = f"in {page.notify_channel}" if page.notify_channel else "once the page has a notify channel"
    print(f"{page.name}: lead alerts " + (f"for {', '.join(names)}, {where}" if names else "are off"))
    return 0


def cmd_pages_schedule(args: argparse.Namespace) -> int:
    seconds = None if args.interval.lower() == "off" else schedule.parse_interval(args.interval)
    with open_database(settings_from_env()) as pool, pool.connection() as conn:
        page = pages.find_page(conn, args.page)
        schedule.set_schedule(conn, page.id, seconds)
    print(f"{page.name}: " + (f"syncs every {schedule.format_interval(seconds)}" if seconds else "scheduled syncs off"))
    return 0


def cmd_pages_pipeline(args: argparse.Namespace) -> int:
    with open_database(settings_from_env()) as pool, pool.connection() as conn, conn.transaction():
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
