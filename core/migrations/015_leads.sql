-- Leads in Slack: who set a contact's stage, what the analysis last said of it, finding people by
-- name, and the work kinds of the Slack surfaces (alerts, the App Home, exports).

-- stage_set_by: NULL when the stage is the analysis's (or none); otherwise the Slack user id of the
-- person who set it, whose stage later analyses never move (core/pipeline/assign.py); when, and
-- from which stage, is on the audit trail (contact_activities, type STAGE_SET).
-- ai_stage_id: the stage the latest analysis recommends, kept even where a person's stage stands,
-- so that a card can say "AI suggests ...". ai_confidence and ai_evidence: that analysis's own.
-- search_name: names folded for lookup (case and accents: "jose" finds "José").
ALTER TABLE contacts
    ADD COLUMN stage_set_by   text,
    ADD COLUMN ai_stage_id    bigint REFERENCES pipeline_stages(id) ON DELETE SET NULL,
    ADD COLUMN ai_confidence  integer CHECK (ai_confidence BETWEEN 0 AND 100),
    ADD COLUMN ai_evidence    jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN search_name    text GENERATED ALWAYS AS (
        regexp_replace(normalize(lower(
            coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(instagram_username, '')), NFD),
                       '[\u0300-\u036f]', '', 'g')) STORED;

-- The hottest open leads of a page, without a sort of all its contacts.
CREATE INDEX contacts_page_score_idx ON contacts (facebook_page_id, lead_score DESC, id);

-- The stage names whose new entrants are announced in the page's notify channel; NULL: the default
-- (Qualified Lead, Proposal Sent), '{}': none.
ALTER TABLE facebook_pages ADD COLUMN alert_stages text[];

-- A contact's entry into an alert stage, announced once per contact and stage: owed when the
-- analysis moves it there, sent_at set by the alert job that posts it (alone or in a digest).
CREATE TABLE lead_alerts (
    contact_id        bigint NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    stage_id          bigint NOT NULL REFERENCES pipeline_stages(id) ON DELETE CASCADE,
    facebook_page_id  bigint NOT NULL REFERENCES facebook_pages(id) ON DELETE CASCADE,
    entered_at        timestamptz NOT NULL DEFAULT now(),
    sent_at           timestamptz,
    PRIMARY KEY (contact_id, stage_id)
);
CREATE INDEX lead_alerts_unsent_idx ON lead_alerts (facebook_page_id) WHERE sent_at IS NULL;

--   kind 'alerts'  subject_id = page id: the page's unsent lead alerts are to be posted
--   kind 'home'    subject_id = organization id: its App Home tabs are to be published again
--   kind 'export'  subject_id = lead export id: a CSV export to run and upload
ALTER TABLE pending_work DROP CONSTRAINT pending_work_kind_check;
ALTER TABLE pending_work ADD CONSTRAINT pending_work_kind_check
    CHECK (kind IN ('refresh', 'analysis', 'sync', 'slack_parent', 'token_check', 'alerts', 'home', 'export'));

-- A person's stage on the audit trail: details.set_by is the Slack user, details.team their workspace.
ALTER TABLE contact_activities DROP CONSTRAINT contact_activities_type_check;
ALTER TABLE contact_activities ADD CONSTRAINT contact_activities_type_check
    CHECK (type IN ('STAGE_CHANGED', 'AI_ANALYZED', 'STAGE_SET'));
