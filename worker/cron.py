"""Periodic jobs, run by `rq cron worker/cron.py`.

They are short, so they go on the refresh queue, whose worker is never busy for long: on the sync
queue they would wait behind a sync that can take hours.
"""

from rq import cron

from worker.jobs import queue_pending_analyses, queue_pending_refreshes, sweep_stale_jobs
from worker.queues import REFRESH_QUEUE
from worker.scheduled import check_tokens, schedule_due_syncs

# How often acknowledged webhook deliveries are expanded and the refreshes owed looked at: a delivery
# is expanded this long after its 200 at most, and a refresh runs this much after its debounce.
REFRESH_DRAIN_SECONDS = 2

# A killed worker leaves its job IN_PROGRESS; this frees the page within a minute of the job going stale.
cron.register(sweep_stale_jobs, REFRESH_QUEUE, interval=60)
# Webhook deliveries are expanded, and the refreshes they owe (PostgreSQL holds both) go on the
# queue once due: this is the debounce, and it survives Redis restarts and flushes. A tick not run
# within its ttl (its worker was busy) is dropped rather than piled up; the next one does the same work.
cron.register(queue_pending_refreshes, REFRESH_QUEUE, interval=REFRESH_DRAIN_SECONDS, ttl=30, result_ttl=60)
# Analysis backlog without a live analysis job (its worker died, the queue was lost) is queued again.
cron.register(queue_pending_analyses, REFRESH_QUEUE, interval=60)
# Pages whose sync interval has passed (incremental syncs; they also reconcile webhooks Meta dropped).
cron.register(schedule_due_syncs, REFRESH_QUEUE, interval=60)
# Dead or expiring page tokens are flagged before syncs start failing.
cron.register(check_tokens, REFRESH_QUEUE, interval=24 * 3600)
