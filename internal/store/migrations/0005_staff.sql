-- Staff sign-in (issue 10): accounts can be disabled without losing who did
-- what, carry an optional full name (printed where a trainer records consent
-- given on paper), and remember when their password last changed. Every
-- staff export of personal data is written to audit_log (DESIGN §6).
ALTER TABLE users ADD COLUMN full_name TEXT;
ALTER TABLE users ADD COLUMN disabled_at {{time}};
ALTER TABLE users ADD COLUMN password_changed_at {{time}};

-- Who exported or looked up what: kept when the account is removed (the
-- username is copied), never holding the exported rows themselves.
CREATE TABLE audit_log (
    id         {{id}},
    user_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    username   TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    row_count  INTEGER NOT NULL DEFAULT 0,
    created_at {{time}} NOT NULL
);
CREATE INDEX audit_log_created_at ON audit_log (created_at);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_learner_id ON sessions (learner_id);
