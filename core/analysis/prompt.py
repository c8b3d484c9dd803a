"""Prompts for the language-model analyzer: the transcript newest-last, cut to a budget from the newest end."""
from __future__ import annotations

from typing import Sequence

from core.analysis.model import LeadStatus, Transcript

OMITTED = "(earlier messages omitted)"


def render_transcript(transcript: Transcript, budget_chars: int) -> str:
    """Who said what, oldest first; when too long, the oldest lines go, since the latest decide the stage."""
    rendered: list[str] = []
    used = 0
    for line in reversed(transcript.lines):
        who = f"Customer ({transcript.contact_name})" if line.speaker == "contact" else f"Business ({transcript.page_name})"
        prefix = f"[{line.at:%Y-%m-%d %H:%M}] {who}: "
        text = prefix + line.text
        if used + len(text) + 1 > budget_chars:
            if not rendered:  # the newest message alone is too long: keep its end, which is the latest
                rendered.append(prefix + "…" + line.text[-max(0, budget_chars - len(prefix) - 1):])
            rendered.append(OMITTED)
            break
        rendered.append(text)
        used += len(text) + 1
    return "\n".join(reversed(rendered)) or "(no messages)"


def _header(transcript: Transcript) -> str:
    replied = "has replied" if transcript.page_replied else "has NOT replied yet"
    return (
        f"You help the sales team of {transcript.page_name} qualify leads from their "
        f"{transcript.platform.capitalize()} inbox. Below is a conversation with {transcript.contact_name}; "
        f"the business {replied}. Lines are oldest first.\n\n"
    )


def summary_prompt(transcript: Transcript, budget_chars: int) -> str:
    return (
        _header(transcript)
        + render_transcript(transcript, budget_chars)
        + "\n\nWrite `summary`: 3-5 factual sentences on who the customer is, what they want, what the business "
        "answered, and where things stand. Do not invent facts, prices or names."
    )


def analysis_prompt(transcript: Transcript, stages: Sequence[str], budget_chars: int) -> str:
    statuses = ", ".join(status.value for status in LeadStatus)
    return (
        _header(transcript)
        + render_transcript(transcript, budget_chars)
        + "\n\nThe pipeline's stages, in order: "
        + " -> ".join(stages)
        + ".\nAnswer with:\n"
        "- summary: 3-5 factual sentences (who, what they want, what the business answered, where things stand);\n"
        "- recommended_stage: exactly one of the stages above;\n"
        "- lead_score: 0-100, how likely this customer is to buy soon;\n"
        f"- lead_status: one of {statuses};\n"
        "- confidence: 0-100, how sure you are of the stage;\n"
        "- reasoning: one sentence naming the signals that decided the stage.\n"
        "Whether and how the business replied matters: an unanswered question is not yet 'contacted'."
    )
