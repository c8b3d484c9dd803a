-- Page tokens are stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256, from the cryptography
-- package) under FBSYNC_ENCRYPTION_KEY. A token stored in plain text before this migration can no
-- longer be read and the page must be reconnected.
ALTER TABLE facebook_pages RENAME COLUMN page_token TO page_token_ciphertext;
