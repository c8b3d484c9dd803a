"""A lead card's controls: only whoever may configure moves a lead, only one of the clicking
workspace, and the card is swapped in place in the message it came in."""

from __future__ import annotations

import copy

from lead_people import Person, add_people

from bot import views
from bot.listeners.commands import handle_fbsync
from bot.listeners.leads import handle_accept, handle_move, handle_not_a_lead
from conftest import ADMIN, MEMBER, TEAM_ID
from core import leads, pipeline
from support import visible_text

OTHER_TEAM = "T0OTHER"


def listed(slack, pool, page, people):
    """The contacts' ids and the `/fbsync leads` message that shows them, as Slack keeps it."""
    ids = add_people(pool, page, people)
    handle_fbsync(**slack.command("leads bluebird", user=MEMBER))
    message = slack.answer()
    slack.forget()
    return ids, message


def clicked(slack, action_id, value, message, *, user=ADMIN, team=TEAM_ID, menu=False):
    """A click on a control of `message` (a menu's option when `menu`), with the message's blocks as Slack
    sends them for a message in a channel."""
    arguments = slack.action(action_id, None if menu else value, user=user, team=team)
    if menu:
        arguments["body"]["actions"][0].update(type="static_select", selected_option={"value": value})
    if message is not None:
        arguments["body"]["message"] = copy.deepcopy(message)
    return arguments


def stage_of(pool, contact_id):
    with pool.connection() as conn:
        lead = leads.get_lead(conn, contact_id)
    assert lead is not None
    return lead.stage, lead.stage_set_by


def stage_id(pool, page, name):
    with pool.connection() as conn:
        return leads.resolve_stage(conn, page.id, name).id


def card_of(message, contact_id):
    """The blocks of the contact's card: from its headline to its actions block."""
    blocks = message["blocks"]
    end = next(i for i, b in enumerate(blocks) if b.get("block_id") == f"lead:{contact_id}")
    start = max(
        i for i in range(end + 1) if (blocks[i].get("accessory") or {}).get("action_id") == views.OPEN_INBOX_ACTION
    )
    return blocks[start : end + 1]


def test_an_admin_moves_a_lead_and_only_its_card_changes_in_place(slack, pool, page):
    # Ben's card has a summary between its headline and its controls: all of it is swapped.
    people = [
        Person("Ana", 90, "new"),
        Person("Ben", 80, "new", summary="Wants 20 kg a month"),
        Person("Cy", 70, "new"),
    ]
    [ana, ben, cy], message = listed(slack, pool, page, people)
    proposal = stage_id(pool, page, "proposal")

    handle_move(**clicked(slack, views.MOVE_ACTION, f"{ben}:{proposal}", message, menu=True))

    answer = slack.answer()
    assert answer.pop("replace_original") is True
    assert stage_of(pool, ben) == ("Proposal Sent", ADMIN)
    assert f"*Proposal Sent* (set by <@{ADMIN}>)" in visible_text({"blocks": card_of(answer, ben)})
    assert "Wants 20 kg a month" in visible_text({"blocks": card_of(answer, ben)})
    assert card_of(answer, ana) == card_of(message, ana) and card_of(answer, cy) == card_of(message, cy)
    assert answer["blocks"][0] == message["blocks"][0] and len(answer["blocks"]) == len(message["blocks"])
    [menu] = [e for e in card_of(answer, ben)[-1]["elements"] if e["type"] == "static_select"]
    assert menu["initial_option"]["value"] == f"{ben}:{proposal}"


def test_not_a_lead_moves_to_lost_and_the_button_goes(slack, pool, page):
    [ana], message = listed(slack, pool, page, [Person("Ana", 90, "new")])
    lost = stage_id(pool, page, "lost")

    handle_not_a_lead(**clicked(slack, views.NOT_A_LEAD_ACTION, f"{ana}:{lost}", message))

    answer = slack.answer()
    assert stage_of(pool, ana) == ("Lost", ADMIN)
    assert [e["action_id"] for e in card_of(answer, ana)[-1]["elements"]] == [views.MOVE_ACTION]


