"""What every bench prints besides its figures: the machine they were measured on, and each goal's verdict."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path


def machine() -> str:
    """Cores, CPU model, Python and load: runs on a shared machine vary with what else runs on it."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = next(line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor() or "unknown CPU"
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"{os.cpu_count()} cores ({model}), Python {sys.version.split()[0]}, load average {load} (1, 5, 15 min)"


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"
