-- fbsync initial schema. PostgreSQL is the source of truth; Redis only holds queues, locks and buckets.

CREATE TABLE organizations (
    id             bigserial PRIMARY KEY,
    slack_team_id  text UNIQUE,
    name           text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pipelines (
    id               bigserial PRIMARY KEY,
    organization_id  bigint NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name             text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, name)
);

CREATE TABLE pipeline_stages (
    id           bigserial PRIMARY KEY,
    pipeline_id  bigint NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
    name         text NOT NULL,
    position     integer NOT NULL,
    UNIQUE (pipeline_id, position),
    UNIQUE (pipeline_id, name)
);

CREATE TABLE facebook_pages (
    id                    bigserial PRIMARY KEY,
    organization_id       bigint NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    page_id               text NOT NULL UNIQUE,
    name                  text NOT NULL,
    page_token            text NOT NULL,
    instagram_account_id  text UNIQUE,
    instagram_username    text,
    auto_sync             boolean NOT NULL DEFAULT true,
    sync_interval         integer NOT NULL DEFAULT 3600 CHECK (sync_interval > 0),
    last_synced_at        timestamptz,
    auto_pipeline_id      bigint REFERENCES pipelines(id) ON DELETE SET NULL,
    auto_pipeline_mode    text NOT NULL DEFAULT 'SKIP_EXISTING'
                          CHECK (auto_pipeline_mode IN ('SKIP_EXISTING', 'UPDATE_EXISTING')),
    needs_reauth          boolean NOT NULL DEFAULT false,
    notify_channel        text,
    is_active             boolean NOT NULL DEFAULT true,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contacts (
    id                     bigserial PRIMARY KEY,
    facebook_page_id       bigint NOT NULL REFERENCES facebook_pages(id) ON DELETE CASCADE,
    messenger_psid         text,
    instagram_sid          text,
    first_name             text,
    last_name              text,
    instagram_username     text,
    profile_pic_url        text,
    locale                 text,
    timezone               integer,
    has_messenger          boolean NOT NULL DEFAULT false,
    has_instagram          boolean NOT NULL DEFAULT false,
    pipeline_id            bigint REFERENCES pipelines(id) ON DELETE SET NULL,
    stage_id               bigint REFERENCES pipeline_stages(id) ON DELETE SET NULL,
    stage_entered_at       timestamptz,
    lead_score             integer NOT NULL DEFAULT 0 CHECK (lead_score BETWEEN 0 AND 100),
    lead_status            text NOT NULL DEFAULT 'NEW',
    ai_context             text,
    ai_context_updated_at  timestamptz,
    last_interaction       timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CHECK (messenger_psid IS NOT NULL OR instagram_sid IS NOT NULL),
    UNIQUE (facebook_page_id, messenger_psid),
    UNIQUE (facebook_page_id, instagram_sid)
);
CREATE INDEX contacts_stage_idx ON contacts (pipeline_id, stage_id);

CREATE TABLE conversations (
    id                bigserial PRIMARY KEY,
    facebook_page_id  bigint NOT NULL REFERENCES facebook_pages(id) ON DELETE CASCADE,
    graph_id          text NOT NULL UNIQUE,
    platform          text NOT NULL CHECK (platform IN ('messenger', 'instagram')),
    contact_id        bigint NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    updated_time      timestamptz NOT NULL,
    analyzed_at       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_contact_idx ON conversations (contact_id);

CREATE TABLE messages (
    id               bigserial PRIMARY KEY,
    conversation_id  bigint NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    mid              text NOT NULL UNIQUE,
    sender_id        text NOT NULL,
    sender_name      text,
    text             text,
    created_time     timestamptz NOT NULL,
    is_echo          boolean NOT NULL DEFAULT false
);
CREATE INDEX messages_conversation_time_idx ON messages (conversation_id, created_time);

CREATE TABLE sync_jobs (
    id                bigserial PRIMARY KEY,
    facebook_page_id  bigint NOT NULL REFERENCES facebook_pages(id) ON DELETE CASCADE,
    status            text NOT NULL DEFAULT 'PENDING'
                      CHECK (status IN ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED')),
    full_sync         boolean NOT NULL DEFAULT false,
    total_contacts    integer NOT NULL DEFAULT 0,
    synced_contacts   integer NOT NULL DEFAULT 0,
    failed_contacts   integer NOT NULL DEFAULT 0,
    conversations_seen integer NOT NULL DEFAULT 0,
    errors            jsonb NOT NULL DEFAULT '[]'::jsonb,
    failure_reason    text,
    token_expired     boolean NOT NULL DEFAULT false,
    cancel_requested  boolean NOT NULL DEFAULT false,
    slack_channel     text,
    slack_thread_ts   text,
    requested_by      text,
    heartbeat_at      timestamptz,
    started_at        timestamptz,
    completed_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
-- Two concurrent starts for one page cannot both succeed: the database refuses the second.
CREATE UNIQUE INDEX sync_jobs_one_active_per_page ON sync_jobs (facebook_page_id)
    WHERE status IN ('PENDING', 'IN_PROGRESS');
CREATE INDEX sync_jobs_page_created_idx ON sync_jobs (facebook_page_id, created_at DESC);

CREATE TABLE contact_activities (
    id             bigserial PRIMARY KEY,
    contact_id     bigint NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    type           text NOT NULL,
    from_stage_id  bigint REFERENCES pipeline_stages(id) ON DELETE SET NULL,
    to_stage_id    bigint REFERENCES pipeline_stages(id) ON DELETE SET NULL,
    lead_score     integer,
    confidence     integer,
    reasoning      text,
    details        jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contact_activities_contact_idx ON contact_activities (contact_id, created_at);

CREATE TABLE webhook_events (
    id            bigserial PRIMARY KEY,
    object        text NOT NULL,
    page_id       text NOT NULL,
    sender_id     text,
    mid           text UNIQUE,
    kind          text NOT NULL,
    payload       jsonb NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    enqueued_at   timestamptz,
    processed_at  timestamptz
);
CREATE INDEX webhook_events_unenqueued_idx ON webhook_events (received_at) WHERE enqueued_at IS NULL;
