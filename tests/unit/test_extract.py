"""Conversation -> contact records, on real-shaped Graph payloads."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from core.extract import ExtractionError, Name, display_name, extract_conversation, parse_graph_time, split_name

PAGE_IDS = frozenset({"104857600000001", "17841400000000001"})


NAME_CASES = [
    ("John Smith", Name("John", "Smith")),
    ("Mary Anne Smith", Name("Mary", "Anne Smith")),
    ("José García", Name("José", "García")),
    ("Cher", Name("Cher", None)),
    ("Иван Петров", Name("Иван", "Петров")),
    ("Νίκος Παπαδόπουλος", Name("Νίκος", "Παπαδόπουλος")),
    ("محمد علي", Name("محمد", "علي")),
    ("राहुल शर्मा", Name("राहुल", "शर्मा")),
    ("李小龙", Name("李小龙", None)),
    ("田中 太郎", Name("田中 太郎", None)),
    ("김민준", Name("김민준", None)),
    ("สมชาย ใจดี", Name("สมชาย ใจดี", None)),
    ("Nia 💕", Name("Nia", None)),
    ("✨ Jo ✨ Lee 🇵🇭", Name("Jo", "Lee")),
    ("Ana-María ❤️", Name("Ana-María", None)),
    ("💕💕", Name(None, None)),
    ("Mary 2", Name("Mary", "2")),
    ("Bob & Alice", Name("Bob", "& Alice")),
    ("007 James", Name("007", "James")),
    ("J.R.R. Tolkien", Name("J.R.R.", "Tolkien")),
    ("Anna (Shop)", Name("Anna", "(Shop)")),
    ("Zoë 👩🏽‍💻 Lee", Name("Zoë", "Lee")),
    ("Sam ★ 99", Name("Sam", "99")),
    ("  John   Smith ", Name("John", "Smith")),
    ("", Name(None, None)),
    (None, Name(None, None)),
]


@pytest.mark.parametrize("full, expected", NAME_CASES)
def test_split_name(full, expected):
    assert split_name(full) == expected


@pytest.mark.parametrize("full, expected", [case for case in NAME_CASES if case[1].first])
def test_a_synced_participant_is_named_by_the_same_rules(fixture_json, full, expected):
    raw = copy.deepcopy(fixture_json("graph/conversations_messenger_page1.json")["data"][0])
    for participant in raw["participants"]["data"]:
        if participant["id"] not in PAGE_IDS:
            participant["name"] = full
    [contact] = extract_conversation(raw, "messenger", PAGE_IDS).contacts
    assert contact.name == expected


def test_an_emoji_only_display_name_falls_back_to_the_username(fixture_json):
    raw = copy.deepcopy(fixture_json("graph/conversations_instagram.json")["data"][0])
    for participant in raw["participants"]["data"]:
        if participant["id"] not in PAGE_IDS:
            participant["name"] = "🌸🌸"
    [contact] = extract_conversation(raw, "instagram", PAGE_IDS).contacts
    assert contact.name == Name("jane.doe_88", None)


def test_display_name_falls_back_to_the_id_without_inventing_a_name():
    assert display_name(None, None, "24511230000789") == "User 000789"
    assert display_name("Cher", None, "24511230000789") == "Cher"


def test_messenger_conversation(fixture_json):
    raw = fixture_json("graph/conversations_messenger_page1.json")["data"][0]
    record = extract_conversation(raw, "messenger", PAGE_IDS)

    assert record.graph_id == "t_10160795467356427"
    assert record.updated_time == datetime(2026, 11, 24, 10, 15, 3, tzinfo=UTC)
    [contact] = record.contacts
    assert (contact.external_id, contact.name) == ("24511230000123", Name("John", "Smith"))
    assert contact.last_interaction == record.updated_time
    # Oldest first, and the page's reply is an echo.
    assert [(m.text, m.is_echo) for m in record.messages] == [
        ("Hi, how much is a 1kg bag?", False),
        ("Hi John! A 1kg bag of the house blend is $32.", True),
    ]


def test_name_missing_from_participants_is_taken_from_messages(fixture_json):
    raw = fixture_json("graph/conversations_messenger_page2.json")["data"][0]
    [contact] = extract_conversation(raw, "messenger", PAGE_IDS).contacts
    assert contact.name == Name("Cher", None)


def test_no_name_anywhere_stays_empty(fixture_json):
    raw = copy.deepcopy(fixture_json("graph/conversations_messenger_page2.json")["data"][0])
    del raw["messages"]["data"][0]["from"]["name"]
    [contact] = extract_conversation(raw, "messenger", PAGE_IDS).contacts
    assert contact.name == Name(None, None)


def test_instagram_conversation_uses_the_username(fixture_json):
    raw = fixture_json("graph/conversations_instagram.json")["data"][0]
    record = extract_conversation(raw, "instagram", PAGE_IDS)
    [contact] = record.contacts
    assert (contact.external_id, contact.username, contact.name) == (
        "6543210987654321",
        "jane.doe_88",
        Name("jane.doe_88", None),
    )


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda c: c.pop("id"), "no id"),
        (lambda c: c.update(updated_time="yesterday"), "unreadable Graph timestamp"),
        (lambda c: c.update(updated_time="2026-11-24T09:15:00"), "without a time zone"),
        (lambda c: c.update(updated_time=1764000000), "expected a Graph timestamp"),
        (lambda c: c.pop("participants"), "participants"),
        (lambda c: c["participants"]["data"].pop(0), "no participant other than the page"),
        (lambda c: c["messages"]["data"][0].pop("id"), "message has no id"),
    ],
)
def test_malformed_conversations_are_refused_with_a_reason(fixture_json, damage, message):
    raw = copy.deepcopy(fixture_json("graph/conversations_messenger_page1.json")["data"][0])
    damage(raw)
    with pytest.raises(ExtractionError, match=message):
        extract_conversation(raw, "messenger", PAGE_IDS)


@pytest.mark.parametrize(
    "written",
    ["2026-11-24T09:15:00+0000", "2026-11-24T09:15:00+00:00", "2026-11-24T09:15:00.000Z", "2026-11-24T10:15:00+0100"],
)
def test_graph_times_are_read_in_any_iso_spelling_to_the_same_moment(written):
    assert parse_graph_time(written) == datetime(2026, 11, 24, 9, 15, tzinfo=UTC)
