"""Connecting pages with Facebook Login, from `/fbsync connect` to stored pages, over HTTP against
the Graph simulator's dialog and OAuth endpoints."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from conftest import ADMIN, MEMBER, TEAM_ID
from core import pages
from sandbox.graph_sim import SimPage, SimUser

BLUEBIRD = SimPage(
    page_id="950000000000001",
    name="Bluebird Coffee",
    token="EAAbluebird-page-token-1",
    messenger_count=3,
    instagram_account_id="17841400000000950",
    instagram_username="bluebird",
)
ANNEX = SimPage(page_id="950000000000002", name="Bluebird Annex", token="EAAannex-page-token-2", messenger_count=2)
OWNER = SimUser(user_id="10229000000000001", name="Ada Owner", page_ids=(BLUEBIRD.page_id, ANNEX.page_id))


@pytest.fixture
def owner(sim):
    sim.add_page(BLUEBIRD)
    sim.add_page(ANNEX)
    sim.add_user(OWNER)
    return OWNER


def connect_link(slash) -> str:
    _, reply = slash("connect")
    [url] = [e["url"] for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"] if "url" in e]
    return url


def go(url: str) -> requests.Response:
    return requests.get(url, allow_redirects=False, timeout=10)


def through_login(slash) -> requests.Response:
    """The browser: our link -> Facebook's dialog -> our callback."""
    to_dialog = go(connect_link(slash))
    assert to_dialog.status_code == 302
    to_callback = go(to_dialog.headers["Location"])
    assert to_callback.status_code == 302
    return go(to_callback.headers["Location"])


def stored_pages(pool) -> list[dict]:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT page_id, name, page_token_ciphertext, instagram_account_id, needs_reauth"
            " FROM facebook_pages ORDER BY page_id"
        ).fetchall()


def dms(slack) -> list[str]:
    return [m["text"] for m in slack.messages() if m["channel"].startswith("D")]


def test_connecting_stores_both_pages_encrypted_and_subscribes_them(web, slash, slack, sim, pool, owner):
    done = through_login(slash)

    assert done.status_code == 200 and "Connected: Bluebird Coffee, Bluebird Annex" in done.text
    rows = stored_pages(pool)
    assert [(r["page_id"], r["instagram_account_id"]) for r in rows] == [
        (BLUEBIRD.page_id, BLUEBIRD.instagram_account_id),
        (ANNEX.page_id, None),
    ]
    assert all(page.token not in r["page_token_ciphertext"] for r, page in zip(rows, (BLUEBIRD, ANNEX), strict=True))
    for page in (BLUEBIRD, ANNEX):
        assert sorted(sim.subscriptions(page.page_id)) == sorted(
            [
                "messages",
                "message_echoes",
                "messaging_postbacks",
                "message_reactions",
                "message_reads",
                "message_deliveries",
                "message_edits",
                "messaging_referrals",
                "standby",
            ]
        )
    assert any("Connected 2 page(s)" in text for text in dms(slack))
    _, listed = slash("pages", user=MEMBER)
    assert "Bluebird Annex" in json.dumps(listed)


def test_the_stored_token_is_the_page_token_meta_gave(web, slash, pool, owner, service_settings):
    from core.tokens import TokenCipher

    through_login(slash)
    cipher = TokenCipher.from_settings(service_settings)
    assert cipher.decrypt(stored_pages(pool)[0]["page_token_ciphertext"]) == BLUEBIRD.token


def test_only_admins_get_a_connect_link(slash, owner):
    _, reply = slash("connect", user=MEMBER)
    assert "Only workspace admins" in json.dumps(reply)


def test_a_replayed_state_is_refused(web, slash, pool, owner):
    to_dialog = go(connect_link(slash))
    callback = go(to_dialog.headers["Location"]).headers["Location"]
    first = go(callback)
    again = go(callback)
    assert first.status_code == 200
    assert again.status_code == 400 and "already used" in again.text


