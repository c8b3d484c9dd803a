-- What Meta's debug_token said of a page token at the daily check: expiring tokens are flagged
-- before syncs start failing.
ALTER TABLE facebook_pages
    ADD COLUMN token_expires_at timestamptz,
    ADD COLUMN token_checked_at timestamptz;
