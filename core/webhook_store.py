"""Webhook deliveries: accepted durably before they are acknowledged, expanded later in bulk.

Accepting is one cheap statement: the delivery's validated items go into `webhook_inbox` as one
row, and its refused items into `webhook_rejections`, in one transaction (the pool is autocommit).
Expanding is the dispatcher's (worker/dispatch.py): one statement takes the oldest inbox rows, many deliveries at once,
and turns them into events, contacts, messages, edits, unsends and the refreshes owed, deleting
the rows in that same transaction. So a drain killed mid-way leaves every row for the next one,
and one that committed leaves none to expand again. Drains take turns (an advisory lock), which
keeps each contact's deliveries in order. Every event has a natural key (`dedupe_key`), so a
re-delivery (Meta delivers at least once) stores nothing new and owes no new refresh. Deliveries
for pages that are not connected are counted and left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict

import psycopg
from psycopg import RawCursor
from psycopg.types.json import Json

from core import recordset
from core.db import Conn
from core.recordset import IsoTime, recordset_columns
from core.webhook_events import CONTENT_KINDS, EXCERPT_CHARS, MESSAGE_KINDS, EventKind, ParsedDelivery, Rejection

# However often a customer writes, their refresh waits at most this long after their first message.
MAX_DEBOUNCE_SECONDS = 60
# Inbox rows one drain statement expands, at most so many items between them (but always at least
# one row: Meta's batches hold up to 1000 items), and how many such statements one drain runs
# before it lets the refreshes due be queued. Large batches: PostgreSQL's work for one statement
# grows with its rows, while its fixed part (the plan, the joins' setup, the commit) is paid once;
# 2,000 deliveries a statement expand about 1.6x as many a second as 200 did, well above what the
# web process acknowledges (README "Performance"), so a sustained burst cannot outgrow the drain.
DRAIN_BATCH = 2000
DRAIN_BATCH_ITEMS = 20000
DRAIN_MOST_BATCHES = 5
# Held by the drain for its transaction: one drain at a time keeps each contact's deliveries in order.
_DRAIN_LOCK_KEY = 0x0FB5_0012
# SQLSTATE classes a retry can cure: connection trouble (08), resources (53), shutdown (57),
# serialization and deadlocks (40). Anything else is about the data, and would fail again.
_TRANSIENT_CLASSES = frozenset({"08", "40", "53", "57"})


def is_transient(exc: psycopg.Error) -> bool:
    return exc.sqlstate is None or exc.sqlstate[:2] in _TRANSIENT_CLASSES


class _InboxItem(TypedDict):
    """One validated item, as `webhook_inbox.items` keeps it until the drain reads it as `given`.
    Rows accepted by the release before stay in the inbox across a deploy: a key renamed here reads
    as NULL in them."""

    ord: int  # the item's place in its delivery: the drain stores them in that order
    object: str
    account: str
    platform: str
    customer: str
    sender: str
    mid: str | None
    kind: str
    standby: bool
    payload: dict[str, Any]
    dedupe_key: str
    text: str | None
    at: IsoTime
    edit_number: int
    location: str


class _RefusedItem(TypedDict):
    object: str | None
    account: str | None
    location: str
    reason: str
    excerpt: str


def accept_delivery(conn: Conn, delivery: ParsedDelivery) -> int:
    """The validated items on record for the drain, the refused ones for an operator: one statement.
    Returns how many items it accepted (none for a delivery of refused or ignored items only)."""
    items, refused = _inbox_items(delivery), _refused_items(delivery)
    # A raw cursor ($n placeholders): the statement is sent as written, not re-parsed for %s each time.
    with RawCursor(conn) as cursor:
        if refused:
            cursor.execute(_ACCEPT_WITH_REJECTIONS, (_json(items) if items else None, _json(refused)))
        elif items:
            cursor.execute(_ACCEPT, (_json(items),))
    return len(items)


def _inbox_items(delivery: ParsedDelivery) -> list[_InboxItem]:
    return [
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
            "text": e.text,
            "at": e.timestamp.isoformat(),
            "edit_number": e.edit_number,
            "location": e.location,
        }
        for n, e in enumerate(delivery.events)
    ]


def _refused_items(delivery: ParsedDelivery) -> list[_RefusedItem]:
    return [
        {"object": r.object, "account": r.account_id, "location": r.location, "reason": r.reason, "excerpt": r.excerpt}
        for r in delivery.rejections
    ]


def _json(rows: list[_InboxItem] | list[_RefusedItem]) -> Json:
    return Json(rows, dumps=recordset.dumps)


def record_rejection(conn: Conn, rejection: Rejection) -> None:
    """A delivery refused as a whole (not JSON, not a messaging delivery, or refused by the database)."""
    conn.execute(
        "INSERT INTO webhook_rejections (object, account_id, location, reason, excerpt) VALUES (%s, %s, %s, %s, %s)",
        (rejection.object, rejection.account_id, rejection.location, rejection.reason, rejection.excerpt),
    )


@dataclass
class Expanded:
    """What one drain made of the deliveries it took."""

    deliveries: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    refreshes: int = 0  # contacts whose refresh is now owed (or pushed back)
    unknown_accounts: set[str] = field(default_factory=set)
    busy: bool = False  # another drain held the turn: it expands what is waiting
    more: bool = False  # deliveries still wait: the drain stopped at its bound, not at the end


@dataclass(frozen=True)
class InboxStatus:
    depth: int  # deliveries acknowledged and not yet expanded
    oldest_seconds: float  # how long the oldest of them has waited (0 when none)


def inbox_status(conn: Conn) -> InboxStatus:
    """For /healthz and /metrics: a count of the waiting rows, and the oldest's age by its id (the
    primary key), the order the drain takes them in."""
    row = conn.execute(_STATUS).fetchone()
    assert row is not None
    return InboxStatus(row["depth"], float(row["oldest_seconds"]))


def expand_deliveries(conn: Conn, debounce_seconds: float, batch: int = DRAIN_BATCH) -> Expanded:
    """The deliveries waiting in the inbox (up to DRAIN_MOST_BATCHES batches), expanded oldest first,
    `batch` deliveries per transaction.

    A batch the database refuses (not for want of it: that error is raised, and the rows wait) is
    taken again one delivery at a time, and the one refused alone is set aside whole in
    `webhook_rejections`, so that no delivery can stall the ones behind it."""
    total = Expanded()
    size = batch
    for _ in range(DRAIN_MOST_BATCHES * batch):  # bounded even if every batch were taken one by one
        with conn.transaction():
            if not _my_turn(conn):
                total.busy = True
                return total
            try:
                with conn.transaction():  # a savepoint: a refused batch is undone, the turn kept
                    row = conn.execute(
                        _EXPAND,
                        {
                            "batch": size,
                            "items": DRAIN_BATCH_ITEMS,
                            "debounce": debounce_seconds,
                            "most": MAX_DEBOUNCE_SECONDS,
                        },
                    ).fetchone()
            except psycopg.Error as exc:
                if is_transient(exc):
                    raise
                if size == 1:  # still our turn, so the oldest is the one just refused
                    conn.execute(_SET_ASIDE, (f"refused by the database when expanded ({type(exc).__name__})",))
                    total.rejected += 1
                size = 1 if size > 1 else batch
                continue
        assert row is not None
        total.deliveries += row["deliveries"]
        total.stored += row["stored"]
        total.duplicates += row["known"] - row["stored"]
        total.rejected += row["rejected"]
        total.refreshes += row["refreshes"]
        total.unknown_accounts.update(row["unknown"])
        total.more = row["more"]
        if not row["more"] or total.deliveries >= DRAIN_MOST_BATCHES * batch:
            return total
    return total


def _my_turn(conn: Conn) -> bool:
    turn = conn.execute("SELECT pg_try_advisory_xact_lock(%s) AS ok", (_DRAIN_LOCK_KEY,)).fetchone()
    return turn is not None and bool(turn["ok"])


def _kinds(kinds: frozenset[EventKind]) -> str:
    return "(" + ", ".join(f"'{kind.value}'" for kind in sorted(kinds)) + ")"


_ACCEPT = "INSERT INTO webhook_inbox (items) VALUES ($1)"

_STATUS = """
SELECT (SELECT count(*) FROM webhook_inbox) AS depth,
  COALESCE((SELECT extract(epoch FROM now() - received_at) FROM webhook_inbox ORDER BY id LIMIT 1), 0) AS oldest_seconds
