"""Storing a webhook delivery durably, before it is acknowledged: events, contacts, messages, edits,
unsends, refused items and the refreshes owed.

One statement for the whole delivery (set-based, data-modifying CTEs): one round trip and, the pool
being autocommit, one transaction. Every event has a natural key (`dedupe_key`), so a re-delivery
(Meta delivers at least once) stores nothing new and owes no new refresh. Deliveries for pages that
are not connected are counted and left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg import RawCursor
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from core.db import Conn
from core.webhook_events import (
    CONTENT_KINDS,
    EXCERPT_CHARS,
    MESSAGE_KINDS,
    EventKind,
    InboundEvent,
    ParsedDelivery,
    Rejection,
)

# However often a customer writes, their refresh waits at most this long after their first message.
MAX_DEBOUNCE_SECONDS = 60


@dataclass
class StoredDelivery:
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    refreshes: int = 0  # contacts whose refresh is now owed (or pushed back)
    unknown_accounts: set[str] = field(default_factory=set)


def store_delivery(conn: Conn, delivery: ParsedDelivery, debounce_seconds: float) -> StoredDelivery:
    events = delivery.events
    texts, edit_numbers, unsent = _folded_into_their_messages(events)
    rows = [
        {
            "ord": n,
            "object": e.object,
            "account": e.account_id,
            "platform": e.platform,
            "customer": e.contact_id,
            "sender": e.sender_id,
            "mid": e.mid,
            "kind": e.kind.value,
            "standby": e.standby,
            "payload": e.item,
            "dedupe_key": e.dedupe_key,
            "text": text,
            "at": e.timestamp.isoformat(),
            "edit_number": edit_number,
            "unsent": gone,
            "location": e.location,
        }
        for n, (e, text, edit_number, gone) in enumerate(zip(events, texts, edit_numbers, unsent, strict=True))
    ]
    refused = [
        {"object": r.object, "account": r.account_id, "location": r.location, "reason": r.reason, "excerpt": r.excerpt}
        for r in delivery.rejections
    ]
    # A raw cursor ($n placeholders): the statement is sent as written, not re-parsed for %s on each call.
    with RawCursor(conn, row_factory=dict_row) as cursor:
        row = cursor.execute(
            _STORE, (Jsonb(rows), Jsonb(refused), debounce_seconds, MAX_DEBOUNCE_SECONDS, EXCERPT_CHARS)
        ).fetchone()
    assert row is not None
    return StoredDelivery(
        stored=row["stored"],
        duplicates=row["known"] - row["stored"],
        rejected=row["rejected"],
        refreshes=row["refreshes"],
        unknown_accounts=set(row["unknown"]),
    )


def record_rejection(conn: Conn, rejection: Rejection) -> None:
    """A delivery refused as a whole (not JSON, not a messaging delivery, or refused by the database)."""
    conn.execute(
        "INSERT INTO webhook_rejections (object, account_id, location, reason, excerpt) VALUES (%s, %s, %s, %s, %s)",
        (rejection.object, rejection.account_id, rejection.location, rejection.reason, rejection.excerpt),
    )


def _folded_into_their_messages(events: list[InboundEvent]) -> tuple[list[str | None], list[int], list[bool]]:
    """Each event's text, edit number and unsent flag, with a message edited or unsent within its own
    delivery stored as it ended up: one statement cannot insert a row and then update it."""
    edits: dict[str, InboundEvent] = {}
    unsends: set[str] = set()
    for event in events:
        if event.kind is EventKind.EDIT and event.mid:
            seen = edits.get(event.mid)
            if seen is None or event.edit_number > seen.edit_number:
                edits[event.mid] = event
        elif event.kind is EventKind.UNSEND and event.mid:
            unsends.add(event.mid)
    texts: list[str | None] = []
    edit_numbers: list[int] = []
    unsent: list[bool] = []
    for event in events:
        edit = edits.get(event.mid or "") if event.kind in MESSAGE_KINDS else None
        texts.append(edit.text if edit else event.text)
        edit_numbers.append(edit.edit_number if edit else event.edit_number)
        unsent.append(event.kind in MESSAGE_KINDS and event.mid in unsends)
    return texts, edit_numbers, unsent


def _kinds(kinds: frozenset[EventKind]) -> str:
    return "(" + ", ".join(f"'{kind.value}'" for kind in sorted(kinds)) + ")"


# Data-modifying CTEs all run, to completion, on the statement's one snapshot: each reads the input
# and the RETURNING of those before it, never another's writes (hence the folding above).
_STORE = f"""
WITH u AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS u(ord int, object text, account text, platform text,
    customer text, sender text, mid text, kind text, standby boolean, payload jsonb, dedupe_key text, text text,
    at timestamptz, edit_number int, unsent boolean, location text)),
