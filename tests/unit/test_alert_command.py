"""`/fbsync alerts`: a page (one word, quoted, a prefix or an id), then its alert stages, or `off`."""

from __future__ import annotations

import pytest

from bot.commands import Command, CommandError, parse


@pytest.mark.parametrize(
    "text, expected",
    [
        ("alerts bluebird", Command("alerts", page="bluebird")),
        ("alerts bluebird OFF", Command("alerts", page="bluebird", off=True)),
        ("alerts bluebird qualified proposal", Command("alerts", page="bluebird", stages=("qualified", "proposal"))),
        (
            'alerts "Bluebird Coffee" "Qualified Lead" Won',
            Command("alerts", page="Bluebird Coffee", stages=("Qualified Lead", "Won")),
        ),
        (
            "alerts bluebird Qualified Lead, Proposal Sent",
            Command("alerts", page="bluebird", stages=("Qualified Lead", "Proposal Sent")),
        ),
        ('alerts bluebird "off"', Command("alerts", page="bluebird", stages=("off",))),  # a stage called off
    ],
)
def test_parse_alerts(text, expected):
    assert parse(text) == expected


def test_alerts_needs_a_page_and_a_typo_is_caught():
    with pytest.raises(CommandError, match="Which page"):
        parse("alerts")
    with pytest.raises(CommandError, match="Did you mean `alerts`"):
        parse("alert bluebird qualified")
