-- Columns nothing reads: written and never read, or never used at all.

-- Always synced_contacts + failed_contacts, which are kept.
ALTER TABLE sync_jobs DROP COLUMN total_contacts;

-- Never written nor read since 001.
ALTER TABLE contacts DROP COLUMN locale, DROP COLUMN timezone;

-- Written by the daily token check; `token_expires_at` and `needs_reauth` are what is read.
ALTER TABLE facebook_pages DROP COLUMN token_checked_at;

-- Written by every sync; a thread's platform is read from its contact (messenger_psid or
-- instagram_sid), and a sync's batch is of one platform anyway.
ALTER TABLE conversations DROP COLUMN platform;

-- messages.edited_at is no longer written, and read by nothing, but stays until a later migration:
-- the release before this one writes it in every drain statement, and its drain, still running
-- while this migration applies, would set aside as refused each delivery it could not expand.
