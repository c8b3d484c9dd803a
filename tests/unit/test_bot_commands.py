"""The /fbsync grammar: what people type -> the Command the handlers act on."""

from __future__ import annotations

import pytest

from bot.commands import COMMANDS, USAGE, Command, CommandError, parse

PARSES = [
    # (text after /fbsync, expected command)
    ("", Command("help")),
    ("   ", Command("help")),
    ("help", Command("help")),
    ("HELP", Command("help")),
    ("pages", Command("pages")),
    ("pipelines", Command("pipelines")),
    ("connect", Command("connect")),
    ("sync Bluebird Coffee", Command("sync", page="Bluebird Coffee")),
    ("sync Bluebird Coffee full", Command("sync", page="Bluebird Coffee", full=True)),
    ("Sync bluebird FULL", Command("sync", page="bluebird", full=True)),
    ("sync 104857600000001", Command("sync", page="104857600000001")),
    ('sync "Full"', Command("sync", page="Full")),  # a quoted word is a name, not the flag
    ("sync Joe's Diner", Command("sync", page="Joe's Diner")),  # an apostrophe inside a word is not a quote
    ("Bluebird Coffee", Command("sync", page="Bluebird Coffee")),  # shorthand
    ("Bluebird Coffee full", Command("sync", page="Bluebird Coffee", full=True)),
    ('"Status Shop"', Command("sync", page="Status Shop")),  # quoting keeps a keyword-like name a name
    ("Tom &amp; Jerry", Command("sync", page="Tom & Jerry")),  # Slack escapes &, < and > in command text
    ("status", Command("status")),
    ("status Bluebird Coffee", Command("status", page="Bluebird Coffee")),
    ("stats", Command("stats")),
    ("stats   Bluebird   Coffee ", Command("stats", page="Bluebird Coffee")),
    ("cancel Bluebird", Command("cancel", page="Bluebird")),
    ("pipeline Bluebird off", Command("pipeline", page="Bluebird", off=True)),
    ("pipeline Bluebird Coffee OFF", Command("pipeline", page="Bluebird Coffee", off=True)),
    ("pipeline Bluebird Sales", Command("pipeline", page="Bluebird", pipeline="Sales")),
    ("pipeline Bluebird update", Command("pipeline", page="Bluebird", pipeline="update")),  # two parts: no mode
    (
        "pipeline Bluebird Coffee Sales update",
        Command("pipeline", page="Bluebird Coffee", pipeline="Sales", mode="update"),
    ),
    ("pipeline Bluebird Sales skip", Command("pipeline", page="Bluebird", pipeline="Sales", mode="skip")),
    (
        'pipeline "Bluebird Coffee" "Wholesale Deals" update',
        Command("pipeline", page="Bluebird Coffee", pipeline="Wholesale Deals", mode="update"),
    ),
    (
        "pipeline 'Bluebird Coffee' 'Wholesale Deals'",
        Command("pipeline", page="Bluebird Coffee", pipeline="Wholesale Deals"),
    ),
    ('pipeline Bluebird "off"', Command("pipeline", page="Bluebird", pipeline="off")),
    # smart quotes, as Slack clients type them
    (
        "pipeline “Bluebird Coffee” “Wholesale Deals” UPDATE",
        Command("pipeline", page="Bluebird Coffee", pipeline="Wholesale Deals", mode="update"),
    ),
    ("sync ‘Bluebird Coffee’ full", Command("sync", page="Bluebird Coffee", full=True)),
    ("sync Joe’s Diner", Command("sync", page="Joe’s Diner")),
]


@pytest.mark.parametrize("text, expected", PARSES, ids=[text or "<empty>" for text, _ in PARSES])
def test_parse(text, expected):
    assert parse(text) == expected


ERRORS = [
    # (text, words the explanation must contain)
    ("stauts", ["Unknown command `stauts`", "Did you mean `status`?"]),
    ("stauts Bluebird", ["Did you mean `status`?", "/fbsync sync stauts Bluebird"]),
    ("synk Bluebird", ["Did you mean `sync`?"]),
    ("pipline Bluebird Sales", ["Did you mean `pipeline`?"]),
    ("cancle Bluebird", ["Did you mean `cancel`?"]),
    ("sync", ["Which page?"]),
    ("sync full", ["Which page?"]),
    ("full", ["Which page?"]),
    ("cancel", ["Which page?"]),
    ("pipeline", ["Which page and which pipeline?"]),
    ("pipeline Bluebird", ["Which page and which pipeline?"]),
    ('sync "Bluebird Coffee', ["Unbalanced quotes"]),
    ("sync “Bluebird Coffee", ["Unbalanced quotes"]),
    ("pipeline 'Bluebird Coffee Sales", ["Unbalanced quotes"]),
    ("pages foo", ["`pages` takes no arguments"]),
    ("pipelines Sales", ["`pipelines` takes no arguments"]),
    ("connect now", ["`connect` takes no arguments"]),
    ("help me", ["`help` takes no arguments"]),
]


@pytest.mark.parametrize("text, expected", ERRORS, ids=[text for text, _ in ERRORS])
def test_parse_errors(text, expected):
    with pytest.raises(CommandError) as raised:
        parse(text)
    for words in expected:
        assert words in str(raised.value)


def test_command_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse("pages foo")


def test_usage_shows_every_command():
    for command in COMMANDS:
        if command != "help":  # `/fbsync` alone is the help
            assert f"`/fbsync {command}" in USAGE
    assert "<" not in USAGE and ">" not in USAGE  # Slack would read them as control characters


def test_notify_command():
    assert parse("notify Bluebird Coffee") == Command("notify", page="Bluebird Coffee")
    assert parse("notify bluebird off") == Command("notify", page="bluebird", off=True)
    with pytest.raises(CommandError, match="Which page"):
        parse("notify")


LEADS_AND_FIND = [
    ("leads Bluebird", Command("leads", page="Bluebird")),
    ("LEADS bluebird qualified", Command("leads", page="bluebird", stage="qualified")),
    ("leads Bluebird Coffee won", Command("leads", page="Bluebird Coffee", stage="won")),
    ('leads "Bluebird Coffee"', Command("leads", page="Bluebird Coffee")),  # quoted: all of it is the page
    ('leads Bluebird "Proposal Sent"', Command("leads", page="Bluebird", stage="Proposal Sent")),
    ("leads “Bluebird Coffee” “Qualified Lead”", Command("leads", page="Bluebird Coffee", stage="Qualified Lead")),
    ("find josé", Command("find", text="josé")),
    ("find Ana  Lima", Command("find", text="Ana Lima")),
    ('find "Ana Lima"', Command("find", text="Ana Lima")),
    ("find “leads”", Command("find", text="leads")),
    ("find Tom &amp; Jerry", Command("find", text="Tom & Jerry")),
]


@pytest.mark.parametrize("text, expected", LEADS_AND_FIND, ids=[text for text, _ in LEADS_AND_FIND])
def test_parse_leads_and_find(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("leads", "Which page?"), ("find", "Find whom?"), ("find   ", "Find whom?"), ("lead Bluebird", "`leads`")],
)
def test_leads_and_find_errors(text, expected):
    with pytest.raises(CommandError, match=expected):
        parse(text)
