"""The analyzer prompt: who said what, newest last, cut from the oldest end."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.analysis.model import Line, Transcript
from core.analysis.prompt import OMITTED, analysis_prompt, render_transcript

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


def transcript(*texts: tuple[str, str]) -> Transcript:
    lines = tuple(Line(speaker, text, T0 + timedelta(minutes=i)) for i, (speaker, text) in enumerate(texts))
    return Transcript("Jane Doe", "messenger", "Bluebird Coffee", lines)


def test_lines_say_who_spoke_oldest_first():
    rendered = render_transcript(transcript(("contact", "How much is 1kg?"), ("page", "$32")), 1000)
    assert rendered.splitlines() == [
        "[2026-11-24 09:00] Customer (Jane Doe): How much is 1kg?",
        "[2026-11-24 09:01] Business (Bluebird Coffee): $32",
    ]


def test_budget_keeps_the_newest_lines():
    long = transcript(*[("contact", f"message number {i} " + "x" * 40) for i in range(50)])
    rendered = render_transcript(long, 500)
    assert len(rendered) <= 500 + len(OMITTED) + 1
    assert rendered.startswith(OMITTED)
    assert rendered.rstrip().endswith("message number 49 " + "x" * 40)
    assert "message number 0 " not in rendered


def test_a_single_huge_message_keeps_its_newest_end():
    rendered = render_transcript(transcript(("contact", "a" * 5000 + "THE END")), 200)
    omitted, line = rendered.splitlines()
    assert omitted == OMITTED
    assert line.startswith("[2026-11-24 09:00] Customer (Jane Doe): …") and line.endswith("aaaTHE END")
    assert len(line) == 200


def test_analysis_prompt_names_the_stages_and_whether_the_business_replied():
    prompt = analysis_prompt(transcript(("contact", "Hi")), ["New Lead", "Won"], 1000)
    assert "New Lead -> Won" in prompt
    assert "has NOT replied yet" in prompt
