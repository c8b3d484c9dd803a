"""`make run`: production on this machine. The Procfile's release phase, then its processes under honcho.

The processes find `gunicorn`, `rq` and `fbsync` in this venv, so nothing needs activating. Configuration
comes from the environment and `.env`; without DATABASE_URL or REDIS_URL, embedded PostgreSQL and Redis
are started with their data under `.fbsync/` (kept between runs). `--socket-mode` adds Procfile.socket's
`bot`. Unless PROMETHEUS_MULTIPROC_DIR is set, the processes count metrics into `.fbsync/metrics`,
emptied at each start. Ctrl-C (or SIGTERM) stops every process, then the embedded services.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path
from types import FrameType

from honcho.environ import parse, parse_procfile

from core.metrics import MULTIPROC_VARIABLE
from sandbox.services import embedded_postgres, embedded_redis

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RELEASE = "release"
DEFAULT_PORT = "8000"


def procfile_processes(*procfiles: Path) -> dict[str, str]:
    processes: dict[str, str] = {}
    for procfile in procfiles:
        processes.update(parse_procfile(procfile.read_text()).processes)
    return processes


def environment(data_dir: Path, stack: ExitStack) -> dict[str, str]:
    dotenv = ROOT / ".env"
    env = {**os.environ, **(parse(dotenv.read_text()) if dotenv.exists() else {})}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PORT", DEFAULT_PORT)
    if not env.get(MULTIPROC_VARIABLE):
        # Every process of this run counts into one place; a run starts from zero.
        metrics_dir = data_dir / "metrics"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir()
        env[MULTIPROC_VARIABLE] = str(metrics_dir)
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = stack.enter_context(embedded_postgres(data_dir / "pg"))
        print(f"run: DATABASE_URL unset: embedded PostgreSQL, data in {data_dir / 'pg'}", flush=True)
    if not env.get("REDIS_URL"):
        env["REDIS_URL"] = stack.enter_context(embedded_redis(data_dir))
        print(f"run: REDIS_URL unset: embedded Redis, data in {data_dir}", flush=True)
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make run", description=__doc__.splitlines()[0])
    parser.add_argument("--socket-mode", action="store_true", help="also run the Socket Mode bot (SLACK_APP_TOKEN)")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".fbsync", help="embedded services' data")
    args = parser.parse_args(argv)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    processes = procfile_processes(ROOT / "Procfile", *([ROOT / "Procfile.socket"] if args.socket_mode else []))
    release = processes.pop(RELEASE, None)
    with ExitStack() as stack:
        env = environment(args.data_dir, stack)
        if release:
            print(f"run: release: {release}", flush=True)
            if subprocess.run(release, shell=True, env=env, cwd=ROOT).returncode != 0:
                print("run: the release phase failed; nothing started", file=sys.stderr)
                return 1
        procfile = args.data_dir / "Procfile.run"
        procfile.write_text("".join(f"{name}: {command}\n" for name, command in processes.items()))
        honcho = subprocess.Popen(
            [
                str(BIN / "honcho"),
                "start",
                "--procfile",
                str(procfile),
                "--app-root",
                str(ROOT),
                "--port",
                env["PORT"],
                *processes,
            ],
            env=env,
            cwd=ROOT,
        )

        def stop(signum: int, frame: FrameType | None) -> None:
            # honcho stops its processes on SIGTERM (waiting a few seconds before killing stragglers).
            if honcho.poll() is None:
                honcho.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        return honcho.wait()


if __name__ == "__main__":
    if not shutil.which("honcho", path=str(BIN)):
        sys.exit("run: honcho is not installed in this venv (make install)")
    sys.exit(main())
