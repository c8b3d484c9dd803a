"""Large backfills through Gemini's Batch API, at half the price: submitting (submit.py) and polling and
applying (poll.py). Without FBSYNC_GEMINI_BATCH, or below FBSYNC_GEMINI_BATCH_MIN contacts, nothing here runs."""

from core.gemini_backfill.poll import PollResult, poll
from core.gemini_backfill.submit import EXPECTED_WITHIN, Offload, Submitted, offload

__all__ = ["EXPECTED_WITHIN", "Offload", "PollResult", "Submitted", "offload", "poll"]
