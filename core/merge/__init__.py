"""The same person on Messenger and Instagram: candidate pairs of one page's contacts, scored."""

from core.merge.candidates import SUGGEST_THRESHOLD, Candidate, Person, find_candidates
from core.merge.details import contact_details

__all__ = ["SUGGEST_THRESHOLD", "Candidate", "Person", "contact_details", "find_candidates"]
