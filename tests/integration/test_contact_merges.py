"""Merging a Messenger contact and an Instagram contact into one person, on PostgreSQL with a real
sync against the Graph simulator: what the merged contact holds, how later syncs and webhooks find
it, its stage, and an unmerge that gives each back its own."""

from __future__ import annotations

import threading

import pytest
from merging import GRACE_IGSID, GRACE_PSID, SHOP, contact, fixture_shop, page_contacts, sync, threads_of  # noqa: F401
from refreshing import due_now, owed_to, run_job

from conftest import APP_SECRET, expand_webhooks
from core.leads import resolve_stage, set_stage
from core.merge.merging import MergeRefused, merge, unmerge
from core.transcripts import contact_snapshots
from sandbox import meta_webhooks


def test_a_merged_contact_carries_both_ids_and_all_their_conversations(pool, shop):
    messenger, instagram = contact(pool, GRACE_PSID), contact(pool, GRACE_IGSID)
    before = page_contacts(pool, shop)
    own = threads_of(pool, messenger["id"]) | threads_of(pool, instagram["id"])

    with pool.connection() as conn:
        merged = merge(conn, shop.id, GRACE_PSID, GRACE_IGSID, by="U0ADA")

    person = contact(pool, GRACE_IGSID)
    assert person["id"] == merged.contact_id == messenger["id"]
    assert (person["messenger_psid"], person["instagram_sid"]) == (GRACE_PSID, GRACE_IGSID)
    assert person["has_messenger"] and person["has_instagram"] and person["instagram_username"] == "grace.hopper"
    assert (person["first_name"], person["last_name"]) == ("Grace", "Hopper")
    assert threads_of(pool, person["id"]) == own
    assert page_contacts(pool, shop) == before - 1
    with pool.connection() as conn:
        trail = conn.execute(
            "SELECT type, details FROM contact_activities WHERE contact_id = %s AND type = 'MERGED'", (person["id"],)
        ).fetchall()
        lines = contact_snapshots(conn, shop, [person["id"]])[person["id"]].transcript.lines
    assert [(row["type"], row["details"]["by"]) for row in trail] == [("MERGED", "U0ADA")]
    # One transcript over both platforms, in which Grace is the customer under either id.
    assert len(lines) == own["messenger messages"] + own["instagram messages"]
    assert {line.speaker for line in lines if "Trek FX 3" in line.text} == {"contact"}
    assert owed_to(pool, person["id"]) is not None  # her one analysis is owed


def test_the_merged_contact_is_analysed_once_over_both_platforms(pool, shop, dispatch, worker_env):
    with pool.connection() as conn:
        merged = merge(conn, shop.id, GRACE_PSID, GRACE_IGSID, by="U0ADA")
    due_now(pool)
    dispatch()
    row = owed_to(pool, merged.contact_id)

    assert run_job(shop, merged.contact_id, row["dispatch_id"]) == "refreshed"

    person = contact(pool, GRACE_PSID)
    assert owed_to(pool, merged.contact_id) is None
    assert person["ai_context"] and person["stage"] is not None
    with pool.connection() as conn:
        unanalysed = conn.execute(
            "SELECT count(*) AS n FROM conversation_contacts WHERE contact_id = %s AND analyzed_at IS NULL",
            (person["id"],),
        ).fetchone()["n"]
    assert unanalysed == 0


def test_a_full_resync_keeps_the_merge(pool, shop, service_settings):
    with pool.connection() as conn:
        merged = merge(conn, shop.id, GRACE_PSID, GRACE_IGSID, by="U0ADA")
    count = page_contacts(pool, shop)
    threads = threads_of(pool, merged.contact_id)

    sync(pool, service_settings, shop, full=True)

    person = contact(pool, GRACE_IGSID)
    assert person["id"] == merged.contact_id and person["messenger_psid"] == GRACE_PSID
    assert (person["first_name"], person["last_name"]) == ("Grace", "Hopper")
    assert page_contacts(pool, shop) == count
    assert threads_of(pool, merged.contact_id) == threads


