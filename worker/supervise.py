"""`python -m worker.supervise COMMAND...`: runs COMMAND, and runs it again whenever it exits, until stopped.

The Procfile wraps its RQ processes (and the dispatcher) in it because RQ does not survive a Redis outage
by itself: `rq worker` retries only while it waits for a job (an error while it records a job's end or its
own state makes it quit). Under honcho one exiting process stops all the
others, so without this a Redis outage took the whole stack down. Restarts back off (1 s doubling to
30 s, from 1 s again once the command has run a minute), so a command that cannot start costs little and
one that can is back within 30 s of Redis returning. SIGTERM and SIGINT are passed to the command once
and end the supervision: Ctrl-C on `make run` stops everything as before.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from types import FrameType

from core import logfmt

log = logging.getLogger("fbsync.supervise")

FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
# A command that ran this long was healthy: its next failure is a new outage, retried quickly again.
HEALTHY_RUN_SECONDS = 60.0
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: if the supervisor is killed (-9), the kernel stops the command too."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: only the supervisor's own signal handling applies
        pass


def supervise(command: list[str]) -> int:
    stop_signal: list[int] = []
    child: subprocess.Popen[bytes] | None = None

    def stop(signum: int, frame: FrameType | None) -> None:
        # honcho signals the whole process group; the command has a session of its own, so it hears
        # the signal once, from here (a second SIGTERM is a cold shutdown for `rq worker`).
        if not stop_signal:
            stop_signal.append(signum)
            if child is not None and child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    backoff = FIRST_BACKOFF_SECONDS
    restarts = 0
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command, start_new_session=True, preexec_fn=_die_with_parent)
        if stop_signal:  # stopped while it was being started
            child.send_signal(stop_signal[0])
        returncode = child.wait()
        if stop_signal:
            return 0 if returncode in (0, -stop_signal[0]) else returncode
        if time.monotonic() - started >= HEALTHY_RUN_SECONDS:
            backoff = FIRST_BACKOFF_SECONDS
        restarts += 1
        log.warning(
            "supervised command exited, restarting command=%s returncode=%s restart=%d backoff_seconds=%.0f",
            # The program and its subcommand only: the rest may hold a URL with a password.
            "_".join([os.path.basename(command[0]), *command[1:2]]),
            returncode,
            restarts,
            backoff,
        )
        deadline = time.monotonic() + backoff
        while not stop_signal and time.monotonic() < deadline:
            time.sleep(0.1)
        if stop_signal:
            return 0
        backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)


def main(argv: list[str] | None = None) -> int:
    command = sys.argv[1:] if argv is None else argv
    if not command:
        print("usage: python -m worker.supervise COMMAND [ARGS...]", file=sys.stderr)
        return 2
    logfmt.configure(os.environ.get("FBSYNC_LOG_LEVEL", "INFO"))
    return supervise(command)


if __name__ == "__main__":
    sys.exit(main())
