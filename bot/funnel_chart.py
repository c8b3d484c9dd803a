"""A page's funnel as a PNG for the App Home: one centred bar per stage, widest for the fullest.

Drawn with matplotlib's Agg canvas on a Figure of its own (never pyplot: no GUI, no global figure).
matplotlib is not thread-safe and Bolt runs listeners in threads, so drawing takes a lock.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Part of the digest: a change to the drawing below must change it, so that every page is drawn anew.
CHART_VERSION = 1
MAX_STAGES = 12  # a taller picture would push the page's numbers out of sight
_NAME_CHARS = 28
_WIDTH_INCHES = 6.0
_ROW_INCHES = 0.42
_DPI = 100
_MIN_BAR = 0.02  # an empty stage still shows as a sliver
_COLOURS = ("#1d4ed8", "#2563eb", "#3b82f6", "#60a5fa", "#93c5fd")
_CLOSED_COLOURS = {"won": "#16a34a", "lost": "#9ca3af"}

_drawing = threading.Lock()


def charted(stages: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """What the picture draws of a page's stages (name, contacts): nothing when all are empty."""
    shown = list(stages[:MAX_STAGES])
    return shown if any(count for _, count in shown) else []


def funnel_digest(stages: Sequence[tuple[str, int]]) -> str:
    """Names what `render_funnel` draws: equal digests, equal pictures."""
    return hashlib.sha256(json.dumps([CHART_VERSION, charted(stages)]).encode()).hexdigest()


def render_funnel(stages: Sequence[tuple[str, int]]) -> bytes:
    """The PNG of `charted(stages)`, which must not be empty."""
    shown = charted(stages)
    assert shown, "no funnel to draw"
    widest = max(count for _, count in shown)
    with _drawing:
        figure = Figure(figsize=(_WIDTH_INCHES, _ROW_INCHES * len(shown) + 0.3), dpi=_DPI, facecolor="white")
        FigureCanvasAgg(figure)
        # The left third holds the stage names; the bars are centred in the rest, from -0.5 to 0.5.
        axes = figure.add_axes((0.36, 0.02, 0.62, 0.96))
        axes.set_xlim(-0.5, 0.5)
        axes.set_ylim(-0.5, len(shown) - 0.5)
        axes.axis("off")
        for row, (name, count) in enumerate(shown):
            y = len(shown) - 1 - row  # the first stage on top
            width = max(count / widest, _MIN_BAR)
            axes.barh(y, width, left=-width / 2, height=0.78, color=_colour(name, row))
            # parse_math=False: a "$" in a stage name is a dollar sign, not mathtext.
            axes.text(-0.53, y, _clip(name), ha="right", va="center", fontsize=11, parse_math=False)
            inside = width >= 0.18
            axes.text(
                0 if inside else width / 2 + 0.02,
                y,
                f"{count:,}",
                ha="center" if inside else "left",
                va="center",
                fontsize=11,
                fontweight="bold",
                color="white" if inside else "#111827",
                parse_math=False,
            )
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _colour(name: str, row: int) -> str:
    return _CLOSED_COLOURS.get(name.casefold(), _COLOURS[min(row, len(_COLOURS) - 1)])


def _clip(name: str) -> str:
    return name if len(name) <= _NAME_CHARS else name[: _NAME_CHARS - 1] + "…"
