"""Each row a statement sends as JSON reads back, through the statement's own column definition
list, as it was built: a key that the list lacks or spells otherwise would read back as NULL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, get_args

from psycopg import sql

from core import recordset
from core.extract import ContactRecord, ConversationRecord, MessageRecord, Name
from core.recordset import IsoTime, recordset_columns
from core.store import _BATCH_ROWS, _SAVE, _Batch, _batch
from core.webhook_events import parse_delivery
from core.webhook_store import (
    _ACCEPT_WITH_REJECTIONS,
    _EXPAND,
    _inbox_items,
    _InboxItem,
    _refused_items,
    _RefusedItem,
    accept_delivery,
)
from sandbox import meta_webhooks

PAGE_ID, PSID, PSID2 = "104857600000001", "24511230000123", "24511230000456"
AT = datetime(2025, 1, 15, 12, 0, 1, 512000, tzinfo=UTC)


def as_read(row: Any, shape: type) -> dict[str, Any]:
    """A row as PostgreSQL reads it back: its ISO times as times."""
    times = {name for name, hint in recordset.fields(shape).items() if hint == IsoTime}
    return {key: datetime.fromisoformat(value) if key in times else value for key, value in row.items()}


def test_every_array_of_a_sync_batch_reads_back_as_built(pool) -> None:
    # Every field that may be empty is filled: a NULL read back can only be a key the list lost.
    ada = ContactRecord("messenger", PSID, Name("Ada", "Lovelace"), "ada.l", AT)
    grace = ContactRecord("messenger", PSID2, Name("Grace", "Hopper"), "grace.h", AT)
    said = MessageRecord("m_shape1", PSID, "Ada Lovelace", "40 bottles please", AT, False)
    replied = MessageRecord("m_shape2", PAGE_ID, "Bluebird", "Gladly", AT, True)
    batch = _batch([ConversationRecord("t_shape", "messenger", AT, (ada, grace), (said, replied))])
    statements = [statement.as_string(None) for statement in _SAVE.values()]

    with pool.connection() as conn:
        for key, rows in recordset.fields(_Batch).items():
            [shape] = get_args(rows)
            read = sql.SQL("WITH batch AS (SELECT %s::jsonb AS doc) SELECT u.* FROM batch, {rows}").format(
                rows=_BATCH_ROWS[key]
            )
            back = conn.execute(read, (recordset.dumps(batch),)).fetchall()

            assert back == [as_read(row, shape) for row in batch[key]], key  # type: ignore[literal-required]
            assert back and all(None not in row.values() for row in back), key
            assert all(_BATCH_ROWS[key].as_string(None) in statement for statement in statements), key


def test_inbox_items_and_refused_items_read_back_as_accepted(pool) -> None:
    message = meta_webhooks.messenger_message(PAGE_ID, PSID, "40 bottles please", mid="m_shape1")
    edit = meta_webhooks.messenger_edit(PAGE_ID, PSID, "m_shape1", "400 bottles please", num_edit=2)
    junk = {**meta_webhooks.messenger_message(PAGE_ID, PSID2, "x", mid="m_junk"), "timestamp": "soon"}
    delivery = parse_delivery(meta_webhooks.delivery("page", [(PAGE_ID, [message, edit, junk])]))
    items, refused = _inbox_items(delivery), _refused_items(delivery)
    given = f"json_to_recordset(items) AS i({recordset_columns(_InboxItem)})"

    with pool.connection() as conn:
        assert accept_delivery(conn, delivery) == 2
        back = conn.execute(f"SELECT i.* FROM webhook_inbox, {given}").fetchall()
        on_record = conn.execute(
            "SELECT object, account_id AS account, location, reason, excerpt FROM webhook_rejections"
        ).fetchall()

    assert back == [as_read(item, _InboxItem) for item in items]
    assert back and all(None not in row.values() for row in back)
    assert on_record == refused and len(refused) == 1 and None not in refused[0].values()
    # The drain reads the inbox, and the acceptance the refused items, through these same lists.
    assert given.replace("items", "b.items") in _EXPAND
    assert f"AS r({recordset_columns(_RefusedItem)})" in _ACCEPT_WITH_REJECTIONS
