"""What the merge tests share: a shop where Grace Hopper writes on Messenger and on Instagram, synced
for real against the Graph simulator, and looks at her contacts."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import TEAM_ID
from core import jobs, pages
from core.analysis.rules import RulesAnalyzer
from core.config import Settings
from core.db import Pool
from core.pages import Page
from core.qualify import Qualifier
from core.sync import SyncEngine
from sandbox.graph_sim import GraphSimulator, SimPage

SHOP = SimPage(
    page_id="930000000000001",
    name="Harbour Bikes",
    token="harbour-merge-token-1",
    messenger_count=12,
    instagram_count=8,
    instagram_account_id="17841400000000930",
    instagram_username="harbourbikes",
    seed=29,
)
GRACE_PSID = "9300000000000777"
GRACE_IGSID = "9300000000000888"


def grace_writes_on_both(sim: GraphSimulator) -> None:
    sim.new_sender(
        SHOP.page_id,
        "messenger",
        GRACE_PSID,
        "Hi! Do you have the Trek FX 3 in a medium? My number is +44 7911 123456",
        name="Grace Hopper",
    )
    sim.new_sender(
        SHOP.page_id,
        "instagram",
        GRACE_IGSID,
        "Saw the Trek FX 3 on your feed, I messaged you on Facebook too, call me on 07911 123456",
        username="grace.hopper",
        name="Grace Hopper",
    )


def sync(pool: Pool, settings: Settings, page: Page, *, full: bool = False) -> None:
    with pool.connection() as conn, conn.transaction():
        job = jobs.create_job(conn, page.id, full=full, stale_after_seconds=600)
    SyncEngine(pool, settings, Qualifier(RulesAnalyzer())).run(job.id)


@pytest.fixture(name="shop")
def fixture_shop(sim, pool, service_settings, connect_page) -> Page:
    sim.add_page(SHOP)
    grace_writes_on_both(sim)
    page = connect_page(SHOP, team=TEAM_ID)
    sync(pool, service_settings, page)
    with pool.connection() as conn:
        return pages.get_page(conn, page.id)


def contact(pool: Pool, external_id: str) -> dict[str, Any] | None:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT c.*, s.name AS stage FROM contacts c LEFT JOIN pipeline_stages s ON s.id = c.stage_id"
            " WHERE c.messenger_psid = %s OR c.instagram_sid = %s",
            (external_id, external_id),
        ).fetchone()


def threads_of(pool: Pool, contact_id: int) -> dict[str, int]:
    """The contact's conversations per platform, and messages in them."""
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT v.platform, count(DISTINCT v.id) AS threads, count(m.id) AS messages FROM conversations v"
            " LEFT JOIN messages m ON m.conversation_id = v.id WHERE v.contact_id = %s GROUP BY v.platform",
            (contact_id,),
        ).fetchall()
    return {f"{row['platform']} {what}": row[what] for row in rows for what in ("threads", "messages")}


def page_contacts(pool: Pool, page: Page) -> int:
    with pool.connection() as conn:
        row = conn.execute("SELECT count(*) AS n FROM contacts WHERE facebook_page_id = %s", (page.id,)).fetchone()
    assert row is not None
    return int(row["n"])
