-- Columns that were written and never read, or never used at all.

-- Always synced_contacts + failed_contacts, which are kept.
ALTER TABLE sync_jobs DROP COLUMN total_contacts;
