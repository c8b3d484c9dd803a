"""One person on Messenger and Instagram: likely pairs scored (candidates), kept and reviewed
(review), and merged or unmerged (merging)."""

from core.merge.candidates import SUGGEST_THRESHOLD, Candidate, Person, find_candidates
from core.merge.details import contact_details
from core.merge.merging import Merged, MergeRefused, Unmerged, merge, unmerge
from core.merge.review import (
    Suggestion,
    automerge,
    automerge_score,
    pair_leads,
    reject,
    set_automerge_score,
    suggestions,
)

__all__ = [
    "SUGGEST_THRESHOLD",
    "Candidate",
    "MergeRefused",
    "Merged",
    "Person",
    "Suggestion",
    "Unmerged",
    "automerge",
    "automerge_score",
    "contact_details",
    "find_candidates",
    "merge",
    "pair_leads",
    "reject",
    "set_automerge_score",
    "suggestions",
    "unmerge",
]
