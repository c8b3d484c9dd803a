"""Finding and reviewing merge candidates as in production: a real sync owes the page a review, the
dispatcher queues it, the job finds the pairs and posts them to the notify channel, and a person's
click on the Slack stand-in merges or rejects. Against PostgreSQL, Redis, the Graph simulator and the
Slack stand-in."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from merging import GRACE_IGSID, GRACE_PSID, SHOP, contact, fixture_shop, grace_writes_on_both, sync  # noqa: F401
from refreshing import fixture_refreshes, run_queued  # noqa: F401

from conftest import ADMIN, ENCRYPTION_KEY, SALES_CHANNEL, SIGNING_SECRET, TEAM_ID
from core import pages
from core.merge import SUGGEST_THRESHOLD, reject, set_automerge_score, suggestions
from core.merge.review import find
from sandbox.graph_sim import SimPage
from sandbox.slack_requests import click_button
from support import assert_slack_accepts, visible_text

FBSYNC = str(Path(sys.executable).with_name("fbsync"))


def run_review(pool, dispatch, refreshes) -> list[str]:
    """The page's owed merge review, dispatched and run as a worker does."""
    with pool.connection() as conn:
        conn.execute("UPDATE pending_work SET due_at = now() WHERE kind = 'merges'")
    dispatch()
    return [result for job_id, result in run_queued(refreshes).items() if job_id.startswith("merges-")]


@pytest.fixture(name="watched")
def fixture_watched(pool, shop):
    with pool.connection() as conn:
        pages.set_notify_channel(conn, shop.id, SALES_CHANNEL)
    return shop


def test_the_pair_is_found_with_its_reasons(pool, shop):
    with pool.connection() as conn:
        found = find(conn, shop.id)
    grace = [c for c in found if c.messenger.first_name == "Grace"]
    assert len(grace) == 1 and grace[0].score >= SUGGEST_THRESHOLD
    reasons = " ".join(grace[0].reasons).lower()
    assert "phone" in reasons and "name" in reasons


def test_a_sync_owes_a_review_that_posts_the_pair_and_a_click_merges_it(
    web, slack, pool, watched, dispatch, refreshes, worker_env
):
    [result] = run_review(pool, dispatch, refreshes)
    assert result.startswith("found") and "merged 0" in result
    posted = [m for m in slack.messages(SALES_CHANNEL) if "Same person" in visible_text(m)]
    assert posted, "no review card in the notify channel"
    card = posted[0]
    assert_slack_accepts(card)
    assert "Grace Hopper" in visible_text(card) and "grace.hopper" in visible_text(card)

    before = len(slack.responses)
    response = click_button(
        web,
        card,
        "fbsync_merge_same",
        SIGNING_SECRET,
        team_id=TEAM_ID,
        user_id=ADMIN,
        response_url=slack.response_url(),
    )
    assert response.status_code == 200
    _wait_for(lambda: len(slack.responses) >= before + 2)

    person = contact(pool, GRACE_IGSID)
    assert person["messenger_psid"] == GRACE_PSID
    replaced, answer = (r["body"] for r in slack.responses[before : before + 2])
    assert_slack_accepts(replaced)
    assert_slack_accepts(answer)
    assert f"Merged by <@{ADMIN}>" in visible_text(replaced)
    assert "is one contact now" in visible_text(answer) and "Unmerge" in visible_text(answer)
    # Posted once: a second review finds nothing new to post.
    with pool.connection() as conn:
        conn.execute(
            "INSERT INTO pending_work (kind, subject_id, facebook_page_id) VALUES ('merges', %s, %s)"
            " ON CONFLICT DO NOTHING",
            (watched.id, watched.id),
        )
    count = len(slack.messages(SALES_CHANNEL))
    run_review(pool, dispatch, refreshes)
    assert len(slack.messages(SALES_CHANNEL)) == count


def test_not_the_same_is_never_suggested_again(
    web, slack, pool, watched, dispatch, refreshes, worker_env, service_settings
):
    run_review(pool, dispatch, refreshes)
    [card] = [m for m in slack.messages(SALES_CHANNEL) if "Grace" in visible_text(m)]
    click_button(
        web,
        card,
        "fbsync_merge_not_same",
        SIGNING_SECRET,
        team_id=TEAM_ID,
        user_id=ADMIN,
        response_url=slack.response_url(),
    )
    _wait_for(lambda: _status(pool) == "rejected")

    sync(pool, service_settings, watched, full=True)
    with pool.connection() as conn:
        again = find(conn, watched.id)
        pending = suggestions(conn, watched.id)
    assert not any(c.messenger.first_name == "Grace" for c in again)
    assert not any(s.messenger_psid == GRACE_PSID for s in pending)
    assert contact(pool, GRACE_PSID)["instagram_sid"] is None


