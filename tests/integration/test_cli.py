"""The `fbsync` command as a user runs it: a subprocess, a real database, the simulator over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ENCRYPTION_KEY
from sandbox.graph_sim import SimPage

FBSYNC = str(Path(sys.executable).with_name("fbsync"))
SHOP = SimPage(
    page_id="300000000000001",
    name="Corner Florist",
    token="florist-token-9f8e7d6c5b4a",
    messenger_count=42,
    instagram_count=8,
    instagram_account_id="17841400000000777",
    instagram_username="cornerflorist",
    seed=11,
)


@pytest.fixture
def run(pool, sim, database_url):
    sim.add_page(SHOP)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FB_GRAPH_URL": sim.base_url,
        "FBSYNC_GRAPH_CALLS_PER_SECOND": "200",
        "FBSYNC_LOG_LEVEL": "INFO",
        "FBSYNC_ENCRYPTION_KEY": ENCRYPTION_KEY,
    }

    def fbsync(*args: str, stdin: str = "", **overrides: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [FBSYNC, *args], env={**env, **overrides}, input=stdin, text=True, capture_output=True, timeout=60
        )

    return fbsync


def add_shop(run, token: str = SHOP.token) -> subprocess.CompletedProcess[str]:
    return run(
        "pages",
        "add",
        SHOP.page_id,
        SHOP.name,
        "--instagram-account-id",
        SHOP.instagram_account_id,
        "--instagram-username",
        SHOP.instagram_username,
        stdin=token + "\n",
    )


def test_connect_list_and_sync_a_page(run):
    assert run("migrate").stdout.strip() == "database is up to date"  # the test session migrated already
    added = add_shop(run)
    assert added.returncode == 0 and "connected Corner Florist" in added.stdout

    synced = run("sync", "corner", "--full")

    assert synced.returncode == 0, synced.stderr
    assert "messenger done: 42 contacts" in synced.stdout
    assert "instagram done: 8 contacts" in synced.stdout
    assert "COMPLETED - 50 contacts synced, 0 failed, 50 conversations" in synced.stdout
    listed = run("pages", "list")
    assert "Corner Florist  messenger=42 instagram=8" in listed.stdout
    for out in (added, synced, listed):
        assert SHOP.token not in out.stdout + out.stderr
    assert "job_id=" in synced.stderr and "page_id=300000000000001" in synced.stderr  # structured logs


def test_unknown_page_is_a_clear_error(run):
    add_shop(run)
    result = run("sync", "Nonexistent Bakery")
    assert result.returncode == 2
    assert result.stderr.strip() == "fbsync: error: no connected page matches 'Nonexistent Bakery'"


def test_bad_token_fails_the_sync_and_asks_for_a_reconnect(run):
    add_shop(run, token="EAAB-wrong-token-1234567890")
    result = run("sync", SHOP.page_id)
    assert result.returncode == 1
    assert "FAILED" in result.stdout and "reconnect the page" in result.stdout
    assert "EAAB-wrong-token-1234567890" not in result.stdout + result.stderr
    assert "[needs reconnect]" in run("pages", "list").stdout


def test_unreachable_graph_url_is_a_clear_error(run):
    add_shop(run)
    result = run("sync", SHOP.page_id, FB_GRAPH_URL="http://127.0.0.1:9/v25.0", FBSYNC_GRAPH_MAX_RETRIES="1")
    assert result.returncode == 1
    assert "reason: Graph API unreachable at http://127.0.0.1:9" in result.stdout


def test_missing_token_on_stdin_is_refused(run):
    result = run("pages", "add", SHOP.page_id, SHOP.name, stdin="")
    assert result.returncode == 2
    assert "no page access token" in result.stderr
    assert "no pages connected" in run("pages", "list").stdout


def test_no_database_configured(run):
    result = run("pages", "list", DATABASE_URL="")
    assert result.returncode == 2 and "DATABASE_URL is not set" in result.stderr


def test_unreachable_database(run):
    result = run("pages", "list", DATABASE_URL="postgresql://nobody:secret-pw@127.0.0.1:9/nothing?connect_timeout=1")
    assert result.returncode == 2 and "cannot connect to PostgreSQL" in result.stderr
    assert "secret-pw" not in result.stderr


def test_pipelines_and_auto_assignment_from_the_command_line(run):
    add_shop(run)
    assert (
        "Sales: New Lead -> Contacted -> Qualified Lead -> Proposal Sent -> Won -> Lost"
        in run("pipelines", "list").stdout
    )

    created = run("pipelines", "create", "Weddings", "Inquiry", "Consultation Booked", "Deposit Paid", "Lost")
    assert created.returncode == 0, created.stderr
    assigned = run("pages", "pipeline", "corner", "weddings", "--mode", "update")
    assert assigned.stdout.strip() == "Corner Florist: contacts go to Weddings (UPDATE_EXISTING)"

    synced = run("sync", "corner")
    assert "analysis: 50 analysed, 50 stage changes" in synced.stdout
    stages_line = next(line for line in synced.stdout.splitlines() if line.strip().startswith("stages:"))
    assert sum(int(part.rsplit(" ", 1)[1]) for part in stages_line.split(":", 1)[1].split(",")) == 50
    assert all(
        name in "Inquiry Consultation Booked Deposit Paid Lost"
        for name in (part.strip().rsplit(" ", 1)[0] for part in stages_line.split(":", 1)[1].split(","))
    )

    duplicate = run("pipelines", "create", "Weddings", "A")
    assert duplicate.returncode == 2 and "already exists" in duplicate.stderr
    off = run("pages", "pipeline", "corner", "off")
    assert "automatic pipeline assignment is off" in off.stdout


def test_a_custom_pipelines_stages_are_defined_from_the_command_line(run, pool):
    assert run("pipelines", "create", "Weddings", "Inquiry", "Deposit Paid", "Lost").returncode == 0

    defined = run("pipelines", "define", "weddings", "deposit paid", "The couple paid the 30% deposit.")
    assert defined.stdout.strip() == "Weddings / Deposit Paid: The couple paid the 30% deposit."
    cleared = run("pipelines", "define", "Weddings", "Inquiry", "")
    assert cleared.stdout.strip() == "Weddings / Inquiry: (no definition: judged by its name)"
    unknown = run("pipelines", "define", "Weddings", "Booked", "x")
    assert unknown.returncode == 2 and "has no stage 'Booked'" in unknown.stderr

    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT s.name, s.definition FROM pipeline_stages s JOIN pipelines p"
            " ON p.id = s.pipeline_id WHERE p.name = 'Weddings' ORDER BY s.position"
        ).fetchall()
    assert [(r["name"], r["definition"]) for r in rows] == [
        ("Inquiry", None),
        ("Deposit Paid", "The couple paid the 30% deposit."),
        ("Lost", None),
    ]


def test_gemini_keys_without_redis_is_a_clear_configuration_error(run):
    add_shop(run)
    result = run("sync", "corner", GEMINI_API_KEYS="AIzaSy-secret-key", REDIS_URL="")
    assert result.returncode == 2
    assert "GEMINI_API_KEYS needs REDIS_URL" in result.stderr and "AIzaSy-secret-key" not in result.stderr
    assert "running" not in run("pages", "list").stdout  # no job left behind


@pytest.mark.parametrize("page_id", ["../../me", "", "9" * 3000, "me", "300000000000001/../../me", " 300000000000001"])
def test_a_page_id_that_is_not_a_meta_id_is_refused(run, page_id):
    result = run("pages", "add", page_id, SHOP.name, stdin=SHOP.token + "\n")

    assert result.returncode == 2
    assert result.stderr == "fbsync: error: PAGE_ID must be a Meta id: 1 to 32 digits\n"
    assert "no pages connected" in run("pages", "list").stdout


def test_an_instagram_id_that_is_not_a_meta_id_or_an_empty_name_is_refused(run):
    junk_instagram = run(
        "pages", "add", SHOP.page_id, SHOP.name, "--instagram-account-id", "../me", stdin=SHOP.token + "\n"
    )
    nameless = run("pages", "add", SHOP.page_id, "  ", stdin=SHOP.token + "\n")

    assert junk_instagram.returncode == 2
    assert junk_instagram.stderr == "fbsync: error: --instagram-account-id must be a Meta id: 1 to 32 digits\n"
    assert (nameless.returncode, nameless.stderr) == (2, "fbsync: error: the page name must not be empty\n")
    assert "no pages connected" in run("pages", "list").stdout


def test_adding_a_page_another_workspace_has_is_refused_unless_moved(run, pool):
    assert run("pages", "add", SHOP.page_id, SHOP.name, "--team", "T0FIRST", stdin=SHOP.token + "\n").returncode == 0
    synced = run("sync", "corner")
    assert synced.returncode == 0, synced.stderr

    refused = run("pages", "add", SHOP.page_id, SHOP.name, "--team", "T0SECOND", stdin="EAAB-other-token-123\n")

    assert refused.returncode == 2
    assert refused.stderr.startswith(
        "fbsync: error: Corner Florist is connected to another Slack workspace. Disconnect it there first"
    )
    assert "--move" in refused.stderr and "EAAB-other-token-123" not in refused.stderr

    def owner() -> dict:
        with pool.connection() as conn:
            return conn.execute(
                "SELECT o.slack_team_id, (SELECT count(*) FROM contacts c WHERE c.facebook_page_id = p.id"
                " AND c.stage_id IS NOT NULL) AS staged FROM facebook_pages p"
                " JOIN organizations o ON o.id = p.organization_id"
            ).fetchone()

    assert owner() == {"slack_team_id": "T0FIRST", "staged": 42}

    moved = run("pages", "add", SHOP.page_id, SHOP.name, "--team", "T0SECOND", "--move", stdin=SHOP.token + "\n")

    assert moved.returncode == 0 and "to workspace T0SECOND" in moved.stdout
    assert owner() == {"slack_team_id": "T0SECOND", "staged": 0}  # the first workspace's stages stay behind
    again = run("sync", "corner")
    assert "analysis: 42 analysed" in again.stdout and owner()["staged"] == 42


@pytest.mark.parametrize(
    "redis_url, error",
    [("redis://:s3cret-redis-pw@127.0.0.1:9/0", "ConnectionError"), ("rediss//s3cret-redis-pw@nowhere", "ValueError")],
)
def test_an_unreachable_or_malformed_redis_is_one_clear_line(run, pool, redis_url, error):
    add_shop(run)
    result = run("sync", "corner", REDIS_URL=redis_url)

    assert result.returncode == 2
    assert result.stderr == f"fbsync: error: cannot connect to Redis (check REDIS_URL): {error}\n"
    assert "s3cret-redis-pw" not in result.stdout + result.stderr
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM sync_jobs").fetchone()["n"] == 0  # no job left behind


@pytest.mark.parametrize(
    "malformed",
    [
        "postgresql://fbsync:hunter2-db-pw@[::1/fbsync",
        "host=localhost password=hunter2-db-pw port=not-a-port x",
        "postgresql://fbsync:hunter2-db-pw@localhost/db?no_such_option=1",
    ],
)
def test_a_malformed_database_url_is_named_without_its_password(run, malformed):
    result = run("pages", "list", DATABASE_URL=malformed)

    assert result.returncode == 2
    assert result.stderr.startswith("fbsync: error: DATABASE_URL is not a valid PostgreSQL URL")
    assert result.stderr.count("\n") == 1 and "hunter2-db-pw" not in result.stdout + result.stderr


def test_a_large_sync_analyses_every_contact_in_processes_of_its_own(run, pool, sim):
    """300 contacts: one batch large enough for the analysis processes, spawned from the `fbsync` script."""
    big = SimPage(
        page_id="300000000000003", name="Big Bakery", token="bakery-token-1a2b3c4d5e6f", messenger_count=300, seed=5
    )
    sim.add_page(big)
    assert run("pages", "add", big.page_id, big.name, stdin=big.token + "\n").returncode == 0

    synced = run("sync", big.page_id, "--full")

    assert synced.returncode == 0, synced.stderr
    assert "COMPLETED - 300 contacts synced, 0 failed" in synced.stdout
    assert "analysis: 300 analysed" in synced.stdout
    assert "analysis processes lost" not in synced.stderr
    with pool.connection() as conn:
        placed = conn.execute(
            "SELECT count(*) AS n FROM contacts c JOIN facebook_pages p ON p.id = c.facebook_page_id"
            " WHERE p.page_id = %s AND c.ai_context IS NOT NULL",
            (big.page_id,),
        ).fetchone()
    assert placed["n"] == 300
