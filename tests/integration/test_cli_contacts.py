"""`fbsync contacts list|find` as a user runs it: a subprocess against the real database."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lead_people import Person, add_people

from conftest import ENCRYPTION_KEY
from sandbox.graph_sim import SimPage

FBSYNC = str(Path(sys.executable).with_name("fbsync"))
SHOP = SimPage(page_id="310000000000001", name="Tulip Florist", token="tulip-token-5e6f7a8b", messenger_count=0)
ELSEWHERE = SimPage(page_id="310000000000002", name="Rose Florist", token="rose-token-1a2b3c4d", messenger_count=0)


@pytest.fixture
def run(pool, database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "FBSYNC_ENCRYPTION_KEY": ENCRYPTION_KEY}

    def fbsync(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([FBSYNC, *args], env=env, text=True, capture_output=True, timeout=60)

    return fbsync


@pytest.fixture
def shop(pool, connect_page):
    page = connect_page(SHOP)
    add_people(
        pool,
        page,
        [
            Person("Ana", 40, "qualified"),
            Person("José", 90, "new", last_name="Núñez"),
            Person("Ben", 70, "qualified"),
            Person("Wendy", 99, "won"),
        ],
    )
    return page


def names(out: str) -> list[str]:
    return [line.split("\t")[1] for line in out.splitlines()]


def test_list_shows_open_leads_hottest_first_one_line_each(run, shop):
    result = run("contacts", "list", "tulip")

    assert result.returncode == 0, result.stderr
    assert names(result.stdout) == ["José Núñez", "Ben", "Ana"]
    first = result.stdout.splitlines()[0].split("\t")
    assert first[2:7] == ["Tulip Florist", "New Lead", "90", "NEW", "Messenger"]


def test_list_of_a_stage_as_csv(run, shop):
    result = run("contacts", "list", "tulip", "--stage", "qualified", "--csv")

    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(row["name"], row["stage"], row["score"]) for row in rows] == [
        ("Ben", "Qualified Lead", "70"),
        ("Ana", "Qualified Lead", "40"),
    ]


def test_unknown_page_or_stage_is_bad_input(run, shop):
    page = run("contacts", "list", "nowhere")
    stage = run("contacts", "list", "tulip", "--stage", "hot")

    assert page.returncode == 2 and page.stderr.strip() == "fbsync: error: no connected page matches 'nowhere'"
    assert stage.returncode == 2 and "fbsync: error: No stage called “hot” in Sales" in stage.stderr
    assert page.stdout == stage.stdout == ""


def test_find_folds_accents_and_stays_in_its_workspace(run, shop, pool, connect_page):
    add_people(pool, connect_page(ELSEWHERE, team="T0ELSEWHERE"), [Person("Jose", 95)])

    found = run("contacts", "find", "JOSE")
    elsewhere = run("contacts", "find", "jose", "--team", "T0ELSEWHERE")
    nobody = run("contacts", "find", "zed")

    assert found.returncode == 0 and names(found.stdout) == ["José Núñez"]
    assert names(elsewhere.stdout) == ["Jose"]
    assert nobody.returncode == 0 and nobody.stdout == "" and "no one called “zed”" in nobody.stderr
    assert run("contacts", "find", "jose", "--limit", "0").returncode == 2
