"""An old database upgrades: the schema at 012_webhook_inbox with rows in every table, then every later
migration through the normal runner, then today's code on it (pages, the webhook drain, a real sync
against the Graph simulator). Later migrations are picked up by themselves; nothing here names them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conftest import ENCRYPTION_KEY, FIXTURES, expand_webhooks
from core import db, jobs, pages
from core.analysis.rules import RulesAnalyzer
from core.config import Settings
from core.db import Pool
from core.jobs import JobStatus
from core.qualify import Qualifier
from core.sync import SyncEngine
from core.tokens import TokenCipher
from sandbox.graph_sim import GraphSimulator, SimPage
from sandbox.services import scratch_database

OLD_SCHEMA = "012_webhook_inbox"
ROWS = FIXTURES / "migrations" / "rows_at_012.sql"

# The page of rows_at_012.sql, as Meta serves it today: the same ids and token, a few conversations.
OLD_MILL = SimPage(
    page_id="400000000000001",
    name="Old Mill Bakery",
    token="old-mill-token-5e4d3c2b1a09",
    messenger_count=6,
    instagram_count=3,
    instagram_account_id="17841400000000444",
    instagram_username="oldmillbakery",
    seed=5,
)
# Contacts of the fixture rows: (messenger psid, instagram sid, stage id).
MIA, NOOR, SAM = 1, 2, 3
OLD_CONTACTS = {
    MIA: ("7100000000000001", None, 3),
    NOOR: (None, "7200000000000002", 1),
    SAM: ("7100000000000003", "7200000000000003", 4),
}
OLD_MIDS = {
    "m_old_mia_1",
    "m_old_mia_2",
    "aWdfaXRlbTpvbGRfbm9vcl8x",
    "aWdfaXRlbTpvbGRfbm9vcl8y",
    "m_old_sam_1",
    "m_old_sam_2",
    "m_old_sam_webhook",
}


@pytest.fixture
def old_database(postgres_server: str) -> Iterator[Pool]:
    """A database at 012 holding the fixture rows; every table of that schema has some."""
    with scratch_database(postgres_server, prefix="fbsync_upgrade") as url:
        pool = db.open_pool(url, max_size=4)
        try:
            assert db.migrate(pool, up_to=OLD_SCHEMA)[-1] == OLD_SCHEMA
            with pool.connection() as conn, conn.transaction():
                conn.execute(ROWS.read_text(encoding="utf-8"))
            yield pool
        finally:
            pool.close()


def row_counts(pool: Pool) -> dict[str, int]:
    """Rows per table of the schema (the runner's own bookkeeping aside)."""
    with pool.connection() as conn:
        tables = [
            row["table_name"]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                " AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name"
            )
        ]
        return {table: _count(conn, f'SELECT count(*) AS n FROM "{table}"') for table in tables}


def _count(conn: db.Conn, sql: str, params: tuple[Any, ...] = ()) -> int:
    row = conn.execute(sql, params).fetchone()
    assert row is not None
    return int(row["n"])


def contacts(pool: Pool) -> dict[int, tuple[str | None, str | None, int | None]]:
    with pool.connection() as conn:
        rows = conn.execute("SELECT id, messenger_psid, instagram_sid, stage_id FROM contacts").fetchall()
    return {row["id"]: (row["messenger_psid"], row["instagram_sid"], row["stage_id"]) for row in rows}


def messages_of(pool: Pool, contact_id: int) -> dict[str, str | None]:
    with pool.connection() as conn:
        rows = conn.execute("SELECT mid, text FROM messages WHERE contact_id = %s", (contact_id,)).fetchall()
    return {row["mid"]: row["text"] for row in rows}


def sync(pool: Pool, settings: Settings, page: pages.Page) -> jobs.SyncJob:
    """An incremental sync, as the schedule runs one after the upgrade."""
    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, full=False, stale_after_seconds=settings.job_stale_after)
    return SyncEngine(pool, settings, Qualifier(RulesAnalyzer()), sleep=lambda seconds: None).run(job.id)


def test_the_fixture_rows_fill_every_table_of_the_old_schema(old_database):
    # A table added to the schema without fixture rows would go untested by the upgrade: fail instead.
    empty = [table for table, count in row_counts(old_database).items() if count == 0]
    assert empty == []


def test_an_old_database_upgrades_and_the_current_code_runs_on_it(
    old_database: Pool, sim: GraphSimulator, settings: Settings
) -> None:
    before = row_counts(old_database)

    applied = db.migrate(old_database)

    later = sorted(m.version for m in db.migration_files() if m.version > OLD_SCHEMA)
    assert applied == later
    assert contacts(old_database) == OLD_CONTACTS

    # Reading the page: its settings and its token, encrypted before the upgrade.
    with old_database.connection() as conn:
        page = pages.find_page(conn, "old mill")
        (summary,) = pages.list_pages(conn)
    assert (page.id, page.page_id, page.instagram_account_id) == (1, OLD_MILL.page_id, OLD_MILL.instagram_account_id)
    assert page.last_synced_at is not None and page.sync_interval == 21600 and page.notify_channel == "C0BAKERY"
    assert TokenCipher((ENCRYPTION_KEY,)).decrypt(page.token_ciphertext) == OLD_MILL.token
    assert (summary.messenger_contacts, summary.instagram_contacts, summary.running_job_id) == (2, 2, None)

    # The delivery acknowledged before the upgrade is expanded by today's drain.
    expand_webhooks(old_database)
    assert messages_of(old_database, NOOR)["aWdfaXRlbTppbmJveF9ub29yXzE"] == "Could you do it for Sunday?"

    # Mia writes again on Messenger and Sam on Instagram: the sync finds existing contacts among new ones.
    sim.add_page(OLD_MILL)
    mia = sim.new_sender(OLD_MILL.page_id, "messenger", "7100000000000001", "Is it still 12 EUR?", name="Mia Baker")
    sam = sim.new_sender(OLD_MILL.page_id, "instagram", "7200000000000003", "Picking up at 10", username="sam.miller")

    job = sync(old_database, settings, page)

    assert job.status is JobStatus.COMPLETED, job.failure_reason
    assert job.failed_contacts == 0 and job.synced_contacts >= 2
    now = contacts(old_database)
    assert {pk: now[pk] for pk in OLD_CONTACTS} == OLD_CONTACTS  # same people, ids and stages (SKIP_EXISTING)
    newcomers = [stage for pk, (_, _, stage) in now.items() if pk not in OLD_CONTACTS]
    assert newcomers and None not in newcomers  # new people, placed in the page's pipeline
    assert messages_of(old_database, MIA)[mia["mid"]] == "Is it still 12 EUR?"
    assert messages_of(old_database, SAM)[sam["mid"]] == "Picking up at 10"
    with old_database.connection() as conn:
        old_left = _count(conn, "SELECT count(*) AS n FROM messages WHERE mid = ANY(%s)", (list(OLD_MIDS),))
        edited = conn.execute("SELECT text, edit_count FROM messages WHERE mid = 'm_old_mia_1'").fetchone()
    assert old_left == len(OLD_MIDS)
    assert edited == {"text": "How much is the sourdough subscription?", "edit_count": 1}
    after = row_counts(old_database)
    for table in ("contacts", "conversations", "conversation_contacts", "messages", "sync_jobs", "contact_activities"):
        assert after[table] > before[table], table
