"""The CSV export (core/leads/export.py) of 10,000 and 100,000 contacts, as the export job runs it: the
rows streamed from PostgreSQL's COPY into a temporary file.

    python -m bench.export [--sizes 10000,100000]

For each size, a page whose contacts are inserted in one statement, with awkward names (commas,
quotes, newlines, Arabic, emoji, leading '=' and '+'). Each export runs in a process of its own, as a
worker's job does, which reports: the export's wall time (the faster of two runs), next to a bare COPY of the same rows'
columns without the CSV's cell expressions, into the same kind of file; the peak of Python's own
allocations during an export (tracemalloc, in a second run: tracing slows allocation, so not on the
timed one); and the process's peak resident set (VmHWM, and getrusage's ru_maxrss).

Goals: 100,000 contacts under 10 s; the peak memory of 100,000 at most 1.2x that of 10,000.
Uses DATABASE_URL when set, else an embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg.rows import dict_row

from bench.report import machine
from bench.sync_engine import peak_rss_kb
from core import db, pages, pipeline
from core.leads import export_contacts
from core.tokens import TokenCipher
from sandbox.services import embedded_postgres, scratch_database

SECONDS_GOAL = 10.0
MEMORY_RATIO_GOAL = 1.2

# Names that spreadsheets and CSV writers get wrong; one in each row, round-robin.
FIRST_NAMES = ['Zoë, "the baker"', "line one\nline two", "فاطمة", "李", "🍰 Cake", '=HYPERLINK("x")', "+1 555", "Ana"]
LAST_NAMES = ["O'Neil", "الزهراء", "小龙", "👩‍🍳", "-2+3", "@admin", "Müller-Lüdenscheidt", "Smith"]
SUMMARY = 'Asked about the 1kg bag, "house blend", twice;\nwants delivery to Dubai — دبي — on Friday 🙂 '


def _populate(conn: db.Conn, organization_id: int, sales: pipeline.Pipeline, number: int, size: int) -> int:
    """A page of `size` contacts spread over the pipeline's stages, one in ten set by a person."""
    page = pages.add_page(
        conn,
        organization_id=organization_id,
        page_id=f"95000000000{number:04d}",
        name=f"Bench Export Page {number}",
        token_ciphertext=TokenCipher((TokenCipher.new_key(),)).encrypt(f"bench-export-token-{number}"),
    )
    conn.execute(
        """
        INSERT INTO contacts (facebook_page_id, messenger_psid, instagram_sid, first_name, last_name,
          instagram_username, has_messenger, has_instagram, pipeline_id, stage_id, stage_entered_at, stage_set_by,
          lead_score, lead_status, ai_context, ai_confidence, last_interaction)
        SELECT %(page)s,
          CASE WHEN n %% 4 <> 3 THEN (24000000000000000 + n)::text END,
          CASE WHEN n %% 4 <> 0 THEN (17841000000000000 + n)::text END,
          (%(firsts)s::text[])[1 + n %% cardinality(%(firsts)s::text[])] || ' ' || n,
          (%(lasts)s::text[])[1 + n %% cardinality(%(lasts)s::text[])],
          'user_' || n, n %% 4 <> 3, n %% 4 <> 0, %(pipeline)s,
          (%(stages)s::bigint[])[1 + n %% cardinality(%(stages)s::bigint[])],
          now() - n * interval '1 minute',
          CASE WHEN n %% 10 = 0 THEN 'U0SALES' || (n %% 7) END,
          n %% 101, 'NEW', %(summary)s || repeat('x', n %% 200), n %% 101, now() - n * interval '30 seconds'
        FROM generate_series(1, %(size)s) AS n
        """,
        {
            "page": page.id,
            "firsts": FIRST_NAMES,
            "lasts": LAST_NAMES,
            "pipeline": sales.id,
            "stages": [stage.id for stage in sales.stages],
            "summary": SUMMARY,
            "size": size,
        },
    )
    return page.id


# The same rows' columns as they are stored, without the CSV's cell expressions: what COPY itself costs.
_BARE = (
    "COPY (SELECT p.name, c.messenger_psid, c.instagram_sid, c.first_name, c.last_name, c.instagram_username,"
    " s.name, c.stage_set_by, c.lead_score, c.lead_status, c.ai_confidence, c.ai_context, c.last_interaction,"
    " c.stage_entered_at FROM contacts c JOIN facebook_pages p ON p.id = c.facebook_page_id"
    " LEFT JOIN pipeline_stages s ON s.id = c.stage_id WHERE c.facebook_page_id = %s ORDER BY c.id)"
    " TO STDOUT WITH (FORMAT csv, HEADER)"
)