def test_merges_lists_the_pairs_awaiting_a_decision(slash, pool, shop):
    with pool.connection() as conn:
        find(conn, shop.id)
    _, reply = slash(f"merges {SHOP.page_id}")
    assert_slack_accepts(reply)
    assert "Grace Hopper" in visible_text(reply) and "awaiting review" in visible_text(reply)
    with pool.connection() as conn:
        reject(conn, shop.id, GRACE_PSID, GRACE_IGSID, by="U0ADA")
    _, reply = slash(f"merges {SHOP.page_id}")
    assert "Grace Hopper" not in visible_text(reply)


def test_automerge_merges_above_its_score_without_a_card(slack, pool, watched, dispatch, refreshes, worker_env):
    with pool.connection() as conn:
        set_automerge_score(conn, watched.id, SUGGEST_THRESHOLD)
    run_review(pool, dispatch, refreshes)
    person = contact(pool, GRACE_PSID)
    assert person["instagram_sid"] == GRACE_IGSID
    assert not any("Grace" in visible_text(m) for m in slack.messages(SALES_CHANNEL))
    with pool.connection() as conn:
        trail = conn.execute(
            "SELECT details FROM contact_activities WHERE contact_id = %s AND type = 'MERGED'", (person["id"],)
        ).fetchone()
    assert trail["details"]["by"] == "automerge"


def test_no_candidate_across_pages_or_workspaces(sim, pool, service_settings, connect_page):
    messenger_only = SimPage(
        page_id="930000000000011",
        name="Harbour Bikes North",
        token="north-token-1",
        messenger_count=2,
        instagram_count=0,
        seed=3,
    )
    same_team = SimPage(
        page_id="930000000000012",
        name="Harbour Bikes South",
        token="south-token-1",
        messenger_count=0,
        instagram_count=2,
        instagram_account_id="17841400000000931",
        instagram_username="harbourbikes.south",
        seed=4,
    )
    other_team = SimPage(
        page_id="930000000000013",
        name="Harbour Bikes West",
        token="west-token-1",
        messenger_count=0,
        instagram_count=2,
        instagram_account_id="17841400000000932",
        instagram_username="harbourbikes.west",
        seed=5,
    )
    connected = []
    for sim_page, team in ((messenger_only, TEAM_ID), (same_team, TEAM_ID), (other_team, "T0OTHER")):
        sim.add_page(sim_page)
        connected.append(connect_page(sim_page, team=team))
    text = "Hi, the Trek FX 3 in medium please, +44 7911 123456"
    sim.new_sender(messenger_only.page_id, "messenger", GRACE_PSID, text, name="Grace Hopper")
    for sim_page in (same_team, other_team):
        sim.new_sender(sim_page.page_id, "instagram", GRACE_IGSID, text, username="grace.hopper", name="Grace Hopper")
    for page in connected:
        sync(pool, service_settings, page)

    with pool.connection() as conn:
        assert [find(conn, page.id) for page in connected] == [[], [], []]


def test_the_cli_lists_merges_and_unmerges(pool, shop, database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "FBSYNC_ENCRYPTION_KEY": ENCRYPTION_KEY}

    def fbsync(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([FBSYNC, *args], env=env, text=True, capture_output=True, timeout=60)

    listed = fbsync("contacts", "candidates", SHOP.page_id)
    assert listed.returncode == 0, listed.stderr
    line = next(line for line in listed.stdout.splitlines() if line.startswith(GRACE_PSID))
    psid, igsid, score, reasons = line.split("\t")
    assert (psid, igsid) == (GRACE_PSID, GRACE_IGSID) and float(score) >= SUGGEST_THRESHOLD and "phone" in reasons

    merged = fbsync("contacts", "merge", SHOP.page_id, GRACE_PSID, GRACE_IGSID)
    assert merged.returncode == 0, merged.stderr
    person = contact(pool, GRACE_IGSID)
    assert person["messenger_psid"] == GRACE_PSID
    again = fbsync("contacts", "merge", SHOP.page_id, GRACE_PSID, GRACE_IGSID)
    assert again.returncode == 2 and "already one merged contact" in again.stderr

    unmerged = fbsync("contacts", "unmerge", SHOP.page_id, str(person["id"]))
    assert unmerged.returncode == 0, unmerged.stderr
    assert contact(pool, GRACE_IGSID)["messenger_psid"] is None
    assert GRACE_PSID not in fbsync("contacts", "candidates", SHOP.page_id).stdout

    assert fbsync("pages", "automerge", SHOP.page_id, "0.9").returncode == 0
    refused = fbsync("pages", "automerge", SHOP.page_id, "0.1")
    assert refused.returncode == 2 and "suggestion threshold" in refused.stderr
    assert fbsync("pages", "automerge", SHOP.page_id, "off").stdout.strip().endswith("automerge off")


def _status(pool) -> str | None:
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT status FROM merge_candidates WHERE messenger_psid = %s AND instagram_sid = %s",
            (GRACE_PSID, GRACE_IGSID),
        ).fetchone()
    return row["status"] if row else None


def _wait_for(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
