"""leads and find: anyone may ask; lists come as lead cards in a known order, ten at a time, and stay
in the asking workspace."""

from __future__ import annotations

from lead_people import Person, add_people

from bot import views
from bot.listeners.commands import handle_fbsync
from bot.listeners.leads import handle_more
from conftest import MEMBER
from support import buttons, visible_text

OTHER_TEAM = "T0OTHER"


def headlines(message) -> list[str]:
    """The first line of each card: who, platform and page."""
    return [
        block["text"]["text"].split("\n")[0]
        for block in message["blocks"]
        if (block.get("accessory") or {}).get("action_id") == views.OPEN_INBOX_ACTION
    ]


def more_button(message) -> dict:
    [more] = [b for b in buttons(message) if b["action_id"] == views.MORE_LEADS_ACTION]
    return more


def test_leads_lists_the_hottest_open_leads_ten_at_a_time_and_more_gives_the_rest(slack, pool, page):
    # 12 open leads of distinct scores, and closed ones that never show however hot.
    people = [Person(f"Open{n:02d}", score=50 + n, stage="new") for n in range(12)]
    people += [Person("Winner", score=99, stage="won"), Person("Loser", score=98, stage="lost")]
    add_people(pool, page, people)

    handle_fbsync(**slack.command("leads bluebird", user=MEMBER))

    first = slack.answer()
    expected = [f"*Open{n:02d}* · Messenger · Bluebird Coffee" for n in range(11, -1, -1)]
    assert headlines(first) == expected[:10]
    assert "*Bluebird Coffee*, hottest open leads: 1–10" in visible_text(first)
    assert len(first["blocks"]) <= 50

    slack.forget()
    more = more_button(first)
    handle_more(**_without_client(slack.action(views.MORE_LEADS_ACTION, more["value"], user=MEMBER)))

    second = slack.answer()
    assert second.pop("replace_original") is False
    assert headlines(second) == expected[10:]
    assert "hottest open leads: 11–12" in visible_text(second)
    assert [b["action_id"] for b in buttons(second)].count(views.MORE_LEADS_ACTION) == 0


def test_leads_in_a_stage_by_the_start_of_its_name(slack, pool, page):
    add_people(pool, page, [Person("Ana", 40, "qualified"), Person("Ben", 90, "new"), Person("Cy", 70, "qualified")])

    handle_fbsync(**slack.command("leads bluebird qual", user=MEMBER))

    answer = slack.answer()
    assert headlines(answer) == ["*Cy* · Messenger · Bluebird Coffee", "*Ana* · Messenger · Bluebird Coffee"]
    assert "*Bluebird Coffee*, in *Qualified Lead*: 1–2" in visible_text(answer)
    assert not [b for b in buttons(answer) if b["action_id"] == views.MORE_LEADS_ACTION]


def test_an_unknown_stage_is_an_error_naming_the_stages(slack, page):
    handle_fbsync(**slack.command("leads bluebird hot", user=MEMBER))

    text = visible_text(slack.answer())
    assert ":warning: No stage called “hot” in Sales (stages: New Lead, Contacted, Qualified Lead," in text


def test_empty_lists_say_so(slack, pool, page):
    handle_fbsync(**slack.command("leads bluebird", user=MEMBER))
    assert visible_text(slack.answer()) == "*Bluebird Coffee* has no open leads: no one outside Won and Lost yet."
    slack.forget()
    handle_fbsync(**slack.command("leads bluebird won", user=MEMBER))
    assert visible_text(slack.answer()) == "No one on *Bluebird Coffee* is in *Won*."
    slack.forget()
    handle_fbsync(**slack.command("find nobody", user=MEMBER))
    assert visible_text(slack.answer()) == "No one called “nobody” on this workspace's pages."


def test_find_folds_accents_and_takes_several_words(slack, pool, page):
    add_people(pool, page, [Person("José", 30, "new", last_name="Núñez"), Person("Josefa", 80), Person("Ana", 99)])

    handle_fbsync(**slack.command("find jose", user=MEMBER))
    assert headlines(slack.answer()) == [
        "*Josefa* · Messenger · Bluebird Coffee",
        "*José Núñez* · Messenger · Bluebird Coffee",
    ]
    slack.forget()
    handle_fbsync(**slack.command('find "JOSE NUNEZ"', user=MEMBER))
    assert headlines(slack.answer()) == ["*José Núñez* · Messenger · Bluebird Coffee"]


def test_find_shows_ten_and_says_more_match(slack, pool, page):
    add_people(pool, page, [Person(f"Sam{n:02d}", n) for n in range(11)])

    handle_fbsync(**slack.command("find sam", user=MEMBER))

    answer = slack.answer()
    assert len(headlines(answer)) == 10
    assert "More people match" in visible_text(answer)


def test_another_workspace_neither_finds_nor_reads_on(slack, pool, page):
    add_people(pool, page, [Person(f"Zoe{n:02d}", n) for n in range(11)])
    handle_fbsync(**slack.command("leads bluebird", user=MEMBER))
    more = more_button(slack.answer())
    slack.forget()

    from_elsewhere = slack.command("find zoe", user=MEMBER)
    from_elsewhere["command"]["team_id"] = OTHER_TEAM
    handle_fbsync(**from_elsewhere)
    assert "No one called “zoe”" in visible_text(slack.answer())
    slack.forget()
    handle_more(**_without_client(slack.action(views.MORE_LEADS_ACTION, more["value"], team=OTHER_TEAM)))
    answer = slack.answer()
    assert "That page is not connected to this workspace." in visible_text(answer)
    assert "Zoe" not in visible_text(answer)


def _without_client(arguments: dict) -> dict:
    """More takes no WebClient: reading needs no permission."""
    return {name: value for name, value in arguments.items() if name != "client"}
