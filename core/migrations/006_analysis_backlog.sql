-- People, not threads: every participant of a conversation is linked to it, and each link keeps the
-- conversation's updated_time last analysed for that person. A contact whose links are behind their
-- conversations is the analysis backlog, which an analysis job drains at the AI quota's pace.
-- conversations.contact_id stays the first participant; conversations.analyzed_at is set once every
-- participant has been analysed at the conversation's updated_time.

CREATE TABLE conversation_contacts (
    conversation_id  bigint NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    contact_id       bigint NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    analyzed_at      timestamptz,
    PRIMARY KEY (conversation_id, contact_id)
);
CREATE INDEX conversation_contacts_contact_idx ON conversation_contacts (contact_id);
INSERT INTO conversation_contacts (conversation_id, contact_id, analyzed_at)
    SELECT id, contact_id, analyzed_at FROM conversations;
CREATE INDEX conversations_page_updated_idx ON conversations (facebook_page_id, updated_time DESC);

-- The analysis that follows a sync, reported on that sync's record: contacts still waiting, the rate
-- measured (analyses per minute), why it is deferred when it is, and when the backlog emptied.
ALTER TABLE sync_jobs
    ADD COLUMN analysis_backlog          integer NOT NULL DEFAULT 0,
    ADD COLUMN analysis_rate             real,
    ADD COLUMN analysis_deferred_reason  text,
    ADD COLUMN analysis_completed_at     timestamptz;