def test_accepting_the_ai_stage_hands_the_stage_back_to_the_analysis(slack, pool, page):
    [ana] = add_people(pool, page, [Person("Ana", 90, "new", ai_stage="qualified")])
    with pool.connection() as conn:
        leads.set_stage(conn, ana, stage_id(pool, page, "contacted"), "U0SALES", TEAM_ID)
    handle_fbsync(**slack.command("leads bluebird", user=MEMBER))
    message = slack.answer()
    assert "AI suggests *Qualified Lead*" in visible_text(message)
    slack.forget()

    handle_accept(**clicked(slack, views.ACCEPT_AI_ACTION, str(ana), message))

    answer = slack.answer()
    assert stage_of(pool, ana) == ("Qualified Lead", None)
    assert "AI suggests" not in visible_text(answer) and "Accept" not in visible_text(answer)


def test_accepting_without_a_suggestion_is_an_error_and_nothing_changes(slack, pool, page):
    [ana], message = listed(slack, pool, page, [Person("Ana", 90, "new")])

    handle_accept(**clicked(slack, views.ACCEPT_AI_ACTION, str(ana), message))

    answer = slack.answer()
    assert (answer["replace_original"], answer["response_type"]) == (False, "ephemeral")
    assert visible_text(answer) == ":warning: The analysis has no stage to suggest for this contact."
    assert stage_of(pool, ana) == ("New Lead", None)


def test_a_member_may_not_move_a_lead(slack, pool, page):
    [ana], message = listed(slack, pool, page, [Person("Ana", 90, "new")])

    handle_move(
        **clicked(slack, views.MOVE_ACTION, f"{ana}:{stage_id(pool, page, 'won')}", message, user=MEMBER, menu=True)
    )

    assert "Only workspace admins and owners" in visible_text(slack.answer())
    assert stage_of(pool, ana) == ("New Lead", None)


def test_another_workspace_may_not_move_a_lead(slack, pool, page):
    [ana], message = listed(slack, pool, page, [Person("Ana", 90, "new")])
    lost = stage_id(pool, page, "lost")

    clicks = [
        (handle_not_a_lead, clicked(slack, views.NOT_A_LEAD_ACTION, f"{ana}:{lost}", message, team=OTHER_TEAM)),
        (handle_move, clicked(slack, views.MOVE_ACTION, f"999999:{lost}", message, team=OTHER_TEAM, menu=True)),
    ]
    for handle, arguments in clicks:
        slack.forget()
        handle(**arguments)
        assert visible_text(slack.answer()) == ":no_entry: That page is not connected to this workspace."
    assert stage_of(pool, ana) == ("New Lead", None)


def test_a_stage_of_another_pipeline_is_refused(slack, pool, page):
    [ana], message = listed(slack, pool, page, [Person("Ana", 90, "new")])
    with pool.connection() as conn:
        other = pipeline.create_pipeline(conn, page.organization_id, "Hiring", ["Applied", "Hired"])

    handle_move(**clicked(slack, views.MOVE_ACTION, f"{ana}:{other.stages[0].id}", message, menu=True))

    assert "That stage is not in this page's pipeline" in visible_text(slack.answer())
    assert stage_of(pool, ana) == ("New Lead", None)


def test_a_click_on_an_ephemeral_answer_gets_the_updated_card_on_its_own(slack, pool, page):
    [ana] = add_people(pool, page, [Person("Ana", 90, "new")])

    handle_move(**clicked(slack, views.MOVE_ACTION, f"{ana}:{stage_id(pool, page, 'won')}", None, menu=True))

    answer = slack.answer()
    assert (answer.pop("replace_original"), answer.pop("response_type")) == (False, "ephemeral")
    assert "*Ana* · Messenger · Bluebird Coffee" in visible_text(answer) and "*Won* (set by" in visible_text(answer)
