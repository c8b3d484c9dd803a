-- Webhook deliveries: a message can arrive before we know its conversation's Graph id (a new
-- sender), so messages belong to their contact and get their conversation when a sync sees it.

ALTER TABLE messages ADD COLUMN contact_id bigint REFERENCES contacts(id) ON DELETE CASCADE;
UPDATE messages m SET contact_id = v.contact_id FROM conversations v WHERE v.id = m.conversation_id;
ALTER TABLE messages ALTER COLUMN contact_id SET NOT NULL;
ALTER TABLE messages ALTER COLUMN conversation_id DROP NOT NULL;
CREATE INDEX messages_contact_time_idx ON messages (contact_id, created_time);

-- Only deliveries for connected pages are stored, each tied to its page and contact.
ALTER TABLE webhook_events
    ADD COLUMN facebook_page_id bigint NOT NULL REFERENCES facebook_pages(id) ON DELETE CASCADE,
    ADD COLUMN contact_id bigint REFERENCES contacts(id) ON DELETE CASCADE,
    ADD COLUMN platform text NOT NULL CHECK (platform IN ('messenger', 'instagram')),
    ADD COLUMN standby boolean NOT NULL DEFAULT false;
CREATE INDEX webhook_events_contact_unprocessed_idx ON webhook_events (contact_id) WHERE processed_at IS NULL;