-- Connected pages only; a page's own ids (page, Instagram account) are never its customers.
-- (Two joins, each on its unique index, rather than one on an OR that no index serves.)
p AS (
  SELECT u.*, COALESCE(fp.id, fi.id) AS page_pk,
    u.customer IN (COALESCE(fp.page_id, fi.page_id), COALESCE(fp.instagram_account_id, fi.instagram_account_id, ''))
    AS own
  FROM u LEFT JOIN facebook_pages fp ON fp.page_id = u.account AND fp.is_active
  LEFT JOIN facebook_pages fi ON fi.instagram_account_id = u.account AND fi.is_active
  WHERE COALESCE(fp.id, fi.id) IS NOT NULL),
ok AS (SELECT * FROM p WHERE NOT own),
-- A new sender becomes a contact with no name yet (the refresh names them); one row per person.
fresh AS (
  SELECT DISTINCT ON (page_pk, platform, customer) page_pk, platform, customer, at FROM ok
  WHERE kind IN {_kinds(MESSAGE_KINDS)} ORDER BY page_pk, platform, customer, at DESC),
cm AS (
  INSERT INTO contacts (facebook_page_id, messenger_psid, has_messenger, last_interaction)
  SELECT page_pk, customer, true, at FROM fresh WHERE platform = 'messenger'
  ON CONFLICT (facebook_page_id, messenger_psid) DO UPDATE SET has_messenger = true,
    last_interaction = GREATEST(contacts.last_interaction, EXCLUDED.last_interaction), updated_at = now()
  RETURNING id, facebook_page_id, messenger_psid AS customer, 'messenger'::text AS platform),
ci AS (
  INSERT INTO contacts (facebook_page_id, instagram_sid, has_instagram, last_interaction)
  SELECT page_pk, customer, true, at FROM fresh WHERE platform = 'instagram'
  ON CONFLICT (facebook_page_id, instagram_sid) DO UPDATE SET has_instagram = true,
    last_interaction = GREATEST(contacts.last_interaction, EXCLUDED.last_interaction), updated_at = now()
  RETURNING id, facebook_page_id, instagram_sid AS customer, 'instagram'::text AS platform),
touched AS (SELECT * FROM cm UNION ALL SELECT * FROM ci),
-- Reads, deliveries, reactions, edits and unsends only name contacts we may already have.
resolved AS (
  SELECT ok.*, COALESCE(t.id, xm.id, xi.id) AS contact_id FROM ok
  LEFT JOIN touched t ON t.facebook_page_id = ok.page_pk AND t.platform = ok.platform AND t.customer = ok.customer
  LEFT JOIN contacts xm ON t.id IS NULL AND ok.platform = 'messenger' AND xm.facebook_page_id = ok.page_pk
    AND xm.messenger_psid = ok.customer
  LEFT JOIN contacts xi ON t.id IS NULL AND ok.platform = 'instagram' AND xi.facebook_page_id = ok.page_pk
    AND xi.instagram_sid = ok.customer),
inserted AS (
  INSERT INTO webhook_events (facebook_page_id, contact_id, object, page_id, platform, sender_id, mid, kind,
    standby, payload, dedupe_key)
  SELECT page_pk, contact_id, object, account, platform, customer, mid, kind, standby, payload, dedupe_key
  FROM resolved ORDER BY ord
  ON CONFLICT (dedupe_key) DO NOTHING RETURNING facebook_page_id, contact_id, kind),
