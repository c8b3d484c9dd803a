"""`/fbsync leads`, `/fbsync find` and the lead cards' controls over signed HTTP to the Flask app,
against the Slack stand-in (which checks every answer's Block Kit) and real PostgreSQL."""

from __future__ import annotations

import copy
import json
import time

import pytest
from lead_people import Person, add_people

from bot import views
from conftest import ADMIN, MEMBER, SALES_CHANNEL, TEAM_ID, signed_slack_post
from core import leads
from sandbox.graph_sim import SimPage
from support import assert_slack_accepts, buttons, visible_text

SHOP = SimPage(page_id="630000000000001", name="Lark Bakery", token="lark-bakery-token-8h9j0k", messenger_count=0)
OTHER = SimPage(page_id="630000000000002", name="Wren Bakery", token="wren-bakery-token-1l2m3n", messenger_count=0)
OTHER_TEAM = "T0OTHER"


@pytest.fixture
def page(connect_page):
    return connect_page(SHOP, team=TEAM_ID)


def click(web, slack, action_id, value, *, message=None, team=TEAM_ID, user=ADMIN, menu=False) -> dict:
    """A signed block_actions click as Slack sends it, a menu option's when `menu`; with `message`, the
    message it was on, as Slack includes it for a message in a channel. Returns the answer, checked
    as Slack would check it."""
    clicked = {"action_id": action_id, "block_id": "b", "type": "button", "action_ts": "1732530000.1", "value": value}
    if menu:
        clicked = {**clicked, "type": "static_select", "selected_option": {"value": value}}
        del clicked["value"]
    payload = {
        "type": "block_actions",
        "team": {"id": team, "domain": "ws"},
        "user": {"id": user, "team_id": team},
        "api_app_id": "A0FBSYNC",
        "token": "x",
        "trigger_id": "1.2.3",
        "channel": {"id": SALES_CHANNEL},
        "container": {"type": "message", "message_ts": "1.2", "channel_id": SALES_CHANNEL},
        "response_url": slack.response_url(),
        "actions": [clicked],
    }
    if message is not None:
        payload["message"] = {"type": "message", "ts": "1.2", "bot_id": "B0FBSYNC", **copy.deepcopy(message)}
    before = len(slack.responses)
    assert signed_slack_post(web, {"payload": json.dumps(payload)}).status_code == 200
    deadline = time.monotonic() + 10
    while len(slack.responses) == before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(slack.responses) > before, "no answer to the click"
    answer = slack.responses[-1]["body"]
    assert_slack_accepts(answer)
    return answer


def listing(slash, text, **who) -> dict:
    _, reply = slash(text, **who)
    assert reply is not None
    assert_slack_accepts(reply)
    return reply


def headlines(message) -> list[str]:
    return [
        block["text"]["text"].split(" · ")[0]
        for block in message["blocks"]
        if (block.get("accessory") or {}).get("action_id") == views.OPEN_INBOX_ACTION
    ]


def card_text(message, contact_id) -> str:
    blocks = message["blocks"]
    end = next(i for i, b in enumerate(blocks) if b.get("block_id") == f"lead:{contact_id}")
    start = max(i for i in range(end + 1) if blocks[i].get("accessory", {}).get("action_id") == views.OPEN_INBOX_ACTION)
    return visible_text({"blocks": blocks[start : end + 1]})


def stage_of(pool, contact_id):
    with pool.connection() as conn:
        lead = leads.get_lead(conn, contact_id)
    assert lead is not None
    return lead.stage, lead.stage_set_by


def stage_id(pool, page, name) -> int:
    with pool.connection() as conn:
        return leads.resolve_stage(conn, page.id, name).id


