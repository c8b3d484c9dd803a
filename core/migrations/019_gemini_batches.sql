-- Gemini Batch API backfills (core/gemini_backfill.py): a large full sync's analysis at half the price.
-- A batch is recorded before it is created at Google (name NULL until then; its display name is
-- "fbsync-batch-<id>", so a worker killed in between finds it again in Google's list), with the
-- contacts it carries and what each was read at: a result applies only to those messages.
CREATE TABLE gemini_batches (
    id               bigserial PRIMARY KEY,
    facebook_page_id bigint NOT NULL REFERENCES facebook_pages(id) ON DELETE CASCADE,
    sync_job_id      bigint NOT NULL REFERENCES sync_jobs(id) ON DELETE CASCADE,
    name             text UNIQUE,           -- "batches/…" at Google
    key_bucket       text,                  -- which API key (a hash of it) owns it; NULL until created
    stages           text[],                -- the pipeline's stages the prompts named; NULL: summaries
    requests         integer NOT NULL,      -- inlined requests (packs of contacts)
    state            text NOT NULL DEFAULT 'BATCH_STATE_PENDING',
    submitted_at     timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);
CREATE INDEX gemini_batches_job ON gemini_batches (sync_job_id);

-- One row per contact of a batch. `waiting`: the result is still to come, so the online drain leaves
-- the contact alone; cleared when it is applied or when the batch failed or lost it (then the online
-- path analyses it, and it is not batched again for the same sync).
CREATE TABLE gemini_batch_contacts (
    batch_id      bigint NOT NULL REFERENCES gemini_batches(id) ON DELETE CASCADE,
    contact_id    bigint NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    request_index integer NOT NULL,         -- its inlined request, in order
    ref           text NOT NULL,            -- its conversation id in that request ("C3")
    contact_name  text NOT NULL,            -- the customer name the request gave (the answer must repeat it)
    version       text NOT NULL,            -- core/transcripts.scope_versions as read
    conversations jsonb NOT NULL,           -- [[conversation id, updated_time], ...] as read
    waiting       boolean NOT NULL DEFAULT true,
    PRIMARY KEY (batch_id, contact_id)
);
CREATE INDEX gemini_batch_contacts_waiting ON gemini_batch_contacts (contact_id) WHERE waiting;

--   kind 'gemini_batch'  subject_id = gemini_batches.id: the batch is to be polled (and its results applied)
-- Every kind known to any migration is listed, so that the order migrations are merged in does not matter.
ALTER TABLE pending_work DROP CONSTRAINT pending_work_kind_check;
ALTER TABLE pending_work ADD CONSTRAINT pending_work_kind_check
    CHECK (kind IN ('refresh', 'analysis', 'sync', 'slack_parent', 'token_check', 'alerts', 'home', 'export',
                    'merges', 'gemini_batch'));
