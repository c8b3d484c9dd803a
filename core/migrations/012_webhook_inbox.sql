-- Webhook deliveries acknowledged and not yet expanded. The request's one cheap insert (its
-- validated items only, as JSON: an index or a jsonb parse would be paid on every acknowledgement);
-- the cron drain expands rows, oldest first and many at once, into webhook_events, contacts,
-- messages and pending_refreshes, and deletes them in that same transaction.
CREATE TABLE webhook_inbox (
    id           bigserial PRIMARY KEY,
    received_at  timestamptz NOT NULL DEFAULT now(),
    items        json NOT NULL
);
