"""Refreshing one contact after a webhook: who they are, what they said, and where they stand now.

The job that runs it holds the contact's pending refresh (core/work.py), so one refresh of a contact
runs at a time; a sync or the analysis backlog writing the same contact meanwhile needs no lock: the
result is applied in a short transaction that locks the contact's row, and only to the messages it
was made from (core/qualify.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from core import home, pages, work
from core.db import Conn, Pool
from core.extract import ExtractionError, clean_text, extract_conversation, split_name
from core.graph import GraphClient, GraphError, Platform, TokenInvalidError
from core.logfmt import ContextLogger
from core.merge.review import owe_review
from core.pages import Page
from core.pipeline import auto_pipeline_of
from core.qualify import Qualifier
from core.store import save_conversations
from core.transcripts import contact_snapshots

logger = logging.getLogger(__name__)

# Deferred analysis (every AI key out of quota) is tried again this much later.
DEFER_SECONDS = 60


@dataclass(frozen=True)
class StageChange:
    contact_name: str
    from_stage: str | None
    to_stage: str
    lead_score: int | None
    summary: str
    alerted: bool = False  # into an alert stage: its lead card is posted instead (core/pipeline/alerting.py)


class StageNotifier(Protocol):
    def stage_changed(self, page: Page, change: StageChange) -> None: ...


class RefreshStatus(StrEnum):
    REFRESHED = "refreshed"
    ANALYSIS_DEFERRED = "analysis deferred"
    PAGE_INACTIVE = "page inactive or needs reconnecting"
    TOKEN_DEAD = "page token rejected"
    CONTACT_GONE = "contact gone"  # deleted since its deliveries (its page was disconnected)


@dataclass(frozen=True)
class RefreshResult:
    status: RefreshStatus
    stage_change: StageChange | None = None


@dataclass(frozen=True)
class _Contact:
    id: int
    page_pk: int
    platform: Platform
    external_id: str
    named: bool
    conversation_id: int | None
    stage_name: str | None


class Refresher:
    def __init__(
        self,
        pool: Pool,
        qualifier: Qualifier,
        graph: Callable[[Page], GraphClient],
        notifier: StageNotifier | None = None,
    ) -> None:
        self._pool = pool
        self._qualifier = qualifier
        self._graph = graph
        self._notifier = notifier

    def refresh(self, page_pk: int, contact_id: int, version: int) -> RefreshResult:
        """Settles the contact's pending refresh (taken at `version`) in the commit that applies it."""
        with self._pool.connection() as conn:
            page = pages.get_page(conn, page_pk)
        log = ContextLogger(logger, {"page_id": page.page_id, "contact_id": contact_id})
        if page.needs_reauth or not page.is_active:
            self._release(contact_id)  # owed still: done once the page is reconnected
            log.info("refresh skipped: page inactive or needs reconnecting")
            return RefreshResult(RefreshStatus.PAGE_INACTIVE)
        try:
            self._complete_from_graph(page, contact_id, log)
        except TokenInvalidError:
            with self._pool.connection() as conn:
                pages.mark_needs_reauth(conn, page.id)
            self._release(contact_id)
            log.warning("refresh stopped: page token rejected; page marked for reconnecting")
            return RefreshResult(RefreshStatus.TOKEN_DEAD)
        except LookupError:
            with self._pool.connection() as conn:
                work.forget(conn, work.Kind.REFRESH, contact_id)
            return RefreshResult(RefreshStatus.CONTACT_GONE)
        result = self._qualify(page, contact_id, version)
        if result.stage_change and not result.stage_change.alerted and self._notifier:
            self._notifier.stage_changed(page, result.stage_change)
        return result

    def _release(self, contact_id: int) -> None:
        with self._pool.connection() as conn:
            work.release(conn, work.Kind.REFRESH, contact_id)

    def _complete_from_graph(self, page: Page, contact_id: int, log: logging.LoggerAdapter) -> None:
        """A name for a new sender and the conversation's Graph record, when we do not have them yet.

        Profile errors (2018218 no profile, 230 / 10 permissions) leave the name empty for a later
        try: a name is never invented. A dead token is raised; other Graph trouble is logged and the
        refresh goes on with what is stored.
        """
        with self._pool.connection() as conn:
            contact = _load_contact(conn, contact_id)
        graph = self._graph(page)
        if not contact.named:
            try:
                self._store_profile(contact, graph.profile(contact.external_id, contact.platform))
            except TokenInvalidError:
                raise
            except GraphError as exc:
                log.info("profile unavailable code=%s", exc.code)
        if contact.conversation_id is None:
            try:
                raw = graph.conversation_with(page.page_id, contact.external_id, contact.platform)
            except TokenInvalidError:
                raise
            except GraphError as exc:
                log.info("conversation lookup failed code=%s", exc.code)
                return
            if raw is None:
                return
            try:
                record = extract_conversation(raw, contact.platform, page.own_ids)
            except ExtractionError as exc:
                log.warning("conversation unreadable error=%s", exc)
                return
            with self._pool.connection() as conn, conn.transaction():
                save_conversations(conn, page, [record])

    def _store_profile(self, contact: _Contact, profile: dict[str, object]) -> None:
        if contact.platform == "messenger":
            # Meta's parts joined and split again, so a name comes out as the sync stores it.
            given, family = (clean_text(profile.get(field)) for field in ("first_name", "last_name"))
            name = split_name(" ".join(part for part in (given, family) if part))
            username = None
        else:
            username = clean_text(profile.get("username"))
            name = split_name(clean_text(profile.get("name")) or username)
        first, last = name.first, name.last
        with self._pool.connection() as conn, conn.transaction():
            owe_review(conn, contact.page_pk)  # a newly named sender may be someone known on the other platform
            conn.execute(
                "UPDATE contacts SET first_name = COALESCE(%s, first_name), last_name = COALESCE(%s, last_name),"
                " instagram_username = COALESCE(%s, instagram_username),"
                " profile_pic_url = COALESCE(%s, profile_pic_url), updated_at = now() WHERE id = %s",
                (first, last, username, clean_text(profile.get("profile_pic")), contact.id),
            )

    def _qualify(self, page: Page, contact_id: int, version: int) -> RefreshResult:
        with self._pool.connection() as conn:
            contact = _load_contact(conn, contact_id)
            task = contact_snapshots(conn, page, [contact_id])[contact_id]
            target = auto_pipeline_of(conn, page.id)
        transcript = task.transcript
        results = self._qualifier.analyze([task], target)
        with self._pool.connection() as conn, conn.transaction():
            outcome = self._qualifier.apply(conn, [task], results, target, skip_busy=False)
            if outcome.analyzed:
                home.owe_publish(conn, page.id)  # as after an analysis batch: the funnel may have moved
            if outcome.deferred:
                work.release(conn, work.Kind.REFRESH, contact_id, DEFER_SECONDS)
                return RefreshResult(RefreshStatus.ANALYSIS_DEFERRED)
            if outcome.superseded:  # newer messages came meanwhile: due when their own debounce says
                work.release(conn, work.Kind.REFRESH, contact_id)
                return RefreshResult(RefreshStatus.ANALYSIS_DEFERRED)
            if work.settle(conn, work.Kind.REFRESH, contact_id, version):
                conn.execute(
                    "UPDATE webhook_events SET processed_at = now() WHERE contact_id = %s AND processed_at IS NULL",
                    (contact_id,),
                )
        if not outcome.moves:
            return RefreshResult(RefreshStatus.REFRESHED)
        placed = outcome.moves[0]
        return RefreshResult(
            RefreshStatus.REFRESHED,
            StageChange(
                contact_name=transcript.contact_name,
                from_stage=contact.stage_name,
                to_stage=placed.move.to.name,
                lead_score=placed.analysis.lead_score,
                summary=placed.analysis.summary,
                alerted=placed.move.alerted,
            ),
        )


def _load_contact(conn: Conn, contact_id: int) -> _Contact:
    row = conn.execute(
        "SELECT c.id, c.facebook_page_id, c.messenger_psid, c.instagram_sid, c.first_name, s.name AS stage_name,"
        " (SELECT v.id FROM conversation_contacts cc JOIN conversations v ON v.id = cc.conversation_id"
        "   WHERE cc.contact_id = c.id ORDER BY v.updated_time DESC LIMIT 1)"
        "  AS conversation_id"
        " FROM contacts c LEFT JOIN pipeline_stages s ON s.id = c.stage_id WHERE c.id = %s",
        (contact_id,),
    ).fetchone()
    if row is None:
        raise LookupError(f"no contact {contact_id}")
    platform: Platform = "messenger" if row["messenger_psid"] else "instagram"
    return _Contact(
        id=row["id"],
        page_pk=row["facebook_page_id"],
        platform=platform,
        external_id=row["messenger_psid"] or row["instagram_sid"],
        named=row["first_name"] is not None,
        conversation_id=row["conversation_id"],
        stage_name=row["stage_name"],
    )
