"""Leads as Slack shows them: each card offers its page's current stages, read once per page."""

from __future__ import annotations

from collections.abc import Sequence

from bot import views
from bot.views.lead_list import LEADS_PER_MESSAGE
from core.db import Conn
from core.leads import Lead, hottest_leads, leads_in_stage
from core.pages import Page
from core.pipeline import Stage, auto_pipeline_of


def stages_of(conn: Conn, page_pk: int) -> tuple[Stage, ...]:
    """The stages of the page's pipeline, the only ones a person may move its contacts to."""
    target = auto_pipeline_of(conn, page_pk)
    return target.pipeline.stages if target else ()


def cards(conn: Conn, leads: Sequence[Lead]) -> list[list[views.Block]]:
    stages: dict[int, tuple[Stage, ...]] = {}
    for lead in leads:
        if lead.page_pk not in stages:
            stages[lead.page_pk] = stages_of(conn, lead.page_pk)
    return [views.lead_card(lead, stages[lead.page_pk]) for lead in leads]


def leads_listing(conn: Conn, page: Page, stage: Stage | None, offset: int) -> views.Message:
    """The next LEADS_PER_MESSAGE of the page's hottest open leads, or of those in `stage`, from `offset`."""
    # One more than shown tells whether a More button is owed.
    wanted = LEADS_PER_MESSAGE + 1
    if stage is None:
        found = hottest_leads(conn, page.id, limit=wanted, offset=offset)
    else:
        found = leads_in_stage(conn, page.id, stage.id, limit=wanted, offset=offset)
    shown = found[:LEADS_PER_MESSAGE]
    return views.leads_message(page.id, page.name, stage, offset, cards(conn, shown), has_more=len(found) > len(shown))
