"""Periodic jobs, run by `rq cron worker/cron.py`."""
from rq import cron

from worker.jobs import sweep_stale_jobs
from worker.queues import SYNC_QUEUE

# A killed worker leaves its job IN_PROGRESS; this frees the page within a minute of the job going stale.
cron.register(sweep_stale_jobs, SYNC_QUEUE, interval=60)
