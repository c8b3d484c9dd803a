"""Property-based fuzz of the Meta webhook receiver: the real-shaped fixtures, mutated (junk ids,
NUL, lone surrogates, 1970, huge texts and numbers, deep nesting, missing keys, cut bytes), signed
with the app secret and sent through the real Flask app onto PostgreSQL, each then expanded by the
real drain. Whatever the body: a 200, nothing left waiting, nothing junk stored, and a re-delivery
stores nothing new. Bounded: a few hundred examples."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webhook_receiving import IG_ACCOUNT, PAGE_ID, connect_bluebird

from conftest import APP_SECRET, FIXTURES, expand_webhooks
from sandbox.meta_webhooks import sign

NAMES = sorted(p.stem for p in (FIXTURES / "webhooks").glob("*.json"))
FIXTURE_BODIES = {name: json.loads((FIXTURES / "webhooks" / f"{name}.json").read_text()) for name in NAMES}


def nested(depth: int) -> Any:
    value: Any = "deep"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


HOSTILE_STRINGS = [
    "",
    "null",
    "None",
    "0",
    "-1",
    "<script>alert(1)</script>",
    "../../me",
    "1" * 3000,
    "m_" + "A" * 3000,
    "a\x00b",
    "\x00",
    "\ud800",
    "x\udfffy",
    "\ud83d",
    PAGE_ID,
    IG_ACCOUNT,
    "１２３４５",
    "24511230000123\n",
    "x" * 20_001,
]
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.sampled_from([0, 1000, 1736942401, 10**13, 10**40, 1.5, float("nan"), float("inf"), -0.0]),
    st.text(max_size=20),
    st.sampled_from(HOSTILE_STRINGS),
    st.integers(min_value=1, max_value=90).map(nested),
    st.just([]),
    st.just({}),
)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths(child, (*prefix, index))
    return found


def mutate(payload: Any, path: tuple, action: str, leaf: Any) -> Any:
    if not path:
        return leaf
    parent = payload
    for step in path[:-1]:
        parent = parent[step]
    if action == "delete" and isinstance(parent, dict):
        del parent[path[-1]]
    elif action == "duplicate" and isinstance(parent, list):
        parent.append(json.loads(json.dumps(parent[path[-1]])))
    else:
        parent[path[-1]] = leaf
    return payload


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    payload = json.loads(json.dumps(FIXTURE_BODIES[draw(st.sampled_from(NAMES))]))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        where = paths(payload)
        path = where[draw(st.integers(min_value=0, max_value=len(where) - 1))]
        payload = mutate(payload, path, draw(st.sampled_from(["set", "set", "delete", "duplicate"])), draw(LEAVES))
    if draw(st.booleans()):
        body = json.dumps(payload, ensure_ascii=True).encode()  # Meta's escaped form
    else:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8", "surrogatepass")  # raw bytes
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        body = body[: draw(st.integers(min_value=0, max_value=len(body)))]  # cut short
    return body


JUNK = """
SELECT
 (SELECT count(*) FROM contacts
   WHERE COALESCE(messenger_psid, instagram_sid) !~ '^[1-9][0-9]{0,23}$'
      OR COALESCE(messenger_psid, instagram_sid) IN (%(page)s, %(ig)s)) AS contacts,
 (SELECT count(*) FROM messages
   WHERE created_time < '2011-01-01' OR created_time > now() + interval '1 day'
      OR length(text) > 20000 OR length(mid) > 512 OR mid !~ '^[A-Za-z0-9_.$:=+/-]+$') AS messages,
 (SELECT count(*) FROM webhook_events
   WHERE (kind IN ('message', 'echo', 'postback', 'edit', 'unsend') AND mid IS NULL)
      OR sender_id !~ '^[1-9][0-9]{0,23}$' OR sender_id IN (%(page)s, %(ig)s)) AS events
"""


@pytest.fixture
def client(pool, service_settings, connect_page, sync_queue):
    from webhooks.app import create_app

    connect_bluebird(connect_page)
    return create_app(replace(service_settings, public_url="http://127.0.0.1")).test_client()


def counts(pool) -> tuple[int, ...]:
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM webhook_events) AS e, (SELECT count(*) FROM messages) AS m,"
            " (SELECT count(*) FROM contacts) AS c, (SELECT count(*) FROM pending_work WHERE kind = 'refresh') AS r,"
            " (SELECT count(*) FROM webhook_inbox) AS w"
        ).fetchone()
    return row["e"], row["m"], row["c"], row["r"], row["w"]


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies())
def test_any_signed_body_is_answered_200_and_stores_no_junk(client, pool, body: bytes) -> None:
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)}

    first = client.post("/webhooks/facebook", data=body, headers=headers)
    expand_webhooks(pool)
    after_first = counts(pool)
    again = client.post("/webhooks/facebook", data=body, headers=headers)  # Meta delivers at least once
    expand_webhooks(pool)

    assert (first.status_code, again.status_code) == (200, 200)
    assert counts(pool) == after_first and after_first[-1] == 0
    with pool.connection() as conn:
        junk = conn.execute(JUNK, {"page": PAGE_ID, "ig": IG_ACCOUNT}).fetchone()
    assert junk == {"contacts": 0, "messages": 0, "events": 0}
