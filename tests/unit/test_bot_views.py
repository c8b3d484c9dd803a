"""Block Kit views: the numbers a sales team reads, and messages Slack accepts."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.models.blocks import Block

from bot import views
from core.jobs import JobStatus, SyncJob
from core.pages import Page, PageSummary
from core.pipeline.matching import Stage
from core.pipeline.pipelines import AutoMode, Pipeline
from core.stats import PageStats, StageCount
from core.sync.reporter import SyncProgress
from sandbox.slack_stub import block_errors

NOW = datetime(2025, 3, 14, 12, 0, 0, tzinfo=UTC)
STARTED = NOW - timedelta(minutes=5)

PAGE = Page(
    id=1,
    organization_id=1,
    page_id="104857600000001",
    name="Bluebird Coffee",
    token_ciphertext="secret",
    instagram_account_id="17841400000000001",
    instagram_username="bluebird.coffee",
    last_synced_at=NOW - timedelta(minutes=3),
    needs_reauth=False,
    is_active=True,
)
TRICKY = replace(PAGE, id=2, page_id="104857600000002", name="<Tom & Jerry>", instagram_username="<tj>")

JOB = SyncJob(
    id=42,
    facebook_page_id=1,
    status=JobStatus.COMPLETED,
    full_sync=False,
    synced_contacts=347,
    failed_contacts=5,
    conversations_seen=360,
    analyzed_contacts=300,
    analysis_deferred=0,
    analysis_failed=0,
    stage_changes=12,
    errors=[],
    failure_reason=None,
    token_expired=False,
    cancel_requested=False,
    requested_by="U123",
    slack_channel="C1",
    slack_thread_ts="1.2",
    heartbeat_at=STARTED + timedelta(seconds=130),
    started_at=STARTED,
    completed_at=STARTED + timedelta(seconds=130),
    created_at=STARTED - timedelta(seconds=2),
)
ERRORS = [
    {"platform": "messenger", "id": f"2451123000{i:04d}", "error": "profile unavailable", "code": 100 + i}
    for i in range(7)
]
SALES = Pipeline(1, 1, "Sales", (Stage(1, "New Lead", 0), Stage(2, "Contacted", 1), Stage(3, "Won", 2)))
PROGRESS = SyncProgress(
    job_id=42,
    page_id=PAGE.page_id,
    page_name=PAGE.name,
    started_at=NOW - timedelta(seconds=130),
    platform="messenger",
    synced=347,
    failed=5,
    conversations_seen=360,
    analyzed=300,
    stage_changes=12,
    contacts_by_platform={"messenger": 347},
)
STATS = PageStats(
    page=PAGE,
    contacts=467,
    messenger=347,
    instagram=120,
    analysed=420,
    average_score=61.6,
    stages=[StageCount("New Lead", 200, 35.0), StageCount("Contacted", 100, 58.2), StageCount("Won", 0, None)],
    unplaced=167,
    recent_jobs=[JOB],
)


def everything() -> dict[str, dict]:
    """One of each message, to check all of them for what Slack requires."""
    return {
        "help": views.help_message(),
        "error": views.error_message("Unknown command `stauts`. Did you mean `status`?"),
        "denied": views.denied("only workspace admins can connect pages"),
        "pages": views.pages_message([PageSummary(PAGE, 347, 120, None), PageSummary(TRICKY, 1, 0, 7)], NOW),
        "pages_empty": views.pages_message([], NOW),
        "pipelines": views.pipelines_message([SALES]),
        "pipelines_empty": views.pipelines_message([]),
        "pipeline_set": views.pipeline_set(PAGE, SALES, AutoMode.UPDATE_EXISTING),
        "pipeline_off": views.pipeline_set(PAGE, None, AutoMode.SKIP_EXISTING),
        "status": views.status_message(PAGE, [replace(JOB, errors=ERRORS)], NOW),
        "status_empty": views.status_message(PAGE, [], NOW),
        "stats": views.stats_message(STATS, NOW),
        "started": views.sync_started(PAGE, "U123", 42, full=True),
        "progress": views.sync_progress(PROGRESS, NOW),
        "platform_done": views.platform_done(PROGRESS, NOW),
        "error_digest": views.error_digest(replace(JOB, errors=ERRORS)),
        "no_errors": views.error_digest(replace(JOB, failed_contacts=0)),
        "finished": views.sync_finished(PAGE, "U123", JOB, [("New Lead", 200)], NOW),
        "failed": views.sync_finished(PAGE, "U123", replace(JOB, status=JobStatus.FAILED, failure_reason="x"), [], NOW),
        "running": views.already_running(PAGE, replace(JOB, status=JobStatus.IN_PROGRESS), "https://x.slack.com/p1"),
        "queued": views.sync_queued(PAGE),
        "cancel": views.cancel_requested(PAGE, replace(JOB, status=JobStatus.IN_PROGRESS)),
        "nothing": views.nothing_to_cancel(PAGE),
        "dm": views.sync_queued(PAGE, not_in_channel="C0123"),
    }


def blocks_text(message: dict) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def mrkdwn(message: dict) -> str:
    """All the visible text of the blocks, joined by newlines."""
    texts: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text"):
                texts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message["blocks"])
    return "\n".join(texts)


# --- what Slack accepts --------------------------------------------------------------------------------------

VALID_TYPES = {"section", "context", "divider", "actions"}


@pytest.mark.parametrize("name", list(everything()))
def test_every_message_is_one_slack_accepts(name):
    message = everything()[name]
    assert set(message) == {"text", "blocks"}
    assert message["text"].strip()
    assert 0 < len(message["blocks"]) <= 50
    for block in message["blocks"]:
        assert block["type"] in VALID_TYPES
        if block["type"] == "section":
            assert "text" in block or "fields" in block
            assert len(block.get("text", {}).get("text", "")) <= 3000
        Block.parse(block).to_dict()  # slack_sdk's own validation of lengths and shapes
    assert block_errors(message["blocks"]) == []  # and Slack's, as the Slack stand-in checks it


def test_long_lists_stay_within_slacks_block_limit():
    summaries = [PageSummary(replace(PAGE, id=i, name=f"Page {i}"), i, 0, None) for i in range(120)]
    message = views.pages_message(summaries, NOW)
    assert len(message["blocks"]) <= 50
    assert "…and 80 more pages" in mrkdwn(message)


def test_section_text_is_clipped_to_3000_characters():
    job = replace(JOB, status=JobStatus.FAILED, failure_reason="x" * 5000)
    for block in views.sync_finished(PAGE, "U1", job, [], NOW)["blocks"]:
        assert len(block.get("text", {}).get("text", "")) <= 3000


# --- escaping -------------------------------------------------------------------------------------------------


def test_user_text_is_escaped_for_mrkdwn():
    messages = [
        views.pages_message([PageSummary(TRICKY, 1, 1, None)], NOW),
        views.sync_started(TRICKY, "U1", 1, full=False),
        views.sync_finished(TRICKY, "U1", JOB, [("<b>", 1)], NOW),
        views.status_message(TRICKY, [JOB], NOW),
        views.error_message("no page matches '<Tom & Jerry>'"),
        views.pipeline_set(TRICKY, replace(SALES, name="A&B", stages=(Stage(1, "<x>", 0),)), AutoMode.SKIP_EXISTING),
    ]
    for message in messages:
        for text in (mrkdwn(message), message["text"]):
            assert "<Tom & Jerry>" not in text and "<tj>" not in text and "<b>" not in text and "<x>" not in text
            assert "A&B" not in text
    assert "&lt;Tom &amp; Jerry&gt;" in mrkdwn(messages[0])
    assert "@&lt;tj&gt;" in mrkdwn(messages[0])
    assert "A&amp;B" in mrkdwn(messages[-1])


# --- formatting helpers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "seconds, expected",
    [(0, "0s"), (45, "45s"), (59.6, "1m00s"), (130, "2m10s"), (3600 + 125, "1h02m"), (-3, "0s")],
)
def test_format_duration(seconds, expected):
    assert views.format_duration(seconds) == expected


@pytest.mark.parametrize(
    "ago, expected",
    [
        (None, "never"),
        (timedelta(seconds=10), "just now"),
        (timedelta(minutes=3, seconds=20), "3 min ago"),
        (timedelta(hours=1), "1 hour ago"),
        (timedelta(hours=5), "5 hours ago"),
        (timedelta(days=2, hours=3), "2 days ago"),
        (timedelta(seconds=-30), "just now"),
    ],
)
def test_time_ago(ago, expected):
    assert views.time_ago(NOW - ago if ago is not None else None, NOW) == expected


# --- the sync thread ---------------------------------------------------------------------------------------------


def test_sync_started_has_the_cancel_button():
    message = views.sync_started(PAGE, "U123", 42, full=True)
    text = mrkdwn(message)
    assert "Syncing *Bluebird Coffee* — started by <@U123>" in text
    assert "Full sync" in text
    actions = [block for block in message["blocks"] if block["type"] == "actions"]
    [button] = actions[0]["elements"]
    assert button["action_id"] == views.CANCEL_ACTION == "fbsync_cancel"
    assert button["value"] == "42"
    assert button["style"] == "danger"
    assert button["text"]["text"] == "Cancel"
    assert "Full" not in mrkdwn(views.sync_started(PAGE, "U123", 42, full=False))


def test_sync_progress():
    text = mrkdwn(views.sync_progress(PROGRESS, NOW))
    for expected in (
        "*347* contacts synced",
        "5 failed",
        "Messenger",
        "360 conversations",
        "300 analysed",
        "12 stage changes",
        "2m10s",
        "160 contacts/min",
    ):
        assert expected in text
    assert "later" not in text
    deferred = replace(PROGRESS, analysis_deferred=9, analysis_backlog=9, platform=None)
    assert "9 to be analysed later (AI quota)" in mrkdwn(views.sync_progress(deferred, NOW))


def test_analysis_progress_gives_the_time_left_at_the_measured_rate():
    following = replace(PROGRESS, analyzed=1230, analysis_backlog=2770, analysis_rate=90.0)
    assert "1,230 of 4,000 analysed · about 31 min left at 90/min" in mrkdwn(views.sync_progress(following, NOW))


def test_the_final_message_says_when_analysis_is_complete():
    running = replace(
        JOB,
        analysis_backlog=40,
        analysis_rate=20.0,
        analysis_deferred_reason="every Gemini API key is out of quota (daily quota) for 3600s more",
    )
    text = mrkdwn(views.sync_finished(PAGE, "U123", running, [], NOW))
    assert "of" in text and "about 2 min left at 20/min" in text and "analysis paused: every Gemini" in text
    assert "Analysis complete" not in text
    done = replace(JOB, analysis_completed_at=NOW)
    assert "Analysis complete (12:00 UTC)" in mrkdwn(views.sync_finished(PAGE, "U123", done, [], NOW))


def test_sync_progress_at_the_very_start_has_no_rate():
    text = mrkdwn(views.sync_progress(replace(PROGRESS, started_at=NOW, synced=0), NOW))
    assert "0s" in text and "— contacts/min" in text


def test_platform_done():
    message = views.platform_done(replace(PROGRESS, platform="instagram", contacts_by_platform={"instagram": 120}), NOW)
    assert "Instagram done: 120 contacts" in mrkdwn(message)
    assert "Instagram done: 120 contacts" in message["text"]


def test_error_digest_lists_the_first_errors_and_counts_the_rest():
    job = replace(JOB, errors=ERRORS, failed_contacts=9)
    text = mrkdwn(views.error_digest(job, limit=5))
    assert text.count("• Messenger") == 5
    assert "`24511230000000`" in text and "profile unavailable (code 100)" in text
    assert "24511230000005" not in text
    assert "…and 4 more" in text  # 9 failures, 5 shown
    assert "9 contacts with errors" in text


def test_error_digest_without_a_code():
    job = replace(JOB, errors=[{"platform": "instagram", "id": "1", "error": "bad", "code": None}], failed_contacts=1)
    text = mrkdwn(views.error_digest(job))
    assert "Instagram `1`: bad" in text and "code" not in text and "more" not in text


def test_sync_finished_completed():
    job = replace(JOB, analysis_deferred=12, analysis_backlog=12)
    message = views.sync_finished(PAGE, "U123", job, [("New Lead", 200), ("Contacted", 100)], NOW)
    text = mrkdwn(message)
    assert "Synced 347 contacts of *Bluebird Coffee*, 5 failed (2m10s)" in text
    assert "New Lead: 200" in text and "Contacted: 100" in text
    assert "300 of 312 analysed" in text and "12 stage changes" in text
    assert "12 to be analysed later (AI quota)" in text
    assert "<@U123>" in text
    assert "Synced 347 contacts" in message["text"]
    assert not [block for block in message["blocks"] if block["type"] == "actions"]


def test_sync_finished_of_a_job_that_never_started_or_was_not_started_from_slack():
    job = replace(JOB, status=JobStatus.FAILED, failure_reason="queue unreachable", started_at=None, synced_contacts=0)
    message = views.sync_finished(PAGE, "", job, [], NOW)
    assert "failed after 0 contacts: queue unreachable" in mrkdwn(message)
    assert "<@" not in mrkdwn(message)
    assert "<@" not in mrkdwn(views.sync_started(PAGE, "", 1, full=False))


def test_sync_finished_cancelled():
    job = replace(JOB, status=JobStatus.CANCELLED, synced_contacts=120)
    text = mrkdwn(views.sync_finished(PAGE, "U123", job, [], NOW))
    assert "cancelled after 120 contacts" in text


def test_sync_finished_failed_gives_the_reason():
    job = replace(JOB, status=JobStatus.FAILED, failure_reason="Graph API rate limit: waited 300 s")
    message = views.sync_finished(PAGE, "U123", job, [], NOW)
    assert "failed" in mrkdwn(message) and "Graph API rate limit: waited 300 s" in mrkdwn(message)
    assert "rate limit" in message["text"]


def test_sync_finished_token_expired_asks_for_a_reconnect():
    job = replace(JOB, status=JobStatus.FAILED, token_expired=True, failure_reason="token expired")
    message = views.sync_finished(PAGE, "U123", job, [], NOW)
    assert "Reconnect required" in mrkdwn(message) and "`/fbsync connect`" in mrkdwn(message)
    assert "Reconnect required" in message["text"]


def test_already_running_links_to_the_thread():
    job = replace(JOB, status=JobStatus.IN_PROGRESS, completed_at=None)
    text = mrkdwn(views.already_running(PAGE, job, "https://acme.slack.com/archives/C1/p1"))
    assert "A sync of *Bluebird Coffee* is already running" in text
    assert f"<!date^{int(STARTED.timestamp())}^{{ago}}|" in text  # Slack shows "5 minutes ago" to each reader
    assert "<https://acme.slack.com/archives/C1/p1|" in text
    assert "https://" not in mrkdwn(views.already_running(PAGE, job, None))


def test_cancel_answers():
    running = replace(JOB, status=JobStatus.IN_PROGRESS, synced_contacts=80)
    assert "Stopping the sync of *Bluebird Coffee*" in mrkdwn(views.cancel_requested(PAGE, running))
    queued = replace(JOB, status=JobStatus.CANCELLED, started_at=None)
    assert "before it started" in mrkdwn(views.cancel_requested(PAGE, queued))
    assert "No sync of *Bluebird Coffee* is running" in mrkdwn(views.nothing_to_cancel(PAGE))


def test_sync_queued_and_dm_fallback():
    assert "Starting a sync of *Bluebird Coffee*" in mrkdwn(views.sync_queued(PAGE))
    text = mrkdwn(views.sync_queued(PAGE, not_in_channel="C0123"))
    assert "<#C0123>" in text and "`/invite @fbsync`" in text and "in this channel" not in text


# --- answers to commands -------------------------------------------------------------------------------------------


def test_help_and_errors_show_the_usage():
    assert "/fbsync pages" in mrkdwn(views.help_message())
    text = mrkdwn(views.error_message("Which page?"))
    assert "Which page?" in text and "/fbsync pages" in text
    assert "only admins" in mrkdwn(views.denied("only admins"))


def test_pages_message():
    summaries = [
        PageSummary(PAGE, 347, 120, None),
        PageSummary(
            replace(
                PAGE,
                name="Corner Deli",
                page_id="555",
                instagram_account_id=None,
                last_synced_at=None,
                needs_reauth=True,
            ),
            12,
            0,
            9,
        ),
    ]
    text = mrkdwn(views.pages_message(summaries, NOW))
    assert "*Bluebird Coffee*" in text and "`104857600000001`" in text
    assert "Messenger: 347 contacts" in text and "Instagram @bluebird.coffee: 120 contacts" in text
    assert "Last synced 3 min ago" in text
    deli = text[text.index("Corner Deli") :]
    assert "Instagram" not in deli.split("\n")[1]
    assert "Last synced never" in deli and "sync running" in deli and "Needs reconnect" in deli
    assert text.count("sync running") == 1 and text.count("Needs reconnect") == 1


def test_no_pages_explains_how_to_connect():
    assert "`/fbsync connect`" in mrkdwn(views.pages_message([], NOW))


def test_pipelines_message_lists_stages_in_order():
    other = Pipeline(2, 1, "Wholesale Deals", (Stage(4, "Sample Sent", 0), Stage(5, "Ordered", 1)))
    text = mrkdwn(views.pipelines_message([SALES, other]))
    assert "*Sales*\nNew Lead → Contacted → Won" in text
    assert "*Wholesale Deals*\nSample Sent → Ordered" in text


def test_pipeline_set():
    text = mrkdwn(views.pipeline_set(PAGE, SALES, AutoMode.UPDATE_EXISTING))
    assert "*Bluebird Coffee*" in text and "*Sales*" in text and "may move" in text
    assert "stay where they are" in mrkdwn(views.pipeline_set(PAGE, SALES, AutoMode.SKIP_EXISTING))
    assert "off for *Bluebird Coffee*" in mrkdwn(views.pipeline_set(PAGE, None, AutoMode.SKIP_EXISTING))


def test_status_message_newest_first_with_errors_digest():
    failed = replace(
        JOB,
        id=43,
        status=JobStatus.FAILED,
        failure_reason="worker lost: no heartbeat for 600 s",
        errors=ERRORS,
        failed_contacts=7,
        completed_at=NOW - timedelta(minutes=1),
    )
    running = replace(
        JOB,
        id=44,
        status=JobStatus.IN_PROGRESS,
        completed_at=None,
        full_sync=True,
        started_at=NOW - timedelta(seconds=45),
    )
    text = mrkdwn(views.status_message(PAGE, [running, failed, JOB], NOW))
    assert (
        text.index(":arrows_counterclockwise: *Running*")
        < text.index(":x: *Failed*")
        < text.index(":white_check_mark: *Completed*")
    )
    assert "full sync" in text and "45s" in text
    assert "347 synced · 5 failed · 300 analysed" in text
    assert "Reason: worker lost: no heartbeat for 600 s" in text
    assert "code 100" in text and "code 102" in text and "code 103" not in text
    assert "…and 4 more" in text
    assert "2 min ago · 2m10s" in text  # JOB took 2m10s and finished 2m50s ago


def test_status_message_without_jobs():
    assert "No syncs yet" in mrkdwn(views.status_message(PAGE, [], NOW))


def test_status_message_reconnect():
    job = replace(JOB, status=JobStatus.FAILED, token_expired=True)
    text = mrkdwn(views.status_message(replace(PAGE, needs_reauth=True), [job], NOW))
    assert "Reconnect required" in text and "`/fbsync connect`" in text


def test_stats_message():
    message = views.stats_message(STATS, NOW)
    text = mrkdwn(message)
    assert "467 contacts" in text
    assert "*Messenger*\n347" in text and "*Instagram*\n120" in text
    assert "*Average lead score*\n62" in text
    assert "90%" in text  # 420 of 467 analysed
    assert "`██████████` New Lead: 200 · avg score 35" in text
    assert "`█████░░░░░` Contacted: 100 · avg score 58" in text
    assert "`░░░░░░░░░░` Won: 0" in text
    assert "Not in a pipeline: 167" in text
    assert "Completed" in text and "347 synced" in text


def test_stats_message_of_an_empty_page():
    empty = replace(
        STATS,
        contacts=0,
        messenger=0,
        instagram=0,
        analysed=0,
        average_score=None,
        stages=[],
        unplaced=0,
        recent_jobs=[],
    )
    text = mrkdwn(views.stats_message(empty, NOW))
    assert "0 contacts" in text and "0%" in text and "No pipeline stages" in text