@pytest.mark.parametrize("platform", ["messenger", "instagram"])
def test_a_webhook_on_either_id_lands_on_the_merged_contact(pool, shop, web, sim, platform):
    with pool.connection() as conn:
        merged = merge(conn, shop.id, GRACE_PSID, GRACE_IGSID, by="U0ADA")
    threads = threads_of(pool, merged.contact_id)
    if platform == "messenger":
        sent = sim.touch(SHOP.page_id, "messenger", _index(sim, "messenger", GRACE_PSID), "Medium is fine, thanks")
        item = meta_webhooks.messenger_message(
            SHOP.page_id, GRACE_PSID, "Medium is fine, thanks", mid=sent["mid"], timestamp_ms=sent["timestamp_ms"]
        )
        envelope = meta_webhooks.delivery("page", [(SHOP.page_id, [item])])
    else:
        sent = sim.touch(SHOP.page_id, "instagram", _index(sim, "instagram", GRACE_IGSID), "Medium is fine, thanks")
        item = meta_webhooks.instagram_message(
            SHOP.instagram_account_id,
            GRACE_IGSID,
            "Medium is fine, thanks",
            mid=sent["mid"],
            timestamp_ms=sent["timestamp_ms"],
        )
        envelope = meta_webhooks.delivery("instagram", [(SHOP.instagram_account_id, [item])])

    assert meta_webhooks.post(f"{web}/webhooks/facebook", envelope, APP_SECRET).status_code == 200
    expand_webhooks(pool)

    assert contact(pool, GRACE_PSID)["id"] == contact(pool, GRACE_IGSID)["id"] == merged.contact_id
    with pool.connection() as conn:
        stored = conn.execute(
            "SELECT m.contact_id, v.platform FROM messages m LEFT JOIN conversations v ON v.id = m.conversation_id"
            " WHERE m.mid = %s",
            (sent["mid"],),
        ).fetchone()
    # In the thread of the platform it came on, never the other one's.
    assert stored["contact_id"] == merged.contact_id and stored["platform"] == platform
    assert threads_of(pool, merged.contact_id)[f"{platform} messages"] == threads[f"{platform} messages"] + 1
    assert owed_to(pool, merged.contact_id) is not None


def test_unmerge_gives_each_contact_back_its_own(pool, shop):
    messenger, instagram = contact(pool, GRACE_PSID), contact(pool, GRACE_IGSID)
    own = {messenger["id"]: threads_of(pool, messenger["id"]), instagram["id"]: threads_of(pool, instagram["id"])}
    count = page_contacts(pool, shop)
    with pool.connection() as conn:
        merged = merge(conn, shop.id, GRACE_PSID, GRACE_IGSID, by="U0ADA")

        unmerged = unmerge(conn, shop.id, merged.contact_id, by="U0BOB")

    assert (unmerged.messenger_contact_id, unmerged.instagram_contact_id) == (messenger["id"], instagram["id"])
    again_m, again_i = contact(pool, GRACE_PSID), contact(pool, GRACE_IGSID)
    assert again_m["id"] == messenger["id"] and again_m["instagram_sid"] is None and not again_m["has_instagram"]
    assert again_m["instagram_username"] is None
    assert again_i["id"] == instagram["id"] and again_i["messenger_psid"] is None
    assert again_i["instagram_username"] == "grace.hopper" and again_i["stage"] == instagram["stage"]
    assert {cid: threads_of(pool, cid) for cid in own} == own
    assert page_contacts(pool, shop) == count
    assert owed_to(pool, messenger["id"]) is not None and owed_to(pool, instagram["id"]) is not None
    with pool.connection() as conn:
        types = conn.execute(
            "SELECT contact_id, array_agg(type ORDER BY id) AS types FROM contact_activities"
            " WHERE type IN ('MERGED', 'UNMERGED') GROUP BY contact_id ORDER BY contact_id"
        ).fetchall()
        decided = conn.execute(
            "SELECT status, decided_by FROM merge_candidates WHERE messenger_psid = %s AND instagram_sid = %s",
            (GRACE_PSID, GRACE_IGSID),
        ).fetchone()
    assert [(row["contact_id"], row["types"]) for row in types] == [
        (messenger["id"], ["MERGED", "UNMERGED"]),
        (instagram["id"], ["UNMERGED"]),
    ]
    assert (decided["status"], decided["decided_by"]) == ("rejected", "U0BOB")


