"""Periodic jobs, run by `rq cron worker/cron.py`.

They are short, so they go on the refresh queue, whose worker is never busy for long: on the sync
queue they would wait behind a sync that can take hours.
"""
from rq import cron

from worker.jobs import queue_pending_refreshes, sweep_stale_jobs
from worker.queues import REFRESH_QUEUE
from worker.scheduled import check_tokens, schedule_due_syncs

# A killed worker leaves its job IN_PROGRESS; this frees the page within a minute of the job going stale.
cron.register(sweep_stale_jobs, REFRESH_QUEUE, interval=60)
# Webhook events stored while Redis was down get their refresh once it is back.
cron.register(queue_pending_refreshes, REFRESH_QUEUE, interval=30)
# Pages whose sync interval has passed (incremental syncs; they also reconcile webhooks Meta dropped).
cron.register(schedule_due_syncs, REFRESH_QUEUE, interval=60)
# Dead or expiring page tokens are flagged before syncs start failing.
cron.register(check_tokens, REFRESH_QUEUE, interval=24 * 3600)
