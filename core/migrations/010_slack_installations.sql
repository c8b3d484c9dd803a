-- "Add to Slack": every workspace that installed the app, with its own bot token (encrypted with
-- FBSYNC_ENCRYPTION_KEY, like page tokens), and the single-use states of installs in progress.
CREATE TABLE slack_installations (
    id                    bigserial PRIMARY KEY,
    team_id               text NOT NULL UNIQUE,
    team_name             text,
    app_id                text,
    bot_id                text NOT NULL,
    bot_user_id           text NOT NULL,
    bot_scopes            text NOT NULL DEFAULT '',
    bot_token_ciphertext  text NOT NULL,
    installer_user_id     text,
    installed_at          timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE slack_oauth_states (
    state       text PRIMARY KEY,
    expires_at  timestamptz NOT NULL
);
