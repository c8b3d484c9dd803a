-- Which sync job last stored each contact and conversation. A run counts the distinct people and
-- threads it stored by comparing this mark before and after each chunk, so its state stays in
-- PostgreSQL instead of growing with the page in the worker's memory. No foreign key: the mark is a
-- counter's aid, and a job's rows may be pruned.
ALTER TABLE contacts ADD COLUMN last_synced_job_id bigint;
ALTER TABLE conversations ADD COLUMN last_synced_job_id bigint;
