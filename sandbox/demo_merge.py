"""`make demo`, last part: Grace Hopper, who asked for a quote on Messenger, writes on Instagram too.
fbsync suggests the pair in #sales, Ada confirms it with "Same person", and Grace is one contact
with one analysis and one stage."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row

from bot.views.merge_review import SAME_PERSON_ACTION
from sandbox import meta_webhooks, processes
from sandbox.demo_leads import Workspace, indent
from sandbox.graph_sim import GraphSimulator, SimPage
from sandbox.slack_requests import click_button, render

GRACE_ON_INSTAGRAM = "17841400990001"


def merge_story(ws: Workspace, sim: GraphSimulator, page: SimPage, app_secret: str, database_url: str) -> None:
    text = "Hi, it's Grace from the café again (I wrote on Facebook): can you call me about the wholesale quote?"
    sent = sim.new_sender(
        page.page_id, "instagram", GRACE_ON_INSTAGRAM, text, username="grace.hopper", name="Grace Hopper"
    )
    assert page.instagram_account_id is not None
    item = meta_webhooks.instagram_message(
        page.instagram_account_id, GRACE_ON_INSTAGRAM, text, mid=sent["mid"], timestamp_ms=sent["timestamp_ms"]
    )
    print(f'@grace.hopper writes on Instagram: "{text}"')
    answer = meta_webhooks.post(
        f"{ws.web}/webhooks/facebook",
        meta_webhooks.delivery("instagram", [(page.instagram_account_id, [item])]),
        app_secret,
    )
    print(f"Meta -> POST /webhooks/facebook (object instagram, signed): {answer.status_code} {answer.text}")

    def review_card() -> dict[str, Any] | None:
        cards = [m for m in ws.slack.messages(ws.channel) if "grace.hopper" in render(m) and "Same person" in render(m)]
        return cards[-1] if cards else None

    card = processes.wait_for(review_card, 120, "the merge suggestion")
    print("\nfbsync in #sales (her refresh named her, and the page's merge review found the pair):")
    print(indent(render(card)), flush=True)

    print("\n@ada clicks “Same person”", flush=True)
    before = len(ws.slack.responses)
    click_button(
        ws.web,
        card,
        SAME_PERSON_ACTION,
        ws.secret,
        team_id=ws.team,
        user_id=ws.user,
        response_url=ws.slack.response_url(),
    )
    processes.wait_for(lambda: len(ws.slack.responses) >= before + 2, 30, "the answer to the click")
    for response in ws.slack.responses[before : before + 2]:
        print(indent(render(response["body"])), flush=True)

    def analysed() -> dict[str, Any] | None:
        with psycopg.connect(database_url, row_factory=dict_row) as conn:
            return conn.execute(
                "SELECT c.id, c.first_name, c.last_name, c.messenger_psid, c.instagram_sid, s.name AS stage,"
                " c.lead_score, c.ai_context,"
                " (SELECT string_agg(v.platform, ' + ' ORDER BY v.platform) FROM conversations v"
                "   WHERE v.contact_id = c.id) AS threads,"
                " (SELECT count(*) FROM contact_activities a WHERE a.contact_id = c.id AND a.type = 'MERGED') AS merges"
                " FROM contacts c LEFT JOIN pipeline_stages s ON s.id = c.stage_id"
                " WHERE c.instagram_sid = %s AND c.messenger_psid IS NOT NULL"
                " AND NOT EXISTS (SELECT 1 FROM pending_work w WHERE w.kind = 'refresh' AND w.subject_id = c.id)"
                " AND c.ai_context_updated_at > (SELECT max(m.merged_at) FROM contact_merges m"
                "   WHERE m.contact_id = c.id)",
                (GRACE_ON_INSTAGRAM,),
            ).fetchone()

    row = processes.wait_for(analysed, 120, "the merged contact's analysis")
    print(
        f"\nstored: one contact ({row['id']}) with Messenger {row['messenger_psid']} and Instagram"
        f" {row['instagram_sid']}, conversations on {row['threads']}, {row['merges']} MERGED on the audit trail"
    )
    print(f"one analysis over both: {row['stage']}, score {row['lead_score']}: {row['ai_context']}", flush=True)
