"""The App Home view: what a sales team reads of each page, within Slack's 100 blocks a view."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from slack_sdk.models.blocks import Block

from bot.funnel_chart import MAX_STAGES, charted, funnel_digest, render_funnel
from bot.views.home import MAX_BLOCKS, home_view
from core.dashboard import Dashboard, PageDashboard, SyncHistory
from core.jobs import JobStatus
from core.leads import Lead
from core.stats import StageCount
from sandbox.slack_stub import VIEW_MAX_BLOCKS, block_errors
from support import JOB, NOW, PAGE, TRICKY, visible_text

LEAD = Lead(
    contact_id=7,
    page_pk=PAGE.id,
    page_id=PAGE.page_id,
    page_name=PAGE.name,
    messenger_psid="24511230000001",
    instagram_sid=None,
    first_name="Maria",
    last_name="Silva",
    instagram_username=None,
    pipeline_id=1,
    stage_id=3,
    stage="Qualified Lead",
    stage_set_by=None,
    ai_stage_id=3,
    ai_stage="Qualified Lead",
    lead_score=88,
    lead_status="QUALIFIED",
    confidence=90,
    summary="Wants 40 bags of beans a month for her café; asked for a quote.",
    evidence=("how much for 40 bags a month?", "can you deliver on Fridays?"),
    last_interaction=NOW - timedelta(hours=2),
    stage_entered_at=NOW - timedelta(days=1),
)

BOARD = PageDashboard(
    page=PAGE,
    contacts=467,
    analysed=420,
    unplaced=167,
    stages=[StageCount("New Lead", 200, 35.0), StageCount("Qualified Lead", 100, 71.0), StageCount("Won", 0, None)],
    backlog=47,
    analysis_rate=12.0,
    history=SyncHistory(finished=10, completed=9, average_seconds=130.0),
    recent_jobs=[JOB, replace(JOB, id=41, status=JobStatus.FAILED)],
    hottest=[LEAD, replace(LEAD, contact_id=8, first_name="João", last_name=None, summary=None, evidence=())],
)


def blocks_of(view: dict) -> list[dict]:
    """The view's blocks, as slack_sdk and Slack (the stand-in's checks) accept them in a view."""
    assert view["type"] == "home"
    for block in view["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.to_dict()  # validates
    assert block_errors(view["blocks"], most=VIEW_MAX_BLOCKS) == []
    return view["blocks"]


def test_a_page_with_its_picture_its_numbers_and_its_hottest_leads():
    blocks = blocks_of(home_view(Dashboard([BOARD], 0), {PAGE.id: "F0FUNNEL"}, NOW))
    (image,) = [block for block in blocks if block["type"] == "image"]
    assert image["slack_file"] == {"id": "F0FUNNEL"}
    assert image["alt_text"] == "Funnel of Bluebird Coffee: New Lead 200, Qualified Lead 100, Won 0"
    text = visible_text({"blocks": blocks})
    assert "*Bluebird Coffee* · 467 contacts" in text
    assert "New Lead: 200" in text and "Qualified Lead: 100" in text and "Not in a pipeline: 167" in text
    assert "*AI coverage*\n90% (420 of 467 analysed)" in text
    assert "*Analysis backlog*\n47 waiting · about 4 min left" in text  # 47 at 12 a minute
    assert "*Syncs, last 30 days*\n90% succeeded (9 of 10)" in text
    assert "*Average sync*\n2m10s" in text
    assert ":white_check_mark: Completed" in text and "in 2m10s · 347 synced" in text and ":x: Failed" in text
    assert "*Hottest leads*" in text and "*Maria Silva*" in text and "*João*" in text
    assert "how much for 40 bags a month?" in text
    assert not [block for block in blocks if block["type"] == "actions"]  # a home has no conversation to answer in


def test_without_a_picture_the_funnel_is_still_there_as_text_bars():
    blocks = blocks_of(home_view(Dashboard([BOARD], 0), {}, NOW))
    assert not [block for block in blocks if block["type"] == "image"]
    text = visible_text({"blocks": blocks})
    assert "`██████████` New Lead: 200" in text and "`█████░░░░░` Qualified Lead: 100" in text


def test_a_page_up_to_date_and_never_synced():
    quiet = replace(BOARD, backlog=0, history=SyncHistory(0, 0, None), recent_jobs=[], hottest=[])
    text = visible_text({"blocks": blocks_of(home_view(Dashboard([quiet], 0), {}, NOW))})
    assert "*Analysis backlog*\nUp to date" in text
    assert "*Syncs, last 30 days*\nNone finished" in text and "*Average sync*\n—" in text
    assert "No syncs yet: `/fbsync sync Bluebird Coffee`" in text
    assert "Hottest leads" not in text


def test_a_backlog_without_a_measured_rate_has_no_estimate():
    text = visible_text({"blocks": blocks_of(home_view(Dashboard([replace(BOARD, analysis_rate=None)], 0), {}, NOW))})
    assert "*Analysis backlog*\n47 waiting\n" in text + "\n"


def test_token_trouble_is_said_where_the_page_is():
    dead = replace(BOARD, page=replace(PAGE, needs_reauth=True))
    expiring = replace(BOARD, page=replace(PAGE, token_expires_at=NOW + timedelta(days=3, hours=1)))
    expired = replace(BOARD, page=replace(PAGE, token_expires_at=NOW - timedelta(hours=1)))
    fine = replace(BOARD, page=replace(PAGE, token_expires_at=NOW + timedelta(days=50)))

    def text(board: PageDashboard) -> str:
        return visible_text({"blocks": blocks_of(home_view(Dashboard([board], 0), {}, NOW))})

    assert "Facebook no longer accepts this page's token" in text(dead) and "`/fbsync connect`" in text(dead)
    assert ":hourglass: Its Facebook token expires" in text(expiring) and "(in 3 days)" in text(expiring)
    assert ":rotating_light: Its Facebook token expired" in text(expired)
    assert "token" not in text(fine)


def test_names_are_escaped():
    tricky = replace(BOARD, page=TRICKY)
    text = visible_text({"blocks": blocks_of(home_view(Dashboard([tricky], 0), {}, NOW))})
    assert "*&lt;Tom &amp; Jerry&gt;*" in text and "<Tom" not in text


def test_no_page_yet_says_how_to_connect_one():
    text = visible_text({"blocks": blocks_of(home_view(Dashboard([], 0), {}, NOW))})
    assert "No Facebook Page is connected" in text and "`/fbsync connect`" in text


def test_many_pages_stay_within_100_blocks_and_the_rest_are_summed_up():
    # Pages as full as they come: a picture, every card with a summary and quotes.
    full = replace(BOARD, hottest=[replace(LEAD, contact_id=i) for i in range(5)])
    pages = [replace(full, page=replace(PAGE, id=i, name=f"Shop {i}")) for i in range(1, 5)]
    view = home_view(Dashboard(pages, more_pages=9), {page.page.id: f"F{page.page.id}" for page in pages}, NOW)
    blocks = blocks_of(view)
    assert len(blocks) <= MAX_BLOCKS == VIEW_MAX_BLOCKS
    text = visible_text({"blocks": blocks})
    shown = [page.page.name for page in pages if f"*{page.page.name}*" in text]
    assert shown == [page.page.name for page in pages[: len(shown)]] and shown
    left = len(pages) - len(shown) + 9
    assert text.rstrip().endswith(f"…and {left} more pages: `/fbsync pages`")


def test_pages_that_do_not_fit_are_left_to_the_summary():
    # A page with many leads would not fit twice: the second one is summed up instead.
    crowded = replace(BOARD, hottest=[replace(LEAD, contact_id=i) for i in range(30)])
    second = replace(crowded, page=replace(PAGE, id=2, name="Second"))
    blocks = blocks_of(home_view(Dashboard([crowded, second], 0), {}, NOW))
    assert len(blocks) <= MAX_BLOCKS
    text = visible_text({"blocks": blocks})
    assert "*Second*" not in text and text.rstrip().endswith("…and 1 more page: `/fbsync pages`")


def test_the_funnel_picture_is_a_png_named_by_what_it_draws():
    counts = [("New Lead", 120), ("Contacted", 80), ("Price in $", 12), ("Won", 4), ("Lost", 0)]
    assert render_funnel(counts).startswith(b"\x89PNG\r\n\x1a\n")
    assert funnel_digest(counts) == funnel_digest(list(counts))
    assert funnel_digest(counts) != funnel_digest([*counts[:-1], ("Lost", 1)])
    assert charted([("New Lead", 0), ("Won", 0)]) == []  # nothing to draw
    many = [(f"Stage {i}", i) for i in range(30)]
    assert len(charted(many)) == MAX_STAGES
    assert funnel_digest(many) == funnel_digest([*many[:MAX_STAGES], ("Stage 99", 99)])  # past MAX_STAGES: not drawn