def test_a_stage_a_person_set_wins_over_a_further_one(pool, shop):
    with pool.connection() as conn:
        messenger, instagram = contact(pool, GRACE_PSID), contact(pool, GRACE_IGSID)
        set_stage(conn, messenger["id"], resolve_stage(conn, shop.id, "contacted").id, "U0ADA", "T1")
        conn.execute(
            "UPDATE contacts SET stage_id = %s WHERE id = %s",
            (resolve_stage(conn, shop.id, "proposal sent").id, instagram["id"]),
        )
        merge(conn, shop.id, GRACE_PSID, GRACE_IGSID, by="U0ADA")
    person = contact(pool, GRACE_PSID)
    assert person["stage"] == "Contacted" and person["stage_set_by"] == "U0ADA"


def test_otherwise_the_further_stage_wins(pool, shop):
    with pool.connection() as conn:
        for external_id, stage in ((GRACE_PSID, "new lead"), (GRACE_IGSID, "qualified lead")):
            conn.execute(
                "UPDATE contacts SET stage_id = %s, stage_set_by = NULL WHERE id = %s",
                (resolve_stage(conn, shop.id, stage).id, contact(pool, external_id)["id"]),
            )
        merge(conn, shop.id, GRACE_PSID, GRACE_IGSID, by="U0ADA")
    assert contact(pool, GRACE_PSID)["stage"] == "Qualified Lead"


def test_a_merge_is_refused_for_unknown_or_already_merged_ids(pool, shop):
    with pool.connection() as conn:
        with pytest.raises(MergeRefused, match="no Instagram contact"):
            merge(conn, shop.id, GRACE_PSID, "9300000000000999", by="cli")
        merge(conn, shop.id, GRACE_PSID, GRACE_IGSID, by="cli")
        with pytest.raises(MergeRefused, match="already one merged contact"):
            merge(conn, shop.id, GRACE_PSID, GRACE_IGSID, by="cli")
        other = conn.execute(
            "SELECT instagram_sid FROM contacts WHERE facebook_page_id = %s AND messenger_psid IS NULL LIMIT 1",
            (shop.id,),
        ).fetchone()["instagram_sid"]
        with pytest.raises(MergeRefused, match="already merged with someone else"):
            merge(conn, shop.id, GRACE_PSID, other, by="cli")
        with pytest.raises(MergeRefused, match="not a merged one"):
            unmerge(conn, shop.id, contact(pool, other)["id"], by="cli")
    assert contact(pool, other)["messenger_psid"] is None


def _index(sim, platform: str, external_id: str) -> int:
    return next(
        i for i in range(SHOP.messenger_count + 5) if sim.customer(SHOP.page_id, platform, i)["id"] == external_id
    )


def test_two_people_confirming_at_once_merge_once(pool, shop):
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm(user: str) -> None:
        with pool.connection() as conn:
            barrier.wait()
            try:
                merge(conn, shop.id, GRACE_PSID, GRACE_IGSID, by=user)
                outcomes.append("merged")
            except MergeRefused as refused:
                outcomes.append(str(refused))

    threads = [threading.Thread(target=confirm, args=(user,)) for user in ("U0ADA", "U0BOB")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes) == ["These two ids are already one merged contact.", "merged"]
    with pool.connection() as conn:
        merges = conn.execute("SELECT count(*) AS n FROM contact_merges WHERE unmerged_at IS NULL").fetchone()["n"]
    assert merges == 1
