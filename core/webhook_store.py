"""Storing a webhook delivery durably, before it is acknowledged: events, contacts, messages, edits,
unsends, refused items and the refreshes owed, in one transaction of set-based statements.

Two round trips: the connected pages, then every write pipelined. Every event has a natural key
(`dedupe_key`), so a re-delivery (Meta delivers at least once) stores nothing new and owes no new
refresh. Deliveries for pages that are not connected are counted and left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from psycopg import Connection
from psycopg.types.json import Jsonb

from core.webhook_events import (
    CONTENT_KINDS,
    MESSAGE_KINDS,
    EventKind,
    InboundEvent,
    ParsedDelivery,
    Rejection,
    excerpt,
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


@dataclass(frozen=True)
class _Known:
    page_pk: int
    event: InboundEvent


def store_delivery(conn: Connection, delivery: ParsedDelivery, debounce_seconds: float) -> StoredDelivery:
    result = StoredDelivery()
    rejections = list(delivery.rejections)
    with conn.transaction():
        pages = _connected_pages(conn, {e.account_id for e in delivery.events})
        known: list[_Known] = []
        for event in delivery.events:
            page = pages.get(event.account_id)
            if page is None:
                result.unknown_accounts.add(event.account_id)
            elif event.contact_id in page[1]:
                # An echo to our own Instagram account, or the page writing to itself: not a customer.
                rejections.append(Rejection(event.location, f"the customer {event.contact_id} is the page's own"
                                            " account", excerpt(event.item), event.object, event.account_id))
            else:
                known.append(_Known(page[0], event))
        result.rejected = len(rejections)
        with conn.pipeline():
            _upsert_contacts(conn, [k for k in known if k.event.kind in MESSAGE_KINDS])
            counted = _insert_events(conn, known, debounce_seconds)
            _insert_messages(conn, [k for k in known if k.event.kind in MESSAGE_KINDS])
            _apply_edits(conn, [k for k in known if k.event.kind is EventKind.EDIT])
            _apply_unsends(conn, [k for k in known if k.event.kind is EventKind.UNSEND])
            _touch_conversations(conn, [k for k in known if k.event.kind in CONTENT_KINDS])
            _record_rejections(conn, rejections)
            row = counted.fetchone()
    assert row is not None
    result.stored, result.refreshes = row["stored"], row["refreshes"]
    result.duplicates = len(known) - result.stored
    return result


def record_rejection(conn: Connection, rejection: Rejection) -> None:
    """A delivery refused as a whole (not JSON, not a messaging delivery, or refused by the database)."""
    _record_rejections(conn, [rejection])


def _connected_pages(conn: Connection, accounts: set[str]) -> dict[str, tuple[int, frozenset[str]]]:
    """Account id (page or Instagram) -> (page pk, the page's own ids, which are never customers)."""
    if not accounts:
        return {}
    rows = conn.execute(
        "SELECT id, page_id, instagram_account_id FROM facebook_pages"
        " WHERE is_active AND (page_id = ANY(%(ids)s) OR instagram_account_id = ANY(%(ids)s))",
        {"ids": list(accounts)},
    ).fetchall()
    found: dict[str, tuple[int, frozenset[str]]] = {}
    for row in rows:
        own = frozenset(filter(None, (row["page_id"], row["instagram_account_id"])))
        for account in own & accounts:
            found[account] = (row["id"], own)
    return found


def _upsert_contacts(conn: Connection, known: list[_Known]) -> None:
    """A new sender becomes a contact with no name yet (the refresh names them); one row per person,
    since `ON CONFLICT DO UPDATE` cannot touch a row twice in one statement."""
    latest: dict[tuple[int, str, str], Any] = {}
    for k in known:
        key = (k.page_pk, k.event.platform, k.event.contact_id)
        latest[key] = max(latest.get(key, k.event.timestamp), k.event.timestamp)
    for platform, column, flag in (("messenger", "messenger_psid", "has_messenger"),
                                   ("instagram", "instagram_sid", "has_instagram")):
        rows = [(page_pk, contact, at) for (page_pk, p, contact), at in latest.items() if p == platform]
        if not rows:
            continue
        conn.execute(
            f"INSERT INTO contacts (facebook_page_id, {column}, {flag}, last_interaction)"
            " SELECT u.page_pk, u.contact, true, u.at"
            " FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[]) AS u(page_pk, contact, at)"
            f" ON CONFLICT (facebook_page_id, {column}) DO UPDATE SET {flag} = true,"
            "  last_interaction = GREATEST(contacts.last_interaction, EXCLUDED.last_interaction),"
            "  updated_at = now()",
            ([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]),
        )


# The customer's contact, whichever platform column holds their id.
_CONTACT_OF = (
    " LEFT JOIN contacts cm ON u.platform = 'messenger' AND cm.facebook_page_id = u.page_pk"
    "  AND cm.messenger_psid = u.customer"
    " LEFT JOIN contacts ci ON u.platform = 'instagram' AND ci.facebook_page_id = u.page_pk"
    "  AND ci.instagram_sid = u.customer"
)


def _insert_events(conn: Connection, known: list[_Known], debounce_seconds: float) -> Any:
    """Every event once per natural key; new content events owe their contact a refresh, pushed
    back by each new one (the debounce) up to MAX_DEBOUNCE_SECONDS after the first. Returns the
    cursor whose single row counts what was stored and owed."""
    events = [k.event for k in known]
    return conn.execute(
        "WITH u AS (SELECT * FROM unnest(%(page)s::bigint[], %(object)s::text[], %(account)s::text[],"
        "   %(platform)s::text[], %(customer)s::text[], %(mid)s::text[], %(kind)s::text[], %(standby)s::boolean[],"
        "   %(payload)s::jsonb[], %(key)s::text[])"
        "  AS u(page_pk, object, account, platform, customer, mid, kind, standby, payload, dedupe_key)),"
        " inserted AS ("
        "  INSERT INTO webhook_events (facebook_page_id, contact_id, object, page_id, platform, sender_id, mid, kind,"
        "   standby, payload, dedupe_key)"
        "  SELECT u.page_pk, COALESCE(cm.id, ci.id), u.object, u.account, u.platform, u.customer, u.mid, u.kind,"
        f"   u.standby, u.payload, u.dedupe_key FROM u {_CONTACT_OF}"
        "  ON CONFLICT (dedupe_key) DO NOTHING RETURNING facebook_page_id, contact_id, kind),"
        " owed AS ("
        "  INSERT INTO pending_refreshes (contact_id, facebook_page_id, due_at)"
        "  SELECT DISTINCT contact_id, facebook_page_id, now() + make_interval(secs => %(debounce)s) FROM inserted"
        "  WHERE contact_id IS NOT NULL AND kind = ANY(%(content)s)"
        "  ON CONFLICT (contact_id) DO UPDATE SET"
        "   due_at = LEAST(EXCLUDED.due_at, pending_refreshes.pending_since + make_interval(secs => %(most)s)),"
        "   version = pending_refreshes.version + 1, attempts = 0"
        "  RETURNING contact_id)"
        " SELECT (SELECT count(*) FROM inserted) AS stored, (SELECT count(*) FROM owed) AS refreshes",
        {
            "page": [k.page_pk for k in known],
            "object": [e.object for e in events],
            "account": [e.account_id for e in events],
            "platform": [e.platform for e in events],
            "customer": [e.contact_id for e in events],
            "mid": [e.mid for e in events],
            "kind": [e.kind.value for e in events],
            "standby": [e.standby for e in events],
            "payload": [Jsonb(e.item) for e in events],
            "key": [e.dedupe_key for e in events],
            "debounce": debounce_seconds,
            "most": MAX_DEBOUNCE_SECONDS,
            "content": [kind.value for kind in CONTENT_KINDS],
        },
    )


def _insert_messages(conn: Connection, known: list[_Known]) -> None:
    """Once per mid; a message already stored (by a sync or an earlier delivery) is left as it is."""
    if not known:
        return
    events = [k.event for k in known]
    conn.execute(
        "INSERT INTO messages (conversation_id, contact_id, mid, sender_id, text, created_time, is_echo)"
        " SELECT (SELECT v.id FROM conversations v WHERE v.contact_id = COALESCE(cm.id, ci.id)"
        "   ORDER BY v.updated_time DESC LIMIT 1), COALESCE(cm.id, ci.id), u.mid, u.sender, u.text, u.at, u.is_echo"
        " FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::timestamptz[],"
        "  %s::boolean[]) AS u(page_pk, platform, customer, mid, sender, text, at, is_echo)"
        f" {_CONTACT_OF} WHERE COALESCE(cm.id, ci.id) IS NOT NULL"
        " ON CONFLICT (mid) DO NOTHING",
        (
            [k.page_pk for k in known], [e.platform for e in events], [e.contact_id for e in events],
            [e.mid for e in events], [e.sender_id for e in events], [e.text for e in events],
            [e.timestamp for e in events], [e.kind is EventKind.ECHO for e in events],
        ),
    )


def _apply_edits(conn: Connection, known: list[_Known]) -> None:
    """The stored text becomes the latest edit's; an older edit arriving late changes nothing."""
    latest: dict[str, _Known] = {}
    for k in known:
        seen = latest.get(k.event.mid or "")
        if seen is None or k.event.edit_number > seen.event.edit_number:
            latest[k.event.mid or ""] = k
    if not latest:
        return
    edits = list(latest.values())
    conn.execute(
        "UPDATE messages m SET text = u.text, edit_count = u.edit_number, edited_at = u.at"
        " FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::integer[], %s::timestamptz[])"
        "  AS u(page_pk, mid, text, edit_number, at), contacts c"
        " WHERE m.mid = u.mid AND c.id = m.contact_id AND c.facebook_page_id = u.page_pk"
        "  AND m.edit_count < u.edit_number",
        ([k.page_pk for k in edits], [k.event.mid for k in edits], [k.event.text for k in edits],
         [k.event.edit_number for k in edits], [k.event.timestamp for k in edits]),
    )


def _apply_unsends(conn: Connection, known: list[_Known]) -> None:
    """An unsent message stays on record, marked, and leaves the transcript the analyzer reads."""
    if not known:
        return
    conn.execute(
        "UPDATE messages m SET deleted_at = u.at"
        " FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[]) AS u(page_pk, mid, at), contacts c"
        " WHERE m.mid = u.mid AND c.id = m.contact_id AND c.facebook_page_id = u.page_pk AND m.deleted_at IS NULL",
        ([k.page_pk for k in known], [k.event.mid for k in known], [k.event.timestamp for k in known]),
    )


def _touch_conversations(conn: Connection, known: list[_Known]) -> None:
    """The conversation moved on: its analysis watermark must see the change as newer."""
    if not known:
        return
    conn.execute(
        "UPDATE conversations v SET updated_time = GREATEST(v.updated_time, t.at)"
        " FROM (SELECT COALESCE(cm.id, ci.id) AS contact_id, max(u.at) AS at"
        "  FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::timestamptz[]) AS u(page_pk, platform, customer, at)"
        f"  {_CONTACT_OF} GROUP BY 1) t WHERE v.contact_id = t.contact_id",
        ([k.page_pk for k in known], [k.event.platform for k in known], [k.event.contact_id for k in known],
         [k.event.timestamp for k in known]),
    )


def _record_rejections(conn: Connection, rejections: list[Rejection]) -> None:
    if not rejections:
        return
    conn.execute(
        "INSERT INTO webhook_rejections (object, account_id, location, reason, excerpt)"
        " SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[])",
        ([r.object for r in rejections], [r.account_id for r in rejections], [r.location for r in rejections],
         [r.reason for r in rejections], [r.excerpt for r in rejections]),
    )