@pytest.mark.parametrize("damage", [lambda s: s[:-2] + "00", lambda s: "x" + s, lambda s: ""])
def test_a_forged_state_is_refused_and_nothing_stored(web, slash, pool, owner, damage):
    link = connect_link(slash)
    state = parse_qs(urlsplit(link).query)["state"][0]
    forged = f"{web}/facebook/connect?state={damage(state)}"
    assert go(forged).status_code == 400
    callback = go(f"{web}/facebook/callback?code=anything&state={damage(state)}")
    assert callback.status_code == 400 and "not valid" in callback.text
    assert stored_pages(pool) == []


def test_an_expired_state_is_refused(web, pool, owner, redis_url):
    import time

    import redis

    from conftest import APP_SECRET
    from core.connect import StateSigner

    an_hour_ago = StateSigner(APP_SECRET, redis.Redis.from_url(redis_url), clock=lambda: time.time() - 3600)
    state = an_hour_ago.issue(TEAM_ID, ADMIN, "C0SALES")
    answer = requests.get(f"{web}/facebook/connect", params={"state": state}, allow_redirects=False, timeout=10)
    assert answer.status_code == 400 and "expired" in answer.text
    assert stored_pages(pool) == []


@pytest.fixture
def signer(redis_url):
    import redis

    from conftest import APP_SECRET
    from core.connect import StateSigner

    return StateSigner(APP_SECRET, redis.Redis.from_url(redis_url))


def test_a_state_is_bound_to_who_asked_and_used_once(signer):
    from conftest import APP_SECRET
    from core.connect import StateRejected

    text = signer.issue(TEAM_ID, ADMIN, "C0SALES")
    assert APP_SECRET not in text

    state = signer.consume(text)
    assert (state.team_id, state.user_id, state.channel_id) == (TEAM_ID, ADMIN, "C0SALES")
    with pytest.raises(StateRejected, match="already used") as replayed:
        signer.consume(text)
    assert (replayed.value.state.team_id, replayed.value.state.user_id) == (TEAM_ID, ADMIN)


def test_a_state_with_another_workspace_or_key_is_not_valid(signer, redis_url):
    from dataclasses import asdict

    import redis
    from itsdangerous import URLSafeSerializer

    from conftest import APP_SECRET
    from core.connect import ConnectError, StateRejected, StateSigner

    text = signer.issue(TEAM_ID, ADMIN, "C0SALES")
    signature = text.rsplit(".", 1)[1]
    other_team = {**asdict(signer.read(text)), "team_id": "T0OTHERWS"}
    forgeries = [
        # Another workspace's payload under the genuine signature.
        URLSafeSerializer("any key").dump_payload(other_team).decode() + "." + signature,
        # Signed with another secret, or with the app secret for something else (no salt).
        StateSigner("another secret", redis.Redis.from_url(redis_url)).issue("T0OTHERWS", ADMIN, "C0SALES"),
        URLSafeSerializer(APP_SECRET).dumps(other_team),
    ]
    for forged in forgeries:
        with pytest.raises(ConnectError, match="not valid") as refused:
            signer.consume(forged)
        assert not isinstance(refused.value, StateRejected)  # a forgery names nobody to tell
    assert signer.consume(text).team_id == TEAM_ID  # the genuine one was not used up by them


def test_an_expired_state_still_names_who_asked(redis_url):
    import time

    import redis

    from conftest import APP_SECRET
    from core.connect import StateRejected, StateSigner

    now = [time.time()]
    signer = StateSigner(APP_SECRET, redis.Redis.from_url(redis_url), clock=lambda: now[0])
    text = signer.issue(TEAM_ID, ADMIN, "C0SALES")
    now[0] += 601

    with pytest.raises(StateRejected, match="expired") as expired:
        signer.consume(text)
    assert expired.value.state.user_id == ADMIN


def test_cancelling_the_login_stores_nothing_and_says_so(web, slash, slack, sim, pool, owner):
    sim.consent_as(owner.user_id, deny=True)
    done = through_login(slash)
    assert done.status_code == 200 and "cancelled" in done.text
    assert stored_pages(pool) == [] and any("cancelled" in text for text in dms(slack))


