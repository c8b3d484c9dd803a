"""People, not threads: a hand-written Graph corpus (a group thread, one person in two conversations,
a conversation listed on two Graph pages, an unreadable conversation) synced into real PostgreSQL,
analysed per person through the Gemini stand-in over HTTP (and the offline rules analyzer)."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import replace

import pytest
import redis
from graph_corpus import CorpusGraph, conversation

from core import jobs
from core.analysis.gemini import GeminiAnalyzer
from core.analysis.limiter import RedisRateLimiter
from core.analysis.rules import RulesAnalyzer
from core.jobs import JobStatus
from core.qualify import Qualifier
from core.sync import SyncEngine
from sandbox.gemini_stub import GeminiStub
from sandbox.graph_sim import SimPage

SHOP = SimPage(page_id="700000000000001", name="Corner Bakery", token="corner-bakery-token-5f4e3d", messenger_count=0)
PAGE = (SHOP.page_id, SHOP.name)
ANN, BOB, CARA, DAN = ("2001", "Ann Lee"), ("2002", "Bob Roe"), ("2003", "Cara Diaz"), ("2004", "Dan Wu")

GROUP = conversation(
    "t_group",
    PAGE,
    [ANN, BOB],
    [
        (ANN[0], "Do you cater weddings in June?", 30),
        (BOB[0], "And what would 200 guests cost?", 31),
        (PAGE[0], "Yes! Let me send you our menu.", 35),
    ],
)
CARA_OLD = conversation("t_cara_old", PAGE, [CARA], [(CARA[0], "The croissants were stale, I want a refund", 10)])
CARA_NEW = conversation("t_cara_new", PAGE, [CARA], [(CARA[0], "Could I order a sourdough loaf for Friday?", 50)])
DAN_TALK = conversation("t_dan", PAGE, [DAN], [(DAN[0], "Are you open on Sundays?", 20)])
BROKEN = {"id": "t_broken", "updated_time": "2026-11-24T09:15:00+0000"}  # no participants: unreadable

# Newest first, as Meta lists them; Dan's conversation shows up again on the second page.
CORPUS = [[CARA_NEW, GROUP, DAN_TALK], [DAN_TALK, BROKEN, CARA_OLD]]


@pytest.fixture
def corpus():
    with CorpusGraph(SHOP.page_id, CORPUS) as graph:
        yield graph


@pytest.fixture
def sync(pool, settings, corpus, connect_page):
    page = connect_page(SHOP)
    corpus_settings = replace(settings, graph_url=corpus.base_url)

    def run(analyzer, *, full: bool = False) -> jobs.SyncJob:
        qualifier = Qualifier(analyzer, workers=2)
        try:
            with pool.connection() as conn:
                job = jobs.create_job(conn, page.id, full=full, stale_after_seconds=600)
            return SyncEngine(pool, corpus_settings, qualifier, sleep=lambda s: None).run(job.id)
        finally:
            qualifier.close()

    return run


def rows(pool, query: str, *params):
    with pool.connection() as conn:
        return conn.execute(query, params).fetchall()


def summaries(pool) -> dict[str, str]:
    return {row["first_name"]: row["ai_context"] for row in rows(pool, "SELECT first_name, ai_context FROM contacts")}


def test_counts_are_of_distinct_stored_contacts_and_conversations(pool, sync):
    job = sync(RulesAnalyzer())

    [stored] = rows(
        pool,
        "SELECT (SELECT count(*) FROM contacts) AS contacts, (SELECT count(*) FROM conversations) AS conversations",
    )
    assert job.status is JobStatus.COMPLETED
    assert (job.synced_contacts, stored["contacts"]) == (4, 4)  # Dan and Cara once each
    assert job.conversations_seen == 5  # Dan's conversation once; the unreadable one was seen
    assert stored["conversations"] == 4
    assert job.failed_contacts == 1
    [failure] = job.errors
    assert failure["id"] == "t_broken" and failure["error"].startswith("unreadable conversation")

    again = sync(RulesAnalyzer(), full=True)
    assert (again.synced_contacts, again.conversations_seen, again.failed_contacts) == (4, 5, 1)


def test_every_participant_of_a_group_thread_gets_the_thread_and_an_analysis(pool, sync):
    job = sync(RulesAnalyzer())

    links = rows(
        pool,
        "SELECT c.first_name FROM conversation_contacts cc JOIN contacts c ON c.id = cc.contact_id"
        " JOIN conversations v ON v.id = cc.conversation_id WHERE v.graph_id = 't_group'"
        " ORDER BY c.first_name",
    )
    assert [link["first_name"] for link in links] == ["Ann", "Bob"]
    assert job.analyzed_contacts == 4
    assert all(summaries(pool).values())
    assert rows(pool, "SELECT count(*) AS n FROM conversations WHERE analyzed_at IS NULL")[0]["n"] == 0


def test_through_gemini_each_person_is_analysed_once_over_all_their_conversations(pool, sync, redis_url):
    with GeminiStub() as gemini:
        limiter = RedisRateLimiter(redis.Redis.from_url(redis_url), 100, namespace=f"fbsync-test:{uuid.uuid4().hex}")
        job = sync(GeminiAnalyzer(["AIzaSy-corpus-key"], limiter, base_url=gemini.base_url, pack_size=10))

        assert job.analyzed_contacts == 4
        assert gemini.count() == 1  # the four people in one packed request
        [request] = gemini.requests
        sent = {
            json.loads(re.search(r'^customer name: (".*")$', block, re.MULTILINE).group(1)): block
            for block in re.findall(r"<conversation>\n(.*?)\n</conversation>", request["contents"], re.DOTALL)
        }
    said = summaries(pool)
    # In the group thread each customer is themselves; the other is named as another customer.
    assert 'Customer: "Do you cater weddings in June?"' in sent["Ann Lee"]
    assert 'Other customer "Bob Roe": "And what would 200 guests cost?"' in sent["Ann Lee"]
    assert 'Customer: "And what would 200 guests cost?"' in sent["Bob Roe"]
    assert said["Ann"] == "Customer asked about do you cater weddings in June."
    assert said["Bob"] == "Customer asked about and what would 200 guests cost."
    # Cara: one analysis of both conversations, the newer last, so the summary is of the newer one.
    assert sent["Cara Diaz"].index("refund") < sent["Cara Diaz"].index("sourdough")
    assert said["Cara"] == "Customer asked about could I order a sourdough loaf."


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE messages SET text = 'Actually, never mind', edit_count = edit_count + 1 WHERE id = %(newest)s",
        "UPDATE messages SET deleted_at = now() WHERE id = %(newest)s",
        "INSERT INTO messages (conversation_id, contact_id, mid, sender_id, text, created_time)"
        " SELECT conversation_id, contact_id, 'm_late', sender_id, 'One more thing', now() FROM messages"
        " WHERE id = %(newest)s",
    ],
)
def test_a_result_for_messages_since_edited_unsent_or_added_is_not_applied(pool, sync, change):
    from core import pages
    from core.transcripts import contact_snapshots

    sync(RulesAnalyzer())
    qualifier = Qualifier(RulesAnalyzer(), workers=1)
    with pool.connection() as conn:
        page = pages.find_page(conn, SHOP.page_id)
        cara = conn.execute("SELECT id FROM contacts WHERE first_name = 'Cara'").fetchone()["id"]
        snapshot = contact_snapshots(conn, page, [cara])[cara]
        newest = conn.execute("SELECT max(id) AS id FROM messages WHERE contact_id = %s", (cara,)).fetchone()["id"]
    results = qualifier.analyze([snapshot], None)
    with pool.connection() as conn:
        conn.execute(change, {"newest": newest})  # while the analysis was away
    try:
        with pool.connection() as conn, conn.transaction():
            outcome = qualifier.apply(conn, [snapshot], results, None)
    finally:
        qualifier.close()

    assert (outcome.analyzed, outcome.superseded) == (0, 1)
