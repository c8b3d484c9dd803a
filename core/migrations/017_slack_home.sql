-- The App Home tab (bot/home.py): who opened it, and each page's funnel picture as uploaded to Slack.

-- A person who opened the home tab of their workspace. Their home is published again after each
-- sync and analysis batch of the workspace's pages (pending_work kind 'home') for 30 days after
-- their latest visit; opening it again renews that.
CREATE TABLE slack_home_tabs (
    organization_id  bigint NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    slack_user_id    text NOT NULL,
    opened_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, slack_user_id)
);

-- The funnel picture last uploaded for a page: a file private to the app (uploaded without a
-- channel), shown in image blocks by its id. `digest` is of what it draws (bot/funnel_chart.py): the
-- same counts are never uploaded twice. The file lives in the workspace whose token uploaded it,
-- `organization_id`: a page moved to another workspace gets a picture of its own there.
CREATE TABLE page_funnel_images (
    facebook_page_id  bigint PRIMARY KEY REFERENCES facebook_pages(id) ON DELETE CASCADE,
    organization_id   bigint NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    digest            text NOT NULL,
    slack_file_id     text NOT NULL,
    uploaded_at       timestamptz NOT NULL DEFAULT now()
);