def test_a_declined_permission_stores_nothing_and_names_it(web, slash, slack, sim, pool, owner):
    sim.consent_as(owner.user_id, declined=["pages_messaging"])
    done = through_login(slash)
    assert done.status_code == 502 and "pages_messaging" in done.text
    assert stored_pages(pool) == [] and any("pages_messaging" in text for text in dms(slack))


def test_a_failed_code_exchange_stores_nothing(web, slash, slack, pool, owner):
    to_dialog = go(connect_link(slash))
    callback = go(to_dialog.headers["Location"]).headers["Location"]
    bogus = callback.replace("code=", "code=bogus")
    done = go(bogus)
    assert done.status_code == 502 and "did not accept the login" in done.text
    assert stored_pages(pool) == []


def test_a_failed_subscription_stores_nothing(web, slash, sim, pool, owner):
    sim.fail_oauth("subscribe")
    done = through_login(slash)
    assert done.status_code == 502 and "Could not subscribe" in done.text
    assert stored_pages(pool) == []


def test_reconnecting_replaces_the_token_and_clears_needs_reauth(web, slash, sim, pool, owner):
    through_login(slash)
    with pool.connection() as conn:
        conn.execute("UPDATE facebook_pages SET needs_reauth = true")
    before = stored_pages(pool)[0]["page_token_ciphertext"]

    through_login(slash)

    after = stored_pages(pool)
    assert not any(r["needs_reauth"] for r in after) and after[0]["page_token_ciphertext"] != before


