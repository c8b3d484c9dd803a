"""The CSV export on real PostgreSQL: what `core.leads.export_contacts` and `fbsync contacts export`
write equals the database's rows, names of any shape included, and no cell can run as a formula."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from exporting import AWKWARD, SHOP, database_rows, make_awkward, parse_export

from conftest import ENCRYPTION_KEY, synced_page
from core import leads
from core.leads.export import neutralised
from sandbox.graph_sim import SimPage

FBSYNC = str(Path(sys.executable).with_name("fbsync"))


@pytest.fixture
def page(pool, sim, settings, connect_page):
    synced = synced_page(pool, sim, settings, connect_page, SHOP)
    make_awkward(pool, synced.id)
    return synced


def export(pool, page_pk: int, **options) -> bytes:
    out = io.BytesIO()
    with pool.connection() as conn:
        leads.export_contacts(conn, page_pk, out, **options)
    return out.getvalue()


def test_the_cells_encoding_quotes_and_neutralises(pool):
    """One cell per awkward value, through the SQL every text column goes through: quoted as CSV
    needs, any script kept byte for byte, formulas made text."""
    values = [v for row in AWKWARD for v in row if v] + ["plain", "a=b", "mid-dle", "e@mail.example"]
    with pool.connection() as conn, conn.cursor() as cursor:
        with cursor.copy(
            f"COPY (SELECT {neutralised('v')} FROM unnest(%s::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n)"
            " TO STDOUT WITH (FORMAT csv)",
            (values,),
        ) as copy:
            data = b"".join(bytes(block) for block in copy)
    cells = [row[0] for row in csv.reader(io.StringIO(data.decode(), newline=""))]
    assert cells[: len(values) - 4] == [("'" + v if v[0] in "=+-@\t\r" else v) for v in values[:-4]]
    assert cells[-4:] == ["plain", "a=b", "mid-dle", "e@mail.example"]  # only a leading sign is a formula
    assert b'"Zo\xc3\xab, ""the baker"""' in data  # a comma quotes the cell, quotes are doubled
    assert b'"line one\nline two"' in data  # a newline stays inside its quoted cell
    assert "فاطمة".encode() in data and "🍰 Cake".encode() in data
    assert b"\n=" not in data and not data.startswith(b"=")


def test_an_export_holds_the_database_rows(pool, page):
    data = export(pool, page.id)

    rows = parse_export(data)
    assert rows == database_rows(pool, page.id)
    assert len(rows) == SHOP.messenger_count + SHOP.instagram_count
    firsts = [row[4] for row in rows]
    assert '\'=HYPERLINK("http://evil.example/x","click")' in firsts and "فاطمة" in firsts
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_one_stage_only_and_who_set_it(pool, page):
    with pool.connection() as conn:
        won = leads.resolve_stage(conn, page.id, "won")
        first = conn.execute("SELECT min(id) AS id FROM contacts WHERE facebook_page_id = %s", (page.id,)).fetchone()
        leads.set_stage(conn, first["id"], won.id, "U0SALES1", "T0SHOP")

    rows = parse_export(export(pool, page.id, stage_id=won.id))

    assert rows == database_rows(pool, page.id, won.id) and rows
    assert {row[7] for row in rows} == {"Won"}
    assert rows[0][8] == "U0SALES1"  # a person's stage names the person; the analysis's says AI
    assert {row[8] for row in parse_export(export(pool, page.id)) if row[7] and row[8] != "U0SALES1"} == {"AI"}


def test_progress_is_reported_as_rows_go(pool, page):
    heard: list[tuple[int, int]] = []
    rows = parse_export(export(pool, page.id, on_progress=lambda done, total: heard.append((done, total)), every=5))

    total = len(rows)
    assert heard == [(n, total) for n in range(5, total + 1, 5)] + [(total, total)]


def test_a_page_without_contacts_is_a_header_alone(pool, connect_page):
    empty = connect_page(SimPage(page_id="640000000000009", name="Empty", token="empty-tok-1a2b", messenger_count=0))
    assert parse_export(export(pool, empty.id)) == []


@pytest.fixture
def fbsync(database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "FBSYNC_ENCRYPTION_KEY": ENCRYPTION_KEY}

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([FBSYNC, *args], env=env, capture_output=True, timeout=60)

    return run


def test_the_command_line_writes_the_same_rows(pool, page, fbsync, tmp_path):
    to_stdout = fbsync("contacts", "export", SHOP.page_id)
    assert to_stdout.returncode == 0, to_stdout.stderr
    assert parse_export(to_stdout.stdout) == database_rows(pool, page.id)
    assert b"exported 18 contacts" in to_stdout.stderr

    target = tmp_path / "won.csv"
    to_file = fbsync("contacts", "export", "fig", "--stage", "won", "--output", str(target))
    assert to_file.returncode == 0, to_file.stderr
    with pool.connection() as conn:
        won = leads.resolve_stage(conn, page.id, "won")
    assert parse_export(target.read_bytes()) == database_rows(pool, page.id, won.id)
    assert to_file.stdout == b""


def test_an_unknown_page_or_stage_is_bad_input(page, fbsync, tmp_path):
    target = tmp_path / "never.csv"
    unknown_page = fbsync("contacts", "export", "No Such Shop", "--output", str(target))
    unknown_stage = fbsync("contacts", "export", SHOP.page_id, "--stage", "Nonexistent", "--output", str(target))

    assert (unknown_page.returncode, unknown_stage.returncode) == (2, 2)
    assert b"no connected page matches" in unknown_page.stderr
    assert b"No stage called" in unknown_stage.stderr and b"Traceback" not in unknown_stage.stderr
    assert not target.exists()
