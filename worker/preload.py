"""fbsync's settings module for `rq worker -c worker.preload`. It sets nothing: importing it makes the
worker's main process load the job code once, so each job's fork starts with it loaded instead of
importing it again (about half a second of CPU per job: the refresh drain runs every 2 s, and the App
Home job, with matplotlib, after every analysis batch). First, with FBSYNC_METRICS_PORT, the worker's
own metrics endpoint, before the job code imports prometheus_client (worker/metrics_port.py)."""

from worker.metrics_port import serve_from_env

serve_from_env(forks=True)

import worker.alerts  # noqa: E402, F401
import worker.home  # noqa: E402, F401
import worker.jobs  # noqa: E402, F401