def _bare_copy(conn: db.Conn, page_pk: int, out: IO[bytes]) -> int:
    blocks = 0
    with conn.cursor() as cursor, cursor.copy(_BARE, (page_pk,)) as copy:
        for block in copy:
            out.write(block)
            blocks += 1
    return blocks - 1


def _measure(spec: dict[str, Any]) -> dict[str, Any]:
    """In this process: the bare COPY, the export timed, then the export again under tracemalloc."""
    with psycopg.connect(spec["database_url"], autocommit=True, row_factory=dict_row) as conn:
        result: dict[str, Any] = {}
        for name, run in (
            ("bare", lambda out: _bare_copy(conn, spec["page_pk"], out)),
            ("export", lambda out: export_contacts(conn, spec["page_pk"], out, on_progress=lambda done, total: None)),
        ):
            # The faster of two runs: the first also warms PostgreSQL's cache of the page's rows.
            for _ in range(2):
                with tempfile.NamedTemporaryFile(prefix="fbsync-bench-export-", suffix=".csv") as out:
                    began = time.perf_counter()
                    rows = run(out)
                    out.flush()
                    took, size = time.perf_counter() - began, out.tell()
                if name not in result or took < result[name]["seconds"]:
                    result[name] = {"seconds": took, "rows": rows, "bytes": size}
        tracemalloc.start()
        with tempfile.NamedTemporaryFile(prefix="fbsync-bench-export-", suffix=".csv") as out:
            export_contacts(conn, spec["page_pk"], out, on_progress=lambda done, total: None)
        _, result["python_peak_bytes"] = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    result["max_rss_kb"] = peak_rss_kb()
    result["ru_maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return result


def _measure_in_a_process(database_url: str, page_pk: int) -> dict[str, Any]:
    spec = json.dumps({"database_url": database_url, "page_pk": page_pk})
    done = subprocess.run([sys.executable, "-m", "bench.export", "--measure", spec], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the measuring process failed:\n{done.stderr}")
    out = done.stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated contact counts")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(_measure(json.loads(args.measure))))
        return

    sizes = [int(size) for size in args.sizes.split(",") if size]
    with ExitStack() as stack:
        server = os.environ.get("DATABASE_URL") or stack.enter_context(
            embedded_postgres(Path(tempfile.mkdtemp(prefix="fbsync-bench-")))
        )
        database_url = stack.enter_context(scratch_database(server, prefix="fbsync_bench"))
        pool = db.open_pool(database_url)
        stack.callback(pool.close)
        db.migrate(pool)
        print(f"export bench on {machine()}")
        with pool.connection() as conn, conn.transaction():
            organization_id = pages.ensure_organization(conn, pages.LOCAL_TEAM_ID)
            sales = pipeline.ensure_default_pipeline(conn, organization_id)
        results: dict[int, dict[str, Any]] = {}
        for number, size in enumerate(sizes, start=1):
            with pool.connection() as conn, conn.transaction():
                page_pk = _populate(conn, organization_id, sales, number, size)
            with pool.connection() as conn:
                conn.execute("VACUUM ANALYZE contacts")
            run = results[size] = _measure_in_a_process(database_url, page_pk)
            export, bare = run["export"], run["bare"]
            print(
                f"{size:,} contacts: {export['rows']:,} rows, {export['bytes'] / 1e6:.1f} MB"
                f" in {export['seconds']:.2f}s"
                f" = {export['rows'] / export['seconds']:,.0f} rows/s; bare COPY of the same columns"
                f" {bare['seconds']:.2f}s (export / bare = {export['seconds'] / bare['seconds']:.2f}x);"
                f" Python allocations peak {run['python_peak_bytes'] / 1024:.0f} KiB;"
                f" process peak RSS {run['max_rss_kb'] / 1024:.0f} MB (ru_maxrss {run['ru_maxrss_kb'] / 1024:.0f} MB)"
            )
        if len(results) > 1:
            small, large = results[min(sizes)], results[max(sizes)]
            seconds = large["export"]["seconds"]
            rss_ratio = large["max_rss_kb"] / small["max_rss_kb"]
            python_ratio = large["python_peak_bytes"] / small["python_peak_bytes"]
            print(
                f"goal: {max(sizes):,} contacts under {SECONDS_GOAL:g} s: {seconds:.2f}s,"
                f" {'met' if seconds < SECONDS_GOAL else 'NOT met'}"
            )
            print(
                f"goal: peak memory of {max(sizes):,} <= {MEMORY_RATIO_GOAL:g}x that of {min(sizes):,}:"
                f" RSS {rss_ratio:.2f}x, Python allocations {python_ratio:.2f}x,"
                f" {'met' if max(rss_ratio, python_ratio) <= MEMORY_RATIO_GOAL else 'NOT met'}"
            )


if __name__ == "__main__":
    main()