"""

_ACCEPT_WITH_REJECTIONS = f"""
WITH refused AS (
  INSERT INTO webhook_rejections (object, account_id, location, reason, excerpt)
  SELECT object, account, location, reason, excerpt FROM json_to_recordset($2::json)
    AS r({recordset_columns(_RefusedItem)}))
INSERT INTO webhook_inbox (items) SELECT $1::json WHERE $1::json IS NOT NULL
"""

# The oldest delivery, which the database refuses to expand: on record whole, to be replayed by hand.
_SET_ASIDE = """
WITH gone AS (
  DELETE FROM webhook_inbox WHERE id = (SELECT min(id) FROM webhook_inbox) RETURNING received_at, items)
INSERT INTO webhook_rejections (received_at, location, reason, excerpt)
SELECT received_at, 'body', %s, items::text FROM gone
"""

# Data-modifying CTEs all run, to completion, on the statement's one snapshot: each reads the input
# and the RETURNING of those before it, never another's writes. So a message edited or unsent by a
# later item of the same batch is folded into its own row before it is inserted (`u`), rather
# than inserted and then updated.
_EXPAND = f"""
WITH batch AS (
  DELETE FROM webhook_inbox WHERE id IN (
    SELECT id FROM (
      SELECT id, row_number() OVER w AS n, sum(json_array_length(items)) OVER w AS upto
      FROM (SELECT id, items FROM webhook_inbox ORDER BY id LIMIT %(batch)s) oldest WINDOW w AS (ORDER BY id)) counted
    WHERE n = 1 OR upto <= %(items)s)
  RETURNING id, received_at, items),
given AS (
  SELECT b.id AS delivery, b.received_at, i.* FROM batch b,
    json_to_recordset(b.items) AS i({recordset_columns(_InboxItem)})),
