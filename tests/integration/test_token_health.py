"""The daily token check: Meta's debug_token over HTTP flags dead tokens and announces expiring ones."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from conftest import MEMBER, SALES_CHANNEL, TEAM_ID
from core import pages
from sandbox.graph_sim import SimPage
from worker.scheduled import check_page_tokens

FINE = SimPage(page_id="960000000000001", name="Fine Page", token="EAAfine-token-1", messenger_count=1)
DEAD = SimPage(page_id="960000000000002", name="Dead Page", token="EAAdead-token-2", messenger_count=1)
DYING = SimPage(page_id="960000000000003", name="Dying Page", token="EAAdying-token-3", messenger_count=1)


def test_dead_and_expiring_tokens_are_flagged_and_announced(sim, pool, connect_page, service_settings, slash):
    for shop in (FINE, DEAD, DYING):
        sim.add_page(shop)
        page = connect_page(shop, team=TEAM_ID)
        with pool.connection() as conn:
            pages.set_notify_channel(conn, page.id, SALES_CHANNEL)
    sim.expire_token(DEAD.page_id, int(time.time()) - 60)  # Meta already expired it
    sim.expire_token(DYING.page_id, int(time.time()) + 3 * 86400)
    notices: list[tuple[str, dict]] = []

    problems = check_page_tokens(
        pool, service_settings, lambda page, message: notices.append((page.name, message)), datetime.now(UTC)
    )

    assert problems == 2
    assert sorted(name for name, _ in notices) == ["Dead Page", "Dying Page"]
    with pool.connection() as conn:
        flags = {p.page.name: (p.page.needs_reauth, p.page.token_expires_at) for p in pages.list_pages(conn)}
    assert flags["Dead Page"][0] and not flags["Fine Page"][0] and not flags["Dying Page"][0]
    assert flags["Dying Page"][1] is not None
    for _, message in notices:
        assert "/fbsync connect" in json.dumps(message)
        assert all(shop.token not in json.dumps(message) for shop in (FINE, DEAD, DYING))

    _, listed = slash("pages", user=MEMBER)
    text = json.dumps(listed, ensure_ascii=False)
    assert "Needs reconnect" in text and "token expires" in text
