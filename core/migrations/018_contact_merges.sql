-- One person on Messenger and Instagram (core/merge/): the pairs found, what a person decided, and
-- the merges made, each undoable.

-- A thread's platform, written again by every save: a merged contact holds both ids, so the platform
-- can no longer be read from the contact (014 dropped the column while it could).
ALTER TABLE conversations ADD COLUMN platform text CHECK (platform IN ('messenger', 'instagram'));
UPDATE conversations v SET platform = CASE WHEN c.messenger_psid IS NOT NULL THEN 'messenger' ELSE 'instagram' END
FROM contacts c WHERE c.id = v.contact_id;
ALTER TABLE conversations ALTER COLUMN platform SET NOT NULL;

-- A pair (a Messenger contact, an Instagram contact of the same page) likely to be one person. Keyed
-- by their platform ids, which outlive a merge and an unmerge, so a pair a person rejected is never
-- suggested again. posted_at: when its review card went to the page's notify channel.
CREATE TABLE merge_candidates (
    facebook_page_id  bigint NOT NULL REFERENCES facebook_pages(id) ON DELETE CASCADE,
    messenger_psid    text NOT NULL,
    instagram_sid     text NOT NULL,
    score             real NOT NULL CHECK (score BETWEEN 0 AND 1),
    reasons           text[] NOT NULL,
    status            text NOT NULL DEFAULT 'suggested' CHECK (status IN ('suggested', 'rejected', 'merged')),
    decided_by        text,
    decided_at        timestamptz,
    found_at          timestamptz NOT NULL DEFAULT now(),
    posted_at         timestamptz,
    PRIMARY KEY (facebook_page_id, messenger_psid, instagram_sid)
);
CREATE INDEX merge_candidates_suggested_idx ON merge_candidates (facebook_page_id, score DESC)
    WHERE status = 'suggested';

-- A merge: the Messenger contact (contact_id) took the Instagram one's id, conversations and history;
-- `absorbed` is the Instagram contact's row as it was, which an unmerge puts back under its own id,
-- and `kept` the merged contact's own identity before it (its Instagram fields and name, restored).
-- moved_activities: the absorbed contact's audit entries, which go back with it.
CREATE TABLE contact_merges (
    id                bigserial PRIMARY KEY,
    facebook_page_id  bigint NOT NULL REFERENCES facebook_pages(id) ON DELETE CASCADE,
    contact_id        bigint NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    absorbed          jsonb NOT NULL,
    kept              jsonb NOT NULL,
    moved_activities  bigint[] NOT NULL DEFAULT '{}',
    merged_by         text NOT NULL,
    merged_at         timestamptz NOT NULL DEFAULT now(),
    unmerged_by       text,
    unmerged_at       timestamptz
);
CREATE UNIQUE INDEX contact_merges_standing_idx ON contact_merges (contact_id) WHERE unmerged_at IS NULL;

-- Merging without a person: pairs scoring at least this are merged when found (NULL: never, the default).
ALTER TABLE facebook_pages ADD COLUMN automerge_score real CHECK (automerge_score BETWEEN 0 AND 1);

--   kind 'merges'  subject_id = page id: its merge candidates are to be found, merged or posted for review
ALTER TABLE pending_work DROP CONSTRAINT pending_work_kind_check;
ALTER TABLE pending_work ADD CONSTRAINT pending_work_kind_check
    CHECK (kind IN ('refresh', 'analysis', 'sync', 'slack_parent', 'token_check', 'alerts', 'home', 'export',
                    'merges'));

-- A merge and an unmerge on the audit trail: details.by is who (a Slack user, "cli", "automerge").
ALTER TABLE contact_activities DROP CONSTRAINT contact_activities_type_check;
ALTER TABLE contact_activities ADD CONSTRAINT contact_activities_type_check
    CHECK (type IN ('STAGE_CHANGED', 'AI_ANALYZED', 'STAGE_SET', 'MERGED', 'UNMERGED'));
