"""A page's contacts as CSV, streamed: PostgreSQL writes the rows (COPY ... TO STDOUT, FORMAT csv) and
they go to a binary file-like as they arrive, so memory stays the same for 1,000 or 1,000,000 rows.

The encoding is PostgreSQL's CSV (RFC 4180 quoting: a field with a comma, a quote, a CR or LF is
quoted, quotes doubled), UTF-8, one LF per row, after a UTF-8 byte order mark: without one Excel
reads a CSV in the machine's legacy code page and turns Arabic, Cyrillic or emoji into mojibake;
LibreOffice, Google Sheets and Python's `utf-8-sig` read the mark and drop it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from core.db import Conn

BOM = "\ufeff".encode()

# OWASP's CSV injection advice: spreadsheets run a cell that starts with one of these as a formula
# (`=HYPERLINK(...)`, `+cmd|...`, `@SUM(...)`; tab and CR start one in some of them). A leading
# apostrophe makes such a cell text; Excel and LibreOffice show it without the apostrophe.
FORMULA_START = r"^[-=+@\t\r]"

# Rows between two progress reports.
PROGRESS_EVERY = 1000

# (header, SQL expression, text from people or Meta: neutralised). Times are UTC, in the form
# spreadsheets read as a date and time.
_UTC = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("page", "p.name", True),
    (
        "platform",
        "CASE WHEN c.messenger_psid IS NOT NULL AND c.instagram_sid IS NOT NULL THEN 'Messenger + Instagram'"
        " WHEN c.messenger_psid IS NOT NULL THEN 'Messenger' ELSE 'Instagram' END",
        False,
    ),
    ("messenger_id", "c.messenger_psid", True),
    ("instagram_id", "c.instagram_sid", True),
    ("first_name", "c.first_name", True),
    ("last_name", "c.last_name", True),
    ("instagram_username", "c.instagram_username", True),
    ("stage", "s.name", True),
    # Who put the contact in its stage: "AI" (the analysis) or the Slack user id of the person.
    ("stage_set_by", "CASE WHEN c.stage_id IS NULL THEN NULL ELSE coalesce(c.stage_set_by, 'AI') END", True),
    ("score", "c.lead_score", False),
    ("status", "c.lead_status", True),
    ("confidence", "c.ai_confidence", False),
    ("summary", "c.ai_context", True),
    ("last_interaction_utc", _UTC.format("c.last_interaction"), False),
    ("stage_entered_at_utc", _UTC.format("c.stage_entered_at"), False),
)
HEADER = tuple(name for name, _, _ in COLUMNS)

ProgressCallback = Callable[[int, int], None]  # (rows written so far, rows in the export)


def neutralised(expression: str) -> str:
    """The SQL of a text cell that a spreadsheet shows as text, never runs as a formula."""
    return f"CASE WHEN {expression} ~ '{FORMULA_START}' THEN '''' || {expression} ELSE {expression} END"


def _select() -> str:
    cells = ", ".join(f'{neutralised(sql) if text else sql} AS "{name}"' for name, sql, text in COLUMNS)
    return (
        f"SELECT {cells} FROM contacts c JOIN facebook_pages p ON p.id = c.facebook_page_id"
        " LEFT JOIN pipeline_stages s ON s.id = c.stage_id"
        " WHERE c.facebook_page_id = %(page)s AND (%(stage)s::bigint IS NULL OR c.stage_id = %(stage)s)"
        # The order contacts were first stored: stable from one export to the next.
        " ORDER BY c.id"
    )


def count_contacts(conn: Conn, page_pk: int, stage_id: int | None = None) -> int:
    row = conn.execute(
        "SELECT count(*) AS n FROM contacts WHERE facebook_page_id = %(page)s"
        " AND (%(stage)s::bigint IS NULL OR stage_id = %(stage)s)",
        {"page": page_pk, "stage": stage_id},
    ).fetchone()
    return int(row["n"]) if row else 0


def export_contacts(
    conn: Conn,
    page_pk: int,
    out: IO[bytes],
    *,
    stage_id: int | None = None,
    on_progress: ProgressCallback | None = None,
    every: int = PROGRESS_EVERY,
) -> int:
    """Write the page's contacts (those of `stage_id` only, when given) to `out` as CSV with a header;
    returns how many rows. `on_progress` hears every `every` rows; the count it is given and the rows
    come from one snapshot, so "40,000 of 100,000" adds up whatever syncs write meanwhile."""
    params = {"page": page_pk, "stage": stage_id}
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        total = count_contacts(conn, page_pk, stage_id) if on_progress else 0
        out.write(BOM)
        # PostgreSQL sends each row of a COPY TO as one message (the header first), and psycopg
        # yields one block per message: counting blocks counts rows.
        blocks = 0
        statement = f"COPY ({_select()}) TO STDOUT WITH (FORMAT csv, HEADER)"
        with conn.cursor() as cursor, cursor.copy(statement, params) as copy:
            for block in copy:
                out.write(block)
                blocks += 1
                if on_progress and blocks > 1 and (blocks - 1) % every == 0:
                    on_progress(blocks - 1, total)
    rows = max(blocks - 1, 0)
    if on_progress:
        on_progress(rows, total)
    return rows
