"""Driving `wrk` (Debian's package) with signed Meta deliveries, each request distinct.

wrk's Lua cannot sign a body (no HMAC), so the requests are signed here beforehand, written one per
line (a JSON body never holds a raw newline) and read by each wrk thread, which sends its own share
in turn, over and over. A request sent again is a re-delivery, which Meta also does: acknowledged and
stored like any other, and expanded once.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CONNECTIONS, THREADS = 16, 2

# Thread n of THREADS sends lines n, n + THREADS, ... of the file.
_SCRIPT = """
local counter, threads = 0, {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  bodies, signatures, n = {}, {}, 0
  local i = 0
  for line in io.lines("%(requests)s") do
    if i %% %(threads)d == id then
      local signature, body = line:match("^(%%x+) (.*)$")
      signatures[#signatures + 1] = signature
      bodies[#bodies + 1] = body
    end
    i = i + 1
  end
end
function request()
  n = n %% #bodies + 1
  return wrk.format("POST", "/webhooks/facebook",
    {["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = "sha256=" .. signatures[n]}, bodies[n])
end
"""


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    requests: int
    non_2xx: int
    errors: int
    p99_ms: float


def available() -> bool:
    return shutil.which("wrk") is not None


def write_script(folder: Path, count: int, signed: Callable[[int], tuple[str, str]]) -> Path:
    """`count` requests (`signed(n)` gives the signature's hex digest and the body) and the script sending them."""
    requests = folder / "requests.txt"
    with requests.open("w") as out:
        for n in range(count):
            signature, body = signed(n)
            out.write(f"{signature} {body}\n")
    script = folder / "deliveries.lua"
    script.write_text(_SCRIPT % {"requests": requests, "threads": THREADS})
    return script


def run(port: int, script: Path, seconds: float) -> WrkResult:
    output = subprocess.run(
        [
            "wrk",
            f"-t{THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{seconds:.0f}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/webhooks/facebook",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return parse(output)


def parse(output: str) -> WrkResult:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    if not (rate and total):
        raise RuntimeError(f"wrk printed no rate:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return WrkResult(
        requests_per_second=float(rate.group(1)),
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=sum(int(g) for g in errors.groups()) if errors else 0,
        p99_ms=float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan"),
    )