def test_leads_come_hottest_first_and_more_gives_the_next_ones(web, slash, slack, pool, page):
    # Equal scores: the most recent last message first (add_people makes later people more recent).
    people = [Person(f"P{n:02d}", 60 + n // 2, "contacted") for n in range(13)] + [Person("Won", 99, "won")]
    add_people(pool, page, people)
    expected = [f"*{p.first_name}*" for p in sorted(people[:13], key=lambda p: (-p.score, -int(p.first_name[1:])))]

    first = listing(slash, "leads lark", user=MEMBER)
    assert headlines(first) == expected[:10]
    [more] = [b for b in buttons(first) if b["action_id"] == views.MORE_LEADS_ACTION]

    second = click(web, slack, views.MORE_LEADS_ACTION, more["value"], user=MEMBER)
    assert headlines(second) == expected[10:]
    assert "*Lark Bakery*, hottest open leads: 11–13" in visible_text(second)

    refused = click(web, slack, views.MORE_LEADS_ACTION, more["value"], team=OTHER_TEAM)
    assert visible_text(refused) == ":no_entry: That page is not connected to this workspace."


def test_leads_of_a_stage_and_an_unknown_stage(slash, pool, page):
    add_people(pool, page, [Person("Ana", 40, "proposal"), Person("Ben", 80, "new"), Person("Cy", 50, "proposal")])

    assert headlines(listing(slash, 'leads lark "Proposal Sent"', user=MEMBER)) == ["*Cy*", "*Ana*"]
    unknown = listing(slash, "leads lark hot", user=MEMBER)
    assert ":warning: No stage called “hot” in Sales" in visible_text(unknown)


def test_find_is_accent_insensitive_and_stays_in_its_workspace(slash, pool, page, connect_page):
    add_people(pool, page, [Person("José", 50, "new", last_name="Núñez"), Person("Ana", 60)])
    add_people(pool, connect_page(OTHER, team=OTHER_TEAM), [Person("Jose", 90, last_name="Other")])

    assert headlines(listing(slash, "find JOSE", user=MEMBER)) == ["*José Núñez*"]
    assert headlines(listing(slash, 'find "jose nunez"', user=MEMBER)) == ["*José Núñez*"]
    assert headlines(listing(slash, "find jose", team=OTHER_TEAM)) == ["*Jose Other*"]
    assert visible_text(listing(slash, "find zed", user=MEMBER)) == "No one called “zed” on this workspace's pages."


def test_an_admins_move_changes_the_stage_and_the_card_in_place(web, slash, slack, pool, page):
    ana, ben = add_people(pool, page, [Person("Ana", 90, "new"), Person("Ben", 80, "new")])
    message = listing(slash, "leads lark", user=MEMBER)
    won = stage_id(pool, page, "won")

    answer = click(web, slack, views.MOVE_ACTION, f"{ben}:{won}", message=message, menu=True)

    assert answer["replace_original"] is True
    assert stage_of(pool, ben) == ("Won", ADMIN)
    assert f"*Won* (set by <@{ADMIN}>)" in card_text(answer, ben)
    assert card_text(answer, ana) == card_text(message, ana)
    with pool.connection() as conn:
        [trail] = conn.execute(
            "SELECT details FROM contact_activities WHERE contact_id = %s AND type = 'STAGE_SET'", (ben,)
        ).fetchall()
    assert (trail["details"]["set_by"], trail["details"]["team"]) == (ADMIN, TEAM_ID)


def test_a_member_and_another_workspace_are_refused_and_nothing_changes(web, slash, slack, pool, page):
    [ana] = add_people(pool, page, [Person("Ana", 90, "new")])
    message = listing(slash, "leads lark", user=MEMBER)
    won, lost = stage_id(pool, page, "won"), stage_id(pool, page, "lost")

    member = click(web, slack, views.MOVE_ACTION, f"{ana}:{won}", message=message, user=MEMBER, menu=True)
    other = click(web, slack, views.NOT_A_LEAD_ACTION, f"{ana}:{lost}", message=message, team=OTHER_TEAM)

    assert "Only workspace admins and owners" in visible_text(member)
    assert visible_text(other) == ":no_entry: That page is not connected to this workspace."
    assert stage_of(pool, ana) == ("New Lead", None)


def test_not_a_lead_moves_to_lost(web, slash, slack, pool, page):
    [ana] = add_people(pool, page, [Person("Ana", 90, "qualified")])
    message = listing(slash, "leads lark", user=MEMBER)
    [not_a_lead] = [b for b in buttons(message) if b["action_id"] == views.NOT_A_LEAD_ACTION]

    answer = click(web, slack, views.NOT_A_LEAD_ACTION, not_a_lead["value"], message=message)

    assert stage_of(pool, ana) == ("Lost", ADMIN)
    assert "*Lost* (set by" in card_text(answer, ana) and "Not a lead" not in card_text(answer, ana)


def test_accept_ai_takes_the_suggestion(web, slash, slack, pool, page):
    [ana] = add_people(pool, page, [Person("Ana", 90, "new", ai_stage="proposal")])
    with pool.connection() as conn:
        leads.set_stage(conn, ana, stage_id(pool, page, "contacted"), "U0SALES", TEAM_ID)
    message = listing(slash, "leads lark", user=MEMBER)
    assert "AI suggests *Proposal Sent*" in card_text(message, ana)
    [accept] = [b for b in buttons(message) if b["action_id"] == views.ACCEPT_AI_ACTION]

    answer = click(web, slack, views.ACCEPT_AI_ACTION, accept["value"], message=message)

    assert stage_of(pool, ana) == ("Proposal Sent", None)
    assert "AI suggests" not in card_text(answer, ana)
