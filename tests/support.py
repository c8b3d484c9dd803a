"""Helpers the tests share that are not fixtures (those live in conftest.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import Block

from core.jobs import JobStatus, SyncJob
from core.pages import Page
from core.pipeline.matching import Stage
from core.pipeline.pipelines import Pipeline
from core.stats import PageStats, StageCount
from core.sync.reporter import SyncProgress
from sandbox.slack_stub import block_errors


def visible_text(message: Mapping[str, Any]) -> str:
    """What a person reads of a Slack message: the text of its blocks (mrkdwn and plain_text, buttons and
    dialogs included), one per line. Without blocks Slack shows `text`, otherwise only a notification's
    fallback, so it is not counted; nor are ids, urls of buttons or action ids."""
    if not message.get("blocks"):
        return str(message.get("text", ""))
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


def buttons(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The buttons of a message's actions blocks, in order."""
    return [
        element for block in message.get("blocks") or [] if block["type"] == "actions" for element in block["elements"]
    ]


def assert_slack_accepts(message: Mapping[str, Any]) -> None:
    """Each block passes slack_sdk's own validation of types, lengths and shapes, and the whole list
    passes Slack's, as the Slack stand-in checks it."""
    blocks = message.get("blocks") or []
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, f"not a block type slack_sdk knows: {block}"
        parsed.to_dict()  # validates
    assert block_errors(blocks) == []


# One of each thing the views show, for the tests of bot/views/: a page (and one whose names need
# escaping), a finished job and its errors, a pipeline, a sync's progress and a page's stats.

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