-- New content owes its contact a refresh, pushed back by each new one (the debounce), but at most
-- MAX_DEBOUNCE_SECONDS after the first one still owed.
owed AS (
  INSERT INTO pending_refreshes (contact_id, facebook_page_id, due_at)
  SELECT DISTINCT contact_id, facebook_page_id, now() + make_interval(secs => $3::float8) FROM inserted
  WHERE contact_id IS NOT NULL AND kind IN {_kinds(CONTENT_KINDS)}
  ON CONFLICT (contact_id) DO UPDATE SET
    due_at = LEAST(EXCLUDED.due_at, pending_refreshes.pending_since + make_interval(secs => $4::float8)),
    version = pending_refreshes.version + 1, attempts = 0
  RETURNING contact_id),
-- Once per mid; a message already stored (by a sync or an earlier delivery) is left as it is.
added AS (
  INSERT INTO messages (conversation_id, contact_id, mid, sender_id, text, created_time, is_echo, edit_count,
    edited_at, deleted_at)
  SELECT (SELECT v.id FROM conversations v WHERE v.contact_id = r.contact_id ORDER BY v.updated_time DESC LIMIT 1),
    r.contact_id, r.mid, r.sender, r.text, r.at, r.kind = 'echo', r.edit_number,
    CASE WHEN r.edit_number > 0 THEN r.at END, CASE WHEN r.unsent THEN r.at END
  FROM resolved r WHERE r.kind IN {_kinds(MESSAGE_KINDS)} AND r.contact_id IS NOT NULL
  ON CONFLICT (mid) DO NOTHING RETURNING 1),
-- The stored text becomes the latest edit's; an older edit arriving late changes nothing.
edited AS (
  UPDATE messages m SET text = e.text, edit_count = e.edit_number, edited_at = e.at
  FROM (SELECT DISTINCT ON (mid) mid, text, edit_number, at, contact_id FROM resolved WHERE kind = 'edit'
        ORDER BY mid, edit_number DESC) e
  WHERE m.mid = e.mid AND m.contact_id = e.contact_id AND m.edit_count < e.edit_number RETURNING 1),
-- An unsent message stays on record, marked, and leaves the transcript the analyzer reads.
unsent AS (
  UPDATE messages m SET deleted_at = d.at
  FROM (SELECT DISTINCT ON (mid) mid, at, contact_id FROM resolved WHERE kind = 'unsend' ORDER BY mid, at) d
  WHERE m.mid = d.mid AND m.contact_id = d.contact_id AND m.deleted_at IS NULL RETURNING 1),
-- The conversation moved on: its analysis watermark must see the change as newer.
moved AS (
  UPDATE conversations v SET updated_time = GREATEST(v.updated_time, c.at)
  FROM (SELECT contact_id, max(at) AS at FROM resolved
        WHERE kind IN {_kinds(CONTENT_KINDS)} AND contact_id IS NOT NULL GROUP BY contact_id) c
  WHERE v.contact_id = c.contact_id RETURNING 1),
refused AS (
  INSERT INTO webhook_rejections (object, account_id, location, reason, excerpt)
  SELECT object, account, location, 'the customer ' || customer || ' is the page''s own account',
    left(payload::text, $5::int) FROM p WHERE own
  UNION ALL
  SELECT object, account, location, reason, excerpt FROM jsonb_to_recordset($2::jsonb)
    AS r(object text, account text, location text, reason text, excerpt text)
  RETURNING 1)
SELECT (SELECT count(*) FROM inserted) AS stored, (SELECT count(*) FROM ok) AS known,
  (SELECT count(*) FROM owed) AS refreshes, (SELECT count(*) FROM refused) AS rejected,
  ARRAY(SELECT DISTINCT account FROM u WHERE account NOT IN (SELECT account FROM p)) AS unknown
"""