def test_disconnect_asks_first_then_deactivates_and_keeps_contacts(web, slash, slack, pool, owner, connect_page):
    from conftest import SIGNING_SECRET
    from sandbox.slack_requests import post_signed

    page = connect_page(BLUEBIRD, team=TEAM_ID)
    with pool.connection() as conn:
        conn.execute(
            "INSERT INTO contacts (facebook_page_id, messenger_psid, has_messenger) VALUES (%s, 'p1', true)", (page.id,)
        )
    _, confirm = slash("disconnect bluebird")
    [button] = [e for b in confirm["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == "fbsync_disconnect"
    with pool.connection() as conn:
        assert pages.get_page(conn, page.id).is_active  # nothing happens before the click

    before = len(slack.responses)
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": ADMIN, "team_id": TEAM_ID},
        "response_url": slack.response_url(),
        "actions": [{"action_id": button["action_id"], "value": button["value"], "type": "button"}],
    }
    assert post_signed(web, {"payload": json.dumps(payload)}, SIGNING_SECRET).status_code == 200
    from sandbox.processes import wait_for

    wait_for(lambda: len(slack.responses) > before, 10, "the confirmation")
    with pool.connection() as conn:
        assert not pages.get_page(conn, page.id).is_active
        assert conn.execute("SELECT count(*) AS n FROM contacts").fetchone()["n"] == 1
    _, listed = slash("pages")
    assert "Bluebird Coffee" not in json.dumps(listed)


def test_a_listed_page_whose_id_is_not_a_meta_id_connects_nothing(web, slash, slack, sim, pool, owner):
    """Meta's page listing is input too: an id that could change a Graph path is never used or stored."""
    escaping = SimPage(page_id="../../me", name="Escaping Page", token="EAAescape-token-3", messenger_count=1)
    sim.add_page(escaping)
    sim.add_user(SimUser(user_id="10229000000000009", name="Eve", page_ids=(BLUEBIRD.page_id, escaping.page_id)))
    sim.consent_as("10229000000000009")

    done = through_login(slash)

    assert done.status_code == 502
    assert "Facebook listed a page without a valid id, name or token" in done.text
    assert stored_pages(pool) == []
    assert sim.subscriptions(BLUEBIRD.page_id) == []
    assert any("Facebook listed a page without a valid id" in text for text in dms(slack))


OTHER_TEAM = "T0OTHERWS"
RIVAL = SimUser(user_id="10229000000000002", name="Bob Rival", page_ids=(BLUEBIRD.page_id,))


def test_a_second_workspace_cannot_take_the_first_ones_page(web, slash, slack, sim, pool, owner):
    """Workspace B's admin logs in with an account that also manages A's page: B is told why and
    what to do; A keeps its page, its organization and its token."""
    through_login(slash)
    before = {r["page_id"]: r for r in stored_pages(pool)}
    sim.add_user(RIVAL)
    sim.consent_as(RIVAL.user_id)
    told_before = len(dms(slack))

    taken = through_login(lambda *a, **k: slash(*a, team=OTHER_TEAM, **k))

    assert taken.status_code == 409
    assert "Bluebird Coffee is connected to another Slack workspace. Disconnect it there first" in taken.text
    assert stored_pages(pool) == list(before.values())  # same token ciphertext, nothing else changed
    with pool.connection() as conn:
        owners = conn.execute(
            "SELECT DISTINCT o.slack_team_id FROM facebook_pages p JOIN organizations o ON o.id = p.organization_id"
        ).fetchall()
    assert [o["slack_team_id"] for o in owners] == [TEAM_ID]
    [told] = dms(slack)[told_before:]
    assert told.startswith("No page was connected. Bluebird Coffee is connected to another Slack workspace")
    assert "`/fbsync disconnect Bluebird Coffee`" in told
    _, theirs = slash("pages", team=OTHER_TEAM, user=MEMBER)
    _, ours = slash("pages", user=MEMBER)
    assert "Bluebird Coffee" not in json.dumps(theirs) and "Bluebird Coffee" in json.dumps(ours)


def test_a_page_disconnected_by_its_workspace_can_be_connected_by_another(web, slash, slack, sim, pool, owner):
    through_login(slash)
    with pool.connection() as conn:
        page = pages.find_page(conn, BLUEBIRD.page_id)
        pages.set_notify_channel(conn, page.id, "C0ACHANNEL")
        pages.deactivate(conn, page.id)
    sim.add_user(RIVAL)
    sim.consent_as(RIVAL.user_id)

    taken = through_login(lambda *a, **k: slash(*a, team=OTHER_TEAM, **k))

    assert taken.status_code == 200 and "Connected: Bluebird Coffee" in taken.text
    with pool.connection() as conn:
        moved = conn.execute(
            "SELECT o.slack_team_id, p.notify_channel, p.is_active, pl.organization_id = o.id AS own_pipeline"
            " FROM facebook_pages p JOIN organizations o ON o.id = p.organization_id"
            " JOIN pipelines pl ON pl.id = p.auto_pipeline_id WHERE p.page_id = %s",
            (BLUEBIRD.page_id,),
        ).fetchone()
    # The old workspace's channel and pipeline do not follow the page.
    assert moved == {"slack_team_id": OTHER_TEAM, "notify_channel": None, "is_active": True, "own_pipeline": True}


def test_an_expired_or_replayed_link_is_explained_in_slack_too(web, slash, slack, pool, owner, redis_url):
    import time

    import redis

    from conftest import APP_SECRET
    from core.connect import StateSigner

    an_hour_ago = StateSigner(APP_SECRET, redis.Redis.from_url(redis_url), clock=lambda: time.time() - 3600)
    expired = an_hour_ago.issue(TEAM_ID, ADMIN, "C0SALES")
    assert go(f"{web}/facebook/connect?state={expired}").status_code == 400
    to_dialog = go(connect_link(slash))
    callback = go(to_dialog.headers["Location"]).headers["Location"]
    go(callback)
    assert go(callback).status_code == 400

    told = dms(slack)
    assert "This connect link has expired. Ask for a new one with `/fbsync connect`." in told
    assert told[-1] == "This connect link was already used. Ask for a new one with `/fbsync connect`."


def test_a_page_name_from_facebook_is_only_text_in_slack(web, slash, slack, sim, pool):
    loud = SimPage(page_id="950000000000007", name="<!channel> Loud & Co", token="EAAloud-token-7", messenger_count=1)
    sim.add_page(loud)
    sim.add_user(SimUser(user_id="10229000000000007", name="Lou", page_ids=(loud.page_id,)))

    assert through_login(slash).status_code == 200

    assert "Connected 1 page(s): &lt;!channel&gt; Loud &amp; Co." in dms(slack)[-1]
