-- webhook_inbox fills in a burst and the drain empties it: autovacuum then truncates the empty
-- tail, which takes an ACCESS EXCLUSIVE lock and stalls every acknowledgement's insert behind it
-- (about a second on the bench's steady phase after a wrk minute). The space is reused by the
-- next burst anyway.
ALTER TABLE webhook_inbox SET (vacuum_truncate = false);
