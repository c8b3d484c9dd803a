"""Lists of lead cards within Slack's 50 blocks, and a card swapped in place."""

from __future__ import annotations

from bot import views
from bot.views.blocks import context, section
from bot.views.lead_list import more_value, read_more_value
from core.pipeline import Stage
from support import assert_slack_accepts, buttons, visible_text

QUALIFIED = Stage(7, "Qualified Lead", 2)


def fake_card(n: int, size: int) -> list[dict]:
    """A card of `size` blocks, as lead_card lays them out: a headline with the inbox button first."""
    headline = section(f"person {n}")
    headline["accessory"] = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Open in Inbox"},
        "action_id": views.OPEN_INBOX_ACTION,
        "url": f"https://business.facebook.com/latest/inbox/all?selected_item_id={n}",
    }
    middle = [context(f"person {n}, line {line}") for line in range(size - 2)]
    controls = {
        "type": "actions",
        "block_id": f"lead:{n}",
        "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Not a lead"}, "action_id": "x", "value": "1"}
        ],
    }
    return [headline, *middle, controls]


def test_ten_cards_of_five_blocks_do_not_fit_so_more_starts_at_the_first_left_out():
    cards = [fake_card(n, 5) for n in range(10)]

    message = views.leads_message(3, "Bluebird", None, 20, cards, has_more=False)

    assert_slack_accepts(message)
    assert len(message["blocks"]) == 1 + 9 * 5 + 1
    assert visible_text({"blocks": message["blocks"][:1]}) == "*Bluebird*, hottest open leads: 21–29"
    [more] = buttons({"blocks": message["blocks"][-1:]})
    assert (more["action_id"], read_more_value(more["value"])) == (views.MORE_LEADS_ACTION, (3, None, 29))


def test_ten_cards_of_four_blocks_fit_and_more_is_there_only_when_others_follow():
    cards = [fake_card(n, 4) for n in range(10)]

    last = views.leads_message(3, "Bluebird", QUALIFIED, 0, cards, has_more=False)
    assert len(last["blocks"]) == 1 + 10 * 4
    assert [b for b in buttons(last) if b["action_id"] == views.MORE_LEADS_ACTION] == []
    assert visible_text({"blocks": last["blocks"][:1]}) == "*Bluebird*, in *Qualified Lead*: 1–10"

    more = views.leads_message(3, "Bluebird", QUALIFIED, 0, cards, has_more=True)
    [button] = [b for b in buttons(more) if b["action_id"] == views.MORE_LEADS_ACTION]
    assert read_more_value(button["value"]) == (3, 7, 10)


def test_the_more_value_round_trips_and_anything_else_is_refused():
    assert read_more_value(more_value(12, None, 30)) == (12, None, 30)
    assert read_more_value(more_value(12, 4, 0)) == (12, 4, 0)
    for forged in ("", "12", "12:4", "a:4:0", "12:x:0", "12:4:-1", "12:4:0:9"):
        assert read_more_value(forged) is None


def test_swap_card_replaces_only_that_cards_blocks_whatever_their_number():
    blocks = [section("heading"), *fake_card(1, 4), *fake_card(2, 2), *fake_card(3, 3)]
    shorter, longer = fake_card(1, 2), fake_card(3, 5)
    shorter[0]["text"]["text"] = longer[0]["text"]["text"] = "updated"

    assert views.swap_card(blocks, 1, shorter) == [section("heading"), *shorter, *fake_card(2, 2), *fake_card(3, 3)]
    assert views.swap_card(blocks, 3, longer) == [section("heading"), *fake_card(1, 4), *fake_card(2, 2), *longer]
    assert views.swap_card(blocks, 9, shorter) is None
