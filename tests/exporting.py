"""What the export tests share: a synced page whose people have awkward names, and the rows an export
of it must hold, read from the database independently of the export's SQL (through core.leads)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from core import leads
from core.db import Pool
from core.leads import HEADER, Lead
from sandbox.graph_sim import SimPage

SHOP = SimPage(
    page_id="640000000000001",
    name='Fig Bakery, "Downtown"',
    token="fig-export-token-7u8i9o",
    messenger_count=14,
    instagram_count=4,
    instagram_account_id="17841400000000640",
    instagram_username="figbakery",
    seed=41,
)

# (first name, last name, Instagram username): commas, quotes, newlines, scripts, emoji, and the
# cells a spreadsheet would run as formulas.
AWKWARD = [
    ('Zoë, "the baker"', "O'Neil", "zoe,bakes"),
    ("line one\nline two", "carriage\r\nreturn", None),
    ("فاطمة", "الزهراء", "fatima_ع"),
    ("李", "小龙", None),
    ("🍰 Cake", "👩‍🍳", "cake🍰"),
    ('=HYPERLINK("http://evil.example/x","click")', "+1 555 0100", "@admin"),
    ("-2+3", "\t=1+1", "\r=cmd"),
]


def make_awkward(pool: Pool, page_pk: int) -> None:
    """The page's first contacts get the awkward names, and a summary full of trouble."""
    with pool.connection() as conn:
        ids = [
            r["id"]
            for r in conn.execute(
                "SELECT id FROM contacts WHERE facebook_page_id = %s ORDER BY id LIMIT %s", (page_pk, len(AWKWARD))
            ).fetchall()
        ]
        assert len(ids) == len(AWKWARD)
        for contact_id, (first, last, username) in zip(ids, AWKWARD, strict=True):
            conn.execute(
                "UPDATE contacts SET first_name = %s, last_name = %s, instagram_username = %s,"
                " ai_context = %s WHERE id = %s",
                (first, last, username, f'=1+1, "quoted"\nnext line {first}', contact_id),
            )


def neutralised(cell: str) -> str:
    """What OWASP's advice makes of a cell: text, never a formula."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _utc(when: datetime | None) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if when else ""


def expected_row(lead: Lead) -> list[str]:
    def text(value: str | None) -> str:
        return neutralised(value) if value else ""

    return [
        text(lead.page_name),
        lead.platform,
        text(lead.messenger_psid),
        text(lead.instagram_sid),
        text(lead.first_name),
        text(lead.last_name),
        text(lead.instagram_username),
        text(lead.stage),
        text(("AI" if lead.stage_set_by is None else lead.stage_set_by) if lead.stage_id else None),
        str(lead.lead_score),
        text(lead.lead_status),
        "" if lead.confidence is None else str(lead.confidence),
        text(lead.summary),
        _utc(lead.last_interaction),
        _utc(lead.stage_entered_at),
    ]


def database_rows(pool: Pool, page_pk: int, stage_id: int | None = None) -> list[list[str]]:
    """Every contact of the page (of the stage), in the order of their ids, as the export must write them."""
    with pool.connection() as conn:
        ids = [
            r["id"]
            for r in conn.execute(
                "SELECT id FROM contacts WHERE facebook_page_id = %s AND (%s::bigint IS NULL OR stage_id = %s)"
                " ORDER BY id",
                (page_pk, stage_id, stage_id),
            ).fetchall()
        ]
        found = [leads.get_lead(conn, contact_id) for contact_id in ids]
    return [expected_row(lead) for lead in found if lead]


def parse_export(data: bytes) -> list[list[str]]:
    """The file as a spreadsheet reads it: a BOM, then UTF-8 CSV; the header checked and dropped."""
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == HEADER
    return rows[1:]
