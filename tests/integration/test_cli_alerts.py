"""`fbsync pages alerts PAGE [STAGE ...|off]`: a page's alert stages from the command line, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ENCRYPTION_KEY
from sandbox.graph_sim import SimPage

FBSYNC = str(Path(sys.executable).with_name("fbsync"))
SHOP = SimPage(page_id="300000000000002", name="Fig Bakery", token="fig-token-2", messenger_count=0)


def test_alert_stages_are_shown_set_checked_and_turned_off(pool, sim, database_url, connect_page):
    page = connect_page(SHOP)
    env = {**os.environ, "DATABASE_URL": database_url, "FBSYNC_ENCRYPTION_KEY": ENCRYPTION_KEY}

    def fbsync(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([FBSYNC, "pages", "alerts", *args], env=env, text=True, capture_output=True, timeout=60)

    shown = fbsync("fig")
    assert (shown.returncode, shown.stdout) == (
        0,
        "Fig Bakery: lead alerts for Qualified Lead, Proposal Sent, once the page has a notify channel\n",
    )
    assert fbsync("fig", "proposal", "won").stdout.startswith("Fig Bakery: lead alerts for Proposal Sent, Won,")
    unknown = fbsync("fig", "wholesale")
    assert unknown.returncode == 2 and "No stage called “wholesale”" in unknown.stderr
    assert fbsync("fig", "off").stdout == "Fig Bakery: lead alerts are off\n"
    with pool.connection() as conn:
        row = conn.execute("SELECT alert_stages FROM facebook_pages WHERE id = %s", (page.id,)).fetchone()
    assert row is not None and row["alert_stages"] == []
