-- AI analysis and pipeline assignment: per-job analysis counts; a conversation whose analyzed_at is
-- NULL (or older than its updated_time) is due for analysis, which is how "re-analyse later" is kept.

ALTER TABLE sync_jobs
    ADD COLUMN analyzed_contacts  integer NOT NULL DEFAULT 0,
    ADD COLUMN analysis_deferred  integer NOT NULL DEFAULT 0,
    ADD COLUMN analysis_failed    integer NOT NULL DEFAULT 0,
    ADD COLUMN stage_changes      integer NOT NULL DEFAULT 0;

CREATE INDEX conversations_unanalyzed_idx ON conversations (facebook_page_id) WHERE analyzed_at IS NULL;

ALTER TABLE contacts
    ADD CONSTRAINT contacts_lead_status_check CHECK (lead_status IN
        ('NEW', 'CONTACTED', 'QUALIFIED', 'PROPOSAL_SENT', 'WON', 'LOST', 'UNQUALIFIED'));

ALTER TABLE contact_activities
    ADD CONSTRAINT contact_activities_type_check CHECK (type IN ('STAGE_CHANGED', 'AI_ANALYZED'));
