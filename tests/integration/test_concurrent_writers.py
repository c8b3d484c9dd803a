"""Writers of one contact at the same time, with no lock between them: a webhook refresh, a sync and the
analysis backlog, on real PostgreSQL in threads. Whatever their order, a message is stored once, and an
analysis is applied only to the messages it was made from (core/qualify.py): one overtaken by newer
messages is dropped, and the contact stays due for another."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from conftest import APP_SECRET, expand_webhooks, synced_page
from core import jobs, work
from core.analysis.model import Analysis, Transcript
from core.analysis.rules import RulesAnalyzer
from core.graph import GraphClient
from core.jobs import JobStatus
from core.pages import Page
from core.qualify import Qualifier
from core.refresh import Refresher, RefreshResult, RefreshStatus
from core.sync import SyncEngine
from core.transcripts import contact_snapshots
from sandbox import meta_webhooks
from sandbox.graph_sim import SimPage

SHOP = SimPage(
    page_id="230000000000001",
    name="Corner Florist",
    token="florist-lock-token-77",
    messenger_count=24,
    instagram_count=0,
    seed=23,
)
WAIT = 60.0  # seconds a thread of these tests may take before the test calls it stuck

_tags = itertools.count(1)


class Recorded:
    """The rules analyzer, with each analysis saying (in its summary) which one it is, so that the test
    knows what the stored one was made from; `hold_when` stops an analysis mid-way until `go_on`."""

    name = "rules"

    def __init__(self, hold_when: Callable[[Transcript], bool] | None = None) -> None:
        self.rules = RulesAnalyzer()
        self.made: dict[str, tuple[str, ...]] = {}
        self.hold_when = hold_when
        self.analysing = threading.Event()
        self.go_on = threading.Event()
        self._lock = threading.Lock()

    def summarize(self, transcript: Transcript) -> Analysis:
        return self._made(transcript, self.rules.summarize(transcript))

    def analyze(
        self, transcript: Transcript, stages: Sequence[str], definitions: Mapping[str, str] | None = None
    ) -> Analysis:
        return self._made(transcript, self.rules.analyze(transcript, stages, definitions))

    def _made(self, transcript: Transcript, analysis: Analysis) -> Analysis:
        if self.hold_when is not None and self.hold_when(transcript):
            self.analysing.set()
            assert self.go_on.wait(WAIT), "the test never let the analysis go on"
        tag = f"analysis-{next(_tags)}"
        with self._lock:
            self.made[tag] = tuple(line.text for line in transcript.lines)
        return replace(analysis, summary=f"{tag}: {analysis.summary}")


def made_from(stored: str | None, *analyzers: Recorded) -> tuple[str, ...] | None:
    """The messages (texts, oldest first) the stored analysis was made from; None when none of these
    analyzers made it."""
    tag = (stored or "").split(":", 1)[0]
    return next((a.made[tag] for a in analyzers if tag in a.made), None)


def texts(transcript: Transcript) -> tuple[str, ...]:
    return tuple(line.text for line in transcript.lines)


def in_thread(target: Callable[[], Any]) -> Callable[[], Any]:
    """Runs `target` in a thread now; the returned call joins it and gives its result (or raises its error)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = target()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def join() -> Any:
        thread.join(WAIT)
        assert not thread.is_alive(), "a writer never finished"
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    return join


@pytest.fixture
def page(pool, sim, service_settings, connect_page) -> Page:
    return synced_page(pool, sim, service_settings, connect_page, SHOP)


def customer_writes(web, pool, sim, index: int, text: str, *, delivered: bool = True) -> str:
    """The customer of conversation #index writes `text`: Meta's inbox has it, and (`delivered`) its
    webhook is acknowledged and expanded by the drain. Returns its mid."""
    sent = sim.touch(SHOP.page_id, "messenger", index, text)
    if delivered:
        deliver_late(web, pool, sim, index, text, sent)
    return sent["mid"]


def deliver_late(web, pool, sim, index: int, text: str, sent: dict[str, Any]) -> None:
    who = sim.customer(SHOP.page_id, "messenger", index)
    item = meta_webhooks.messenger_message(
        SHOP.page_id, who["id"], text, mid=sent["mid"], timestamp_ms=sent["timestamp_ms"]
    )
    response = meta_webhooks.post(
        f"{web}/webhooks/facebook", meta_webhooks.delivery("page", [(SHOP.page_id, [item])]), APP_SECRET
    )
    assert response.status_code == 200
    expand_webhooks(pool)


