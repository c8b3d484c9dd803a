-- A CSV export of a page's contacts asked for in Slack (`/fbsync export`): the row is created with its
-- pending_work (kind 'export', subject_id = this id) in one transaction, and the export job records
-- how it went. progress_channel / progress_ts: the requester's DM message the job keeps up to date,
-- kept so that a retried job (Slack refused the upload) updates the same message. A stage deleted
-- meanwhile takes its exports with it: exporting every stage instead would hand out more than asked.
CREATE TABLE lead_exports (
    id                bigserial PRIMARY KEY,
    facebook_page_id  bigint NOT NULL REFERENCES facebook_pages(id) ON DELETE CASCADE,
    stage_id          bigint REFERENCES pipeline_stages(id) ON DELETE CASCADE,  -- NULL: every stage
    slack_team_id     text NOT NULL,
    slack_user_id     text NOT NULL,
    status            text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED')),
    row_count         integer,
    error             text,
    progress_channel  text,
    progress_ts       text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz
);
CREATE INDEX lead_exports_page_idx ON lead_exports (facebook_page_id, created_at DESC);
