"""Edits and unsends delivered to the Meta webhook endpoint change what is stored, and so what the
analyzer reads."""

from __future__ import annotations

import json

import pytest
from webhook_receiving import (
    IGSID,
    PAGE_ID,
    PSID,
    connect_bluebird,
    counts,
    deliver,
    fixture_bytes,
    owed_refreshes,
)

from conftest import APP_SECRET, expand_webhooks


@pytest.fixture
def page(connect_page):
    return connect_bluebird(connect_page)


def transcript_texts(pool, page, external_id: str) -> list[str]:
    from core import pages
    from core.transcripts import contact_snapshots

    with pool.connection() as conn:
        contact_id = conn.execute(
            "SELECT id FROM contacts WHERE messenger_psid = %s OR instagram_sid = %s", (external_id, external_id)
        ).fetchone()["id"]
        transcript = contact_snapshots(conn, pages.get_page(conn, page.id), [contact_id])[contact_id].transcript
    return [line.text for line in transcript.lines]


def test_an_edit_replaces_the_stored_text_and_owes_a_refresh(web, pool, page):
    deliver(web, pool, fixture_bytes("message"))
    with pool.connection() as conn:
        conn.execute("DELETE FROM pending_work WHERE kind = 'refresh'")  # the message's own refresh has run
    assert "40 units" in transcript_texts(pool, page, PSID)[0]

    assert deliver(web, pool, fixture_bytes("message_edit")).status_code == 200

    [text] = transcript_texts(pool, page, PSID)
    assert "400 units" in text
    with pool.connection() as conn:
        assert conn.execute("SELECT edit_count FROM messages").fetchone()["edit_count"] == 1
    assert owed_refreshes(pool) == 1


def test_an_older_edit_arriving_late_does_not_undo_a_newer_one(web, pool, page):
    from sandbox import meta_webhooks

    deliver(web, pool, fixture_bytes("message"))
    mid = json.loads(fixture_bytes("message"))["entry"][0]["messaging"][0]["message"]["mid"]
    second = meta_webhooks.messenger_edit(PAGE_ID, PSID, mid, "second edit", num_edit=2)
    first = meta_webhooks.messenger_edit(PAGE_ID, PSID, mid, "first edit", num_edit=1)
    for item in (second, first):
        meta_webhooks.post(f"{web}/webhooks/facebook", meta_webhooks.delivery("page", [(PAGE_ID, [item])]), APP_SECRET)
        expand_webhooks(pool)
    assert transcript_texts(pool, page, PSID) == ["second edit"]


def test_an_instagram_unsend_takes_the_message_out_of_the_transcript(web, pool, page):
    deliver(web, pool, fixture_bytes("instagram_message"))
    with pool.connection() as conn:
        conn.execute("DELETE FROM pending_work WHERE kind = 'refresh'")
    assert len(transcript_texts(pool, page, IGSID)) == 1

    assert deliver(web, pool, fixture_bytes("instagram_unsend")).status_code == 200

    assert transcript_texts(pool, page, IGSID) == []
    with pool.connection() as conn:
        assert conn.execute("SELECT deleted_at FROM messages").fetchone()["deleted_at"] is not None
    assert owed_refreshes(pool) == 1


def test_a_message_edited_and_unsent_within_its_own_delivery_is_stored_as_it_ended_up(web, pool, page):
    from sandbox import meta_webhooks

    first = meta_webhooks.messenger_message(PAGE_ID, PSID, "40 bottles please", mid="m_firstdraft")
    edit = meta_webhooks.messenger_edit(PAGE_ID, PSID, "m_firstdraft", "400 bottles please")
    gone = meta_webhooks.messenger_message(PAGE_ID, PSID, "oops, wrong chat", mid="m_wrongchat")
    unsend = {**gone, "message": {"mid": "m_wrongchat", "is_deleted": True}}
    meta_webhooks.post(
        f"{web}/webhooks/facebook", meta_webhooks.delivery("page", [(PAGE_ID, [first, edit, gone, unsend])]), APP_SECRET
    )
    expand_webhooks(pool)

    assert transcript_texts(pool, page, PSID) == ["400 bottles please"]
    assert counts(pool)["events"] == 4