def contact_of(pool, sim, index: int) -> dict[str, Any]:
    who = sim.customer(SHOP.page_id, "messenger", index)
    with pool.connection() as conn:
        return conn.execute("SELECT id, ai_context FROM contacts WHERE messenger_psid = %s", (who["id"],)).fetchone()


def stored_mids(pool, contact_id: int) -> list[str]:
    """Every message in the contact's analysis scope (their conversations, and their own webhook
    messages with no conversation yet), one entry per row."""
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT m.mid FROM messages m WHERE m.contact_id = %(c)s OR m.conversation_id IN"
            " (SELECT conversation_id FROM conversation_contacts WHERE contact_id = %(c)s)",
            {"c": contact_id},
        ).fetchall()
    return [row["mid"] for row in rows]


def transcript_now(pool, page: Page, contact_id: int) -> tuple[str, ...]:
    with pool.connection() as conn:
        snapshot = contact_snapshots(conn, page, [contact_id])[contact_id]
    return tuple(line.text for line in snapshot.transcript.lines)


def owed_refresh(pool, contact_id: int) -> dict[str, Any] | None:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT version, due_at, dispatch_id, dispatched_at FROM pending_work"
            " WHERE kind = 'refresh' AND subject_id = %s",
            (contact_id,),
        ).fetchone()


def contact_due(pool, contact_id: int) -> bool:
    """In the analysis backlog: a conversation of theirs moved on since it was analysed."""
    with pool.connection() as conn:
        return conn.execute(
            "SELECT EXISTS (SELECT 1 FROM conversation_contacts cc JOIN conversations v ON v.id = cc.conversation_id"
            " WHERE cc.contact_id = %s AND (cc.analyzed_at IS NULL OR cc.analyzed_at < v.updated_time)) AS due",
            (contact_id,),
        ).fetchone()["due"]


def sync(pool, settings, page: Page, analyzer: Recorded) -> jobs.SyncJob:
    """An incremental sync that analyses what it stored itself (as the CLI's does)."""
    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, full=False, stale_after_seconds=600)
    return SyncEngine(pool, settings, Qualifier(analyzer)).run(job.id)


def webhook_refresh(
    pool, settings, database_url: str, dispatch: Callable[[], int], page: Page, contact_id: int, analyzer: Recorded
) -> Callable[[], RefreshResult]:
    """The contact's owed refresh, past its debounce: queued by the dispatcher, then (the returned
    call) run as its job runs it, holding its claim."""
    with pool.connection() as conn:
        conn.execute("UPDATE pending_work SET due_at = now() WHERE kind = 'refresh' AND subject_id = %s", (contact_id,))
    dispatch()
    row = owed_refresh(pool, contact_id)
    assert row is not None and row["dispatch_id"] is not None

    def run() -> RefreshResult:
        with work.begin(database_url, work.Kind.REFRESH, contact_id, row["dispatch_id"]) as claim:
            assert claim is not None
            refresher = Refresher(
                pool, Qualifier(analyzer, workers=1), lambda _page: GraphClient.for_page(settings, SHOP.token)
            )
            return refresher.refresh(page.id, contact_id, claim.version)

    return run


FIRST = "Hello! Do you deliver on Sundays?"
SECOND = "And could you add a card saying happy birthday, Mum?"


def test_a_refresh_overtaken_by_a_sync_is_not_applied_and_runs_again(
    web, sim, pool, page, service_settings, database_url, dispatch
):
    """The refresh analyses the webhook's message while a sync stores a newer one and analyses both:
    the sync's analysis stands, the refresh's is dropped, and the refresh stays owed."""
    first_mid = customer_writes(web, pool, sim, 3, FIRST)
    second_mid = customer_writes(web, pool, sim, 3, SECOND, delivered=False)  # its webhook is late
    contact_id = contact_of(pool, sim, 3)["id"]
    refreshing = Recorded(hold_when=lambda transcript: True)
    syncing = Recorded()

    refreshed = in_thread(webhook_refresh(pool, service_settings, database_url, dispatch, page, contact_id, refreshing))
    assert refreshing.analysing.wait(WAIT)  # the refresh has read the contact, and analyses
    synced = in_thread(lambda: sync(pool, service_settings, page, syncing))()
    refreshing.go_on.set()
    result = refreshed()

    assert synced.status is JobStatus.COMPLETED
    assert result.status is RefreshStatus.ANALYSIS_DEFERRED  # overtaken: nothing applied
    mids = stored_mids(pool, contact_id)
    assert mids.count(first_mid) == 1 and mids.count(second_mid) == 1 and len(mids) == len(set(mids))
    [refresh_made_from] = refreshing.made.values()
    assert FIRST in refresh_made_from and SECOND not in refresh_made_from
    stored = contact_of(pool, sim, 3)["ai_context"]
    assert made_from(stored, syncing) == transcript_now(pool, page, contact_id)
    assert SECOND in transcript_now(pool, page, contact_id)
    owed = owed_refresh(pool, contact_id)
    assert owed is not None and owed["dispatched_at"] is None  # owed still, for another run

    again = Recorded()
    assert webhook_refresh(pool, service_settings, database_url, dispatch, page, contact_id, again)().status is (
        RefreshStatus.REFRESHED
    )
    assert made_from(contact_of(pool, sim, 3)["ai_context"], again) == transcript_now(pool, page, contact_id)
    assert owed_refresh(pool, contact_id) is None


