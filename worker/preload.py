"""fbsync's settings module for `rq worker -c worker.preload`. It sets nothing: importing it makes the
worker's main process load the job code once, so each job's fork starts with it loaded instead of
importing it again (about half a second of CPU per job: the refresh drain runs every 2 s, and the App
Home job, with matplotlib, after every analysis batch)."""

import worker.alerts  # noqa: F401
import worker.home  # noqa: F401
import worker.jobs  # noqa: F401