last_edit AS (
  SELECT DISTINCT ON (mid) mid, text, edit_number FROM given WHERE kind = 'edit' ORDER BY mid, edit_number DESC),
u AS (
  SELECT g.delivery, g.ord, g.received_at, g.object, g.account, g.platform, g.customer, g.sender, g.mid, g.kind,
    g.standby, g.payload, g.dedupe_key, g.at, g.location,
    CASE WHEN e.mid IS NULL THEN g.text ELSE e.text END AS text, COALESCE(e.edit_number, g.edit_number) AS edit_number,
    g.kind IN {_kinds(MESSAGE_KINDS)} AND g.mid IN (SELECT mid FROM given WHERE kind = 'unsend') AS unsent
  FROM given g LEFT JOIN last_edit e ON g.kind IN {_kinds(MESSAGE_KINDS)} AND e.mid = g.mid),
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
    standby, payload, dedupe_key, received_at)
  SELECT page_pk, contact_id, object, account, platform, customer, mid, kind, standby, payload, dedupe_key,
    received_at
  FROM resolved ORDER BY delivery, ord
  ON CONFLICT (dedupe_key) DO NOTHING RETURNING facebook_page_id, contact_id, kind, received_at),
-- The contacts whose content this is, locked before their pending_work rows as a refresh's commit
-- locks them (contacts, then conversations, then its pending_work row): an edit or an unsend, which
-- inserts no contact, would otherwise take the row first and then wait for the refresh, which waits for it.
held AS (
  SELECT id FROM contacts WHERE id IN (
    SELECT contact_id FROM resolved WHERE kind IN {_kinds(CONTENT_KINDS)})
  ORDER BY id FOR NO KEY UPDATE),
-- New content owes its contact a refresh, due the debounce after the delivery (not after the drain)
-- and pushed back by each new one, but at most MAX_DEBOUNCE_SECONDS after the first one still owed.
owed AS (
  INSERT INTO pending_work (kind, subject_id, facebook_page_id, due_at, pending_since)
  SELECT 'refresh', contact_id, facebook_page_id, LEAST(max(received_at) + make_interval(secs => %(debounce)s::float8),
    min(received_at) + make_interval(secs => %(most)s::float8)), min(received_at)
  FROM inserted WHERE contact_id IS NOT NULL AND kind IN {_kinds(CONTENT_KINDS)} AND (SELECT count(*) FROM held) >= 0
  GROUP BY contact_id, facebook_page_id
  ON CONFLICT (kind, subject_id) DO UPDATE SET
    due_at = LEAST(EXCLUDED.due_at, pending_work.pending_since + make_interval(secs => %(most)s::float8)),
    version = pending_work.version + 1, attempts = 0
  RETURNING subject_id),
-- Once per mid; a message already stored (by a sync or an earlier delivery) is left as it is.
added AS (
  INSERT INTO messages (conversation_id, contact_id, mid, sender_id, text, created_time, is_echo, edit_count,
    deleted_at)
  SELECT (SELECT v.id FROM conversations v WHERE v.contact_id = r.contact_id AND v.platform = r.platform
          ORDER BY v.updated_time DESC LIMIT 1),
    r.contact_id, r.mid, r.sender, r.text, r.at, r.kind = 'echo', r.edit_number, CASE WHEN r.unsent THEN r.at END
  FROM resolved r WHERE r.kind IN {_kinds(MESSAGE_KINDS)} AND r.contact_id IS NOT NULL
  ON CONFLICT (mid) DO NOTHING RETURNING 1),
-- The stored text becomes the latest edit's; an older edit arriving late changes nothing.
edited AS (
  UPDATE messages m SET text = e.text, edit_count = e.edit_number
  FROM (SELECT DISTINCT ON (mid) mid, text, edit_number, contact_id FROM resolved WHERE kind = 'edit'
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
  FROM (SELECT contact_id, platform, max(at) AS at FROM resolved
        WHERE kind IN {_kinds(CONTENT_KINDS)} AND contact_id IS NOT NULL GROUP BY contact_id, platform) c
  WHERE v.contact_id = c.contact_id AND v.platform = c.platform RETURNING 1),
-- Only the drain knows the page's own ids; every other refused item was recorded at acceptance.
refused AS (
  INSERT INTO webhook_rejections (received_at, object, account_id, location, reason, excerpt)
  SELECT received_at, object, account, location, 'the customer ' || customer || ' is the page''s own account',
    left(payload::text, {EXCERPT_CHARS}) FROM p WHERE own
  RETURNING 1)
SELECT (SELECT count(*) FROM batch) AS deliveries,
  EXISTS (SELECT 1 FROM webhook_inbox WHERE id NOT IN (SELECT id FROM batch)) AS more,
  (SELECT count(*) FROM inserted) AS stored,
  (SELECT count(*) FROM ok) AS known, (SELECT count(*) FROM owed) AS refreshes,
  (SELECT count(*) FROM refused) AS rejected,
  ARRAY(SELECT DISTINCT account FROM u WHERE account NOT IN (SELECT account FROM p)) AS unknown
"""