def test_a_sync_overtaken_by_a_webhook_refresh_leaves_the_refresh_s_analysis(
    web, sim, pool, page, service_settings, database_url, dispatch
):
    """The sync analyses what it stored while the customer writes again and the webhook's refresh
    commits: the sync's older analysis is dropped, not written over the refresh's."""
    sent = sim.touch(SHOP.page_id, "messenger", 5, FIRST)  # its webhook is late
    contact_id = contact_of(pool, sim, 5)["id"]
    syncing = Recorded(hold_when=lambda transcript: FIRST in texts(transcript))
    refreshing = Recorded()

    synced = in_thread(lambda: sync(pool, service_settings, page, syncing))
    assert syncing.analysing.wait(WAIT)  # the sync stored the message, and analyses the contact
    deliver_late(web, pool, sim, 5, FIRST, sent)
    second_mid = customer_writes(web, pool, sim, 5, SECOND)
    result = in_thread(webhook_refresh(pool, service_settings, database_url, dispatch, page, contact_id, refreshing))()
    stored_by_refresh = contact_of(pool, sim, 5)["ai_context"]
    syncing.go_on.set()
    job = synced()

    assert job.status is JobStatus.COMPLETED and result.status is RefreshStatus.REFRESHED
    mids = stored_mids(pool, contact_id)
    assert mids.count(sent["mid"]) == 1 and mids.count(second_mid) == 1 and len(mids) == len(set(mids))
    assert made_from(stored_by_refresh, refreshing) == transcript_now(pool, page, contact_id)
    stale = [tag for tag, lines in syncing.made.items() if FIRST in lines and SECOND not in lines]
    assert stale  # the sync did analyse the contact without the second message...
    final = contact_of(pool, sim, 5)["ai_context"]
    assert final.split(":", 1)[0] not in stale  # ...and that analysis was not applied
    assert made_from(final, refreshing, syncing) == transcript_now(pool, page, contact_id)
    assert owed_refresh(pool, contact_id) is None and not contact_due(pool, contact_id)


def test_a_refresh_and_a_sync_racing_agree_with_the_stored_messages(
    web, sim, pool, page, service_settings, database_url, dispatch
):
    """No gate: both at once, round after round, the sync bringing a message whose webhook comes
    later. Each message is stored once; and once nothing more is owed, the analysis the contact
    carries was made from exactly its messages. (That this holds before the late webhook too is the
    same-second test below.)"""
    index = 7
    contact_id = contact_of(pool, sim, index)["id"]
    mids: list[str] = []
    analyzers: list[Recorded] = []

    def settled() -> bool:
        return owed_refresh(pool, contact_id) is None and not contact_due(pool, contact_id)

    def agrees() -> bool:
        stored = made_from(contact_of(pool, sim, index)["ai_context"], *analyzers)
        return stored == transcript_now(pool, page, contact_id)

    for round_ in range(4):
        delivered = f"Round {round_}: could I order {round_ + 2} roses?"
        mids.append(customer_writes(web, pool, sim, index, delivered))
        late = f"Round {round_}: and {round_ + 1} tulips, please"
        sent = sim.touch(SHOP.page_id, "messenger", index, late)  # its webhook comes after the race
        mids.append(sent["mid"])
        refreshing, syncing = Recorded(), Recorded()
        analyzers += [refreshing, syncing]
        start = threading.Barrier(2)
        refresh = webhook_refresh(pool, service_settings, database_url, dispatch, page, contact_id, refreshing)

        def refresh_when_started(
            run: Callable[[], RefreshResult] = refresh, start: threading.Barrier = start
        ) -> RefreshResult:
            start.wait(WAIT)
            return run()

        def sync_when_started(analyzer: Recorded = syncing, start: threading.Barrier = start) -> jobs.SyncJob:
            start.wait(WAIT)
            return sync(pool, service_settings, page, analyzer)

        refreshed, synced = in_thread(refresh_when_started), in_thread(sync_when_started)
        assert synced().status is JobStatus.COMPLETED
        assert refreshed().status in (RefreshStatus.REFRESHED, RefreshStatus.ANALYSIS_DEFERRED)

        deliver_late(web, pool, sim, index, late, sent)
        for _ in range(3):  # overtaken, or owed by the late webhook: it runs again
            if owed_refresh(pool, contact_id) is None:
                break
            again = Recorded()
            analyzers.append(again)
            rerun = webhook_refresh(pool, service_settings, database_url, dispatch, page, contact_id, again)
            assert rerun().status in (RefreshStatus.REFRESHED, RefreshStatus.ANALYSIS_DEFERRED)

        stored = stored_mids(pool, contact_id)
        assert len(stored) == len(set(stored)) and set(mids) <= set(stored)
        assert settled() and agrees()
        assert {delivered, late} <= set(transcript_now(pool, page, contact_id))


