-- Pending work, one table for every kind: PostgreSQL is the only record of what is owed, and Redis
-- only carries the queues that wake a worker for it (core/work.py).
--   kind 'refresh'       subject_id = contact id: webhook content owes the contact a refresh
--   kind 'analysis'      subject_id = page id: the page's analysis backlog is to be drained
--   kind 'sync'          subject_id = sync job id: a PENDING job to start once due
--   kind 'slack_parent'  subject_id = sync job id: its final Slack parent message is to be written
--   kind 'token_check'   subject_id = 0: the daily check of every page token
-- `due_at` is when it may run; the dispatcher queues due rows, recording `dispatched_at` and a fresh
-- `dispatch_id` (the job carries it: a job of an older dispatch does nothing); the job that takes it
-- holds a session advisory lock (gone the moment its process dies) and records `started_at`; its own
-- commit deletes the row (`settle`, unless `version` moved on meanwhile) or makes it due again.
CREATE SEQUENCE pending_work_dispatch_seq;

CREATE TABLE pending_work (
    kind              text NOT NULL CHECK (kind IN ('refresh', 'analysis', 'sync', 'slack_parent', 'token_check')),
    subject_id        bigint NOT NULL,
    facebook_page_id  bigint REFERENCES facebook_pages(id) ON DELETE CASCADE,
    due_at            timestamptz NOT NULL DEFAULT now(),
    pending_since     timestamptz NOT NULL DEFAULT now(),
    version           bigint NOT NULL DEFAULT 1,
    attempts          integer NOT NULL DEFAULT 0,
    dispatch_id       bigint,
    dispatched_at     timestamptz,
    started_at        timestamptz,
    PRIMARY KEY (kind, subject_id)
);
-- No index on due_at: the table holds only what is owed now (small), and each delivery moves
-- due_at, which an index would turn from an in-place (HOT) update into index writes.

-- What was owed before: refreshes, and the syncs still waiting to start.
INSERT INTO pending_work (kind, subject_id, facebook_page_id, due_at, pending_since, version, attempts)
SELECT 'refresh', contact_id, facebook_page_id, due_at, pending_since, version, attempts FROM pending_refreshes;
INSERT INTO pending_work (kind, subject_id, facebook_page_id, due_at)
SELECT 'sync', id, facebook_page_id, COALESCE(heartbeat_at, created_at) FROM sync_jobs WHERE status = 'PENDING';
INSERT INTO pending_work (kind, subject_id) VALUES ('token_check', 0);

DROP TABLE pending_refreshes;
-- Left behind by early versions of 008 on databases that applied them (fresh ones never had them);
-- no query uses them, and they cost writes on the webhook path.
DROP INDEX IF EXISTS webhook_events_mid_idx;
DROP INDEX IF EXISTS webhook_events_unenqueued_idx;
-- When an event's refresh was queued: pending_work says what is owed now, and nothing read this.
ALTER TABLE webhook_events DROP COLUMN enqueued_at;
