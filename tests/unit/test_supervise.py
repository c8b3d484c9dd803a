"""`python -m worker.supervise` on real processes: a command that exits is run again; a signal to the whole
process group (what honcho sends) stops the command and ends the supervision."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sandbox import processes

# Appends "start" when it starts and "TERM" for each SIGTERM; the first run exits at once, as `rq worker` may
# does when Redis is down; later runs stop at the first SIGTERM, like RQ's warm shutdown.
COMMAND = """
import signal, sys, time
from pathlib import Path
log = Path(sys.argv[1])
def term(signum, frame):
    with log.open("a") as f:
        f.write("TERM\\n")
    time.sleep(0.5)  # a warm shutdown takes a while: no restart meanwhile
    sys.exit(0)
signal.signal(signal.SIGTERM, term)
first = not log.exists()
with log.open("a") as f:
    f.write("start\\n")
if first:
    sys.exit(1)
while True:
    time.sleep(0.1)
"""


def test_an_exited_command_is_restarted_and_a_group_sigterm_stops_it_and_the_supervision(tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "worker.supervise", sys.executable, "-c", COMMAND, str(log)],
        start_new_session=True,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        processes.wait_for(lambda: log.exists() and log.read_text().count("start") == 2, 20, "a restart")
        os.killpg(supervisor.pid, signal.SIGTERM)
        _, errors = supervisor.communicate(timeout=20)
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
    assert log.read_text().split() == ["start", "start", "TERM"]
    assert supervisor.returncode == 0
    assert errors.count("supervised command exited") == 1 and "restart=1" in errors