def test_a_message_only_a_sync_brings_is_analysed_after_a_refresh_in_the_same_second(
    web, sim, pool, page, service_settings, database_url, dispatch
):
    """The customer writes twice within a second; the second message's webhook is lost. The refresh
    of the first commits, then a sync stores the second: it must be analysed (or left due)."""
    while datetime.now(UTC).microsecond > 600_000:  # both messages within one second of Meta's clock
        time.sleep(0.01)
    sent = sim.touch(SHOP.page_id, "messenger", 9, FIRST)
    lost = sim.touch(SHOP.page_id, "messenger", 9, SECOND)  # its webhook never comes
    assert sent["timestamp_ms"] // 1000 == lost["timestamp_ms"] // 1000
    deliver_late(web, pool, sim, 9, FIRST, sent)
    contact_id = contact_of(pool, sim, 9)["id"]
    refreshing, syncing = Recorded(), Recorded()
    refresh = webhook_refresh(pool, service_settings, database_url, dispatch, page, contact_id, refreshing)
    assert refresh().status is RefreshStatus.REFRESHED

    assert sync(pool, service_settings, page, syncing).status is JobStatus.COMPLETED

    assert SECOND in transcript_now(pool, page, contact_id)
    stored = contact_of(pool, sim, 9)["ai_context"]
    assert contact_due(pool, contact_id) or made_from(stored, refreshing, syncing) == transcript_now(
        pool, page, contact_id
    )


def drain_waits_on_a_lock(pool) -> bool:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query LIKE '%%DELETE FROM webhook_inbox%%') AS waiting"
        ).fetchone()["waiting"]


def test_an_edit_expanded_while_its_contact_s_refresh_commits_deadlocks_neither(
    web, sim, pool, page, service_settings, database_url, dispatch, monkeypatch
):
    from core import qualify

    mid = customer_writes(web, pool, sim, 2, FIRST)
    contact_id = contact_of(pool, sim, 2)["id"]
    committing = threading.Event()
    mark_analysed = qualify._mark_analysed

    def then_wait_for_the_drain(conn: Any, done: Any) -> None:
        """The refresh's commit, paused once it holds the contact until the drain waits for it."""
        mark_analysed(conn, done)
        committing.set()
        deadline = time.monotonic() + WAIT
        while not drain_waits_on_a_lock(pool):
            assert time.monotonic() < deadline, "the drain never waited for the refresh"
            time.sleep(0.02)

    monkeypatch.setattr(qualify, "_mark_analysed", then_wait_for_the_drain)
    refreshed = in_thread(webhook_refresh(pool, service_settings, database_url, dispatch, page, contact_id, Recorded()))
    assert committing.wait(WAIT)
    who = sim.customer(SHOP.page_id, "messenger", 2)
    item = meta_webhooks.messenger_edit(SHOP.page_id, who["id"], mid, "Hello! Do you deliver on Saturdays?")
    response = meta_webhooks.post(
        f"{web}/webhooks/facebook", meta_webhooks.delivery("page", [(SHOP.page_id, [item])]), APP_SECRET
    )
    assert response.status_code == 200
    expanded = in_thread(lambda: expand_webhooks(pool))

    assert refreshed().status is RefreshStatus.REFRESHED
    expanded()
    with pool.connection() as conn:
        text = conn.execute("SELECT text FROM messages WHERE mid = %s", (mid,)).fetchone()["text"]
    assert text == "Hello! Do you deliver on Saturdays?"
    assert owed_refresh(pool, contact_id) is not None  # the edit owes the contact another refresh


# --- analysis with contacts another writer holds ---------------------------------------------------
