"""Packing several contacts into one analyzer request: with a per-minute request quota, one
conversation per call wastes it. Packs hold at most `pack_size` contacts and about `pack_chars`
characters of transcript; a contact bigger than that goes alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from core.analysis.model import Analysis, AnalysisFailed, AnalysisUnavailable, Transcript


@runtime_checkable
class PackAnalyzer(Protocol):
    """An analyzer that takes several transcripts per request (Gemini); the others take one at a time."""

    pack_size: int
    pack_chars: int
    char_budget: int  # characters of one transcript put in a request

    def analyze_pack(
        self,
        transcripts: Sequence[Transcript],
        stages: Sequence[str] | None,
        definitions: Mapping[str, str] | None = None,
    ) -> list[Analysis | AnalysisFailed | AnalysisUnavailable]:
        """One result per transcript, in order; raises AnalysisUnavailable for the whole pack."""


@runtime_checkable
class OfflineAnalyzer(Protocol):
    """An analyzer that runs in this process, without quota (the rules): it costs CPU only, so its
    batches are as large as the database writes well (`offline_batch`) and run on one thread."""

    offline_batch: int


def plan_packs(transcripts: Sequence[Transcript], pack_size: int, pack_chars: int, char_budget: int) -> list[list[int]]:
    """Indexes of `transcripts`, grouped into packs in order."""
    packs: list[list[int]] = []
    used = 0
    for index, transcript in enumerate(transcripts):
        size = min(char_budget, sum(len(line.text) + 40 for line in transcript.lines))
        if not packs or len(packs[-1]) >= pack_size or (packs[-1] and used + size > pack_chars):
            packs.append([])
            used = 0
        packs[-1].append(index)
        used += size
    return packs
