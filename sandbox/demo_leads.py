"""`make demo`, second half: the sales team works its leads in Slack. A hot-lead alert card in the
channel, a person moving a lead from it, `find`, `leads`, an export by DM, and the App Home."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row

from bot.views import MOVE_ACTION
from sandbox import processes
from sandbox.slack_requests import choose_option, post_signed_event, render
from sandbox.slack_stub import SlackStub


@dataclass(frozen=True)
class Workspace:
    """Where the demo's person works: the web app, the Slack stand-in, and who they are there."""

    web: str
    slack: SlackStub
    secret: str
    team: str
    user: str
    channel: str


def indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def alert_cards(slack: SlackStub, channel: str) -> list[dict[str, Any]]:
    """The channel's messages that carry a lead card (its "Move to…" menu)."""
    return [
        m
        for m in slack.messages(channel)
        if any(e.get("action_id") == MOVE_ACTION for b in m.get("blocks") or [] for e in b.get("elements") or [])
    ]


def show_alert(ws: Workspace) -> dict[str, Any]:
    card = processes.wait_for(lambda: alert_cards(ws.slack, ws.channel)[-1:] or None, 60, "the hot-lead alert")[0]
    print("fbsync in #sales (a hot-lead alert):\n" + indent(render(card)), flush=True)
    return card


def move_from_card(ws: Workspace, card: dict[str, Any], stage: str, database_url: str) -> None:
    """The person picks `stage` in the card's "Move to…" menu; prints what it did."""
    menu = next(e for b in card["blocks"] for e in b.get("elements") or [] if e.get("action_id") == MOVE_ACTION)
    value = next(o["value"] for o in menu["options"] if o["text"]["text"] == stage)
    contact_id = int(value.split(":")[0])
    print(f"\n@ada picks “{stage}” in the card's Move to… menu", flush=True)
    answer = choose_option(
        ws.web,
        card,
        MOVE_ACTION,
        value,
        ws.secret,
        team_id=ws.team,
        user_id=ws.user,
        response_url=ws.slack.response_url(),
    )

    def moved() -> dict[str, Any] | None:
        with psycopg.connect(database_url, row_factory=dict_row) as conn:
            return conn.execute(
                "SELECT s.name AS stage, c.stage_set_by, (SELECT count(*) FROM contact_activities a"
                "  WHERE a.contact_id = c.id AND a.type = 'STAGE_SET') AS set_by_people"
                " FROM contacts c JOIN pipeline_stages s ON s.id = c.stage_id WHERE c.id = %s AND s.name = %s",
                (contact_id, stage),
            ).fetchone()

    row = processes.wait_for(moved, 30, "the move")
    print(f"Slack -> POST /slack/events (block_actions): {answer.status_code}")
    print(f"stored: {row['stage']}, set by {row['stage_set_by']} (audit trail: {row['set_by_people']} STAGE_SET)")
    redrawn = processes.wait_for(lambda: ws.slack.responses[-1:] or None, 30, "the redrawn card")[0]["body"]
    print("fbsync redraws the card:\n" + indent(render(redrawn)), flush=True)


def show_export(slack: SlackStub) -> None:
    """After `/fbsync export`: the DM with the file, and the file's first rows."""
    upload = processes.wait_for(lambda: slack.uploaded_files()[-1:] or None, 120, "the export's file")[0]
    processes.wait_for(lambda: upload_done(slack), 60, "the export to be shared")
    upload = slack.uploaded_files()[-1]
    rows = list(csv.reader(io.StringIO(upload["content"].decode("utf-8-sig"))))
    print(f"fbsync (DM to @ada): {upload['initial_comment'] or ''} [{upload['name']}, {len(rows) - 1} contacts]")
    for row in rows[:3]:
        print("    " + ",".join(row[:9]) + ",…")


def upload_done(slack: SlackStub) -> bool:
    files = slack.uploaded_files()
    return bool(files) and files[-1]["completed"] and files[-1]["channel"] is not None


def show_home(ws: Workspace) -> None:
    """Ada opens the app's Home tab."""
    print("\n@ada opens fbsync's Home tab", flush=True)
    opened = {"type": "app_home_opened", "user": ws.user, "channel": "D0ADA", "tab": "home"}
    post_signed_event(ws.web, ws.team, opened, ws.secret)
    view = processes.wait_for(lambda: ws.slack.home_view(ws.user, ws.team), 60, "the home tab")
    print(indent(render(view)), flush=True)
