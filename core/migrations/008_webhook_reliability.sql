-- Webhooks that lose nothing: refused items on record, natural keys, edits and unsends, and the
-- pending refreshes kept in PostgreSQL rather than in Redis.

-- What a delivery held that is not what Meta sends (and so was not stored), and why: an operator's view.
CREATE TABLE webhook_rejections (
    id           bigserial PRIMARY KEY,
    received_at  timestamptz NOT NULL DEFAULT now(),
    object       text,
    account_id   text,
    location     text NOT NULL,  -- "body", "entry[2]", "entry[0].messaging[7]"
    reason       text NOT NULL,
    excerpt      text NOT NULL   -- the item as ASCII JSON cut to 2,000 characters; a whole body refused: all of it
);
CREATE INDEX webhook_rejections_received_idx ON webhook_rejections (received_at);

-- Every event has a natural key, so a re-delivered read, delivery, reaction or referral stores
-- nothing new; an edit or an unsend shares its message's mid, so mid alone is no longer unique.
ALTER TABLE webhook_events ADD COLUMN dedupe_key text;
UPDATE webhook_events SET dedupe_key = page_id || ':' || kind || ':' || COALESCE(mid, 'legacy-' || id);
ALTER TABLE webhook_events ALTER COLUMN dedupe_key SET NOT NULL;
ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_mid_key;
CREATE UNIQUE INDEX webhook_events_dedupe_key_idx ON webhook_events (dedupe_key);

-- A message edited (message_edit) or taken back (Instagram is_deleted) after it was stored.
ALTER TABLE messages
    ADD COLUMN edit_count integer NOT NULL DEFAULT 0,
    ADD COLUMN edited_at timestamptz,
    ADD COLUMN deleted_at timestamptz;

-- One row per contact whose refresh is owed: written with the delivery, in its transaction, and
-- deleted by the refresh's own commit. `due_at` is the debounce; `enqueued_at` when it was last
-- put on the RQ queue (a claim that expires, whatever Redis remembers); `version` counts the
-- deliveries, so a refresh that started before the latest one leaves the row for another run.
CREATE TABLE pending_refreshes (
    contact_id        bigint PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
    facebook_page_id  bigint NOT NULL REFERENCES facebook_pages(id) ON DELETE CASCADE,
    due_at            timestamptz NOT NULL,
    pending_since     timestamptz NOT NULL DEFAULT now(),
    version           bigint NOT NULL DEFAULT 1,
    enqueued_at       timestamptz,
    attempts          integer NOT NULL DEFAULT 0
);
-- No index on due_at: the table holds only what is owed now (small), and each delivery moves due_at,
-- which an index would turn from an in-place (HOT) update into index writes on the ack path.

-- Content events stored before this migration whose refresh never committed are owed one now.
INSERT INTO pending_refreshes (contact_id, facebook_page_id, due_at)
SELECT DISTINCT ON (contact_id) contact_id, facebook_page_id, now() FROM webhook_events
WHERE processed_at IS NULL AND contact_id IS NOT NULL AND kind IN ('message', 'echo', 'postback');

-- The old sweep's index: what is pending is found in pending_refreshes now, and every index costs
-- the acknowledgement of each delivery.
DROP INDEX webhook_events_unenqueued_idx;
