"""One contact as a lead: what a card shows and an export writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

# Meta Business Suite's inbox; a conversation opens with the customer's id and the thread's kind.
BUSINESS_INBOX = "https://business.facebook.com/latest/inbox/all"


@dataclass(frozen=True)
class Lead:
    contact_id: int
    page_pk: int
    page_id: str  # Meta's
    page_name: str
    messenger_psid: str | None
    instagram_sid: str | None
    first_name: str | None
    last_name: str | None
    instagram_username: str | None
    pipeline_id: int | None
    stage_id: int | None
    stage: str | None
    stage_set_by: str | None  # a Slack user id; None: the analysis placed it
    ai_stage_id: int | None
    ai_stage: str | None  # what the latest analysis recommends
    lead_score: int
    lead_status: str
    confidence: int | None
    summary: str | None
    evidence: tuple[str, ...]
    last_interaction: datetime | None
    stage_entered_at: datetime | None

    @property
    def name(self) -> str:
        full = " ".join(part for part in (self.first_name, self.last_name) if part)
        return full or (f"@{self.instagram_username}" if self.instagram_username else "Unknown customer")

    @property
    def platform(self) -> str:
        both = self.messenger_psid and self.instagram_sid
        return "Messenger + Instagram" if both else "Messenger" if self.messenger_psid else "Instagram"

    @property
    def ai_disagrees(self) -> bool:
        """A person's stage stands where the latest analysis would put the contact elsewhere."""
        return self.stage_set_by is not None and self.ai_stage_id is not None and self.ai_stage_id != self.stage_id

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Lead:
        return cls(**{**row, "evidence": tuple(row["evidence"] or ())})


def inbox_link(lead: Lead) -> str:
    """The person's conversation in Meta Business Suite's inbox."""
    if lead.messenger_psid:
        thread = {"selected_item_id": lead.messenger_psid, "thread_type": "FB_MESSAGE"}
    else:
        thread = {"selected_item_id": lead.instagram_sid or "", "thread_type": "IG_MESSAGE"}
    return f"{BUSINESS_INBOX}?{urlencode({'asset_id': lead.page_id, **thread})}"
