-- Learners, their progress and quiz attempts, certificates, and the state
-- that lets several app servers share one database: sessions, throttles and
-- daily counts. Learners give no email or password (DESIGN §3).

CREATE TABLE learners (
    id             {{id}},
    code           TEXT NOT NULL UNIQUE,          -- personal code, to resume on another phone
    name           TEXT NOT NULL,
    birth_year     INTEGER NOT NULL,
    unit_code      TEXT NOT NULL REFERENCES units (code),   -- commune (or ward)
    village        TEXT,
    gender         TEXT CHECK (gender IS NULL OR gender IN ('female', 'male', 'other')),
    phone          TEXT,
    pin_hash       TEXT,
    class_id       BIGINT REFERENCES classes (id) ON DELETE SET NULL,
    submission     TEXT UNIQUE,                   -- nonce of the registration form: a resubmission finds this row
    consent_at     {{time}} NOT NULL,
    created_at     {{time}} NOT NULL,
    updated_at     {{time}} NOT NULL,
    last_active_at {{time}} NOT NULL
);
CREATE INDEX learners_unit_code ON learners (unit_code);
CREATE INDEX learners_class_id ON learners (class_id);

-- One row per learner and lesson: the summary a page needs in one query.
CREATE TABLE progress (
    learner_id   BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    module       TEXT NOT NULL,
    lesson       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('started', 'completed')),
    best_score   INTEGER NOT NULL DEFAULT 0,
    total        INTEGER NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,
    first_at     {{time}} NOT NULL,
    last_at      {{time}} NOT NULL,
    completed_at {{time}},
    verified_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (learner_id, module, lesson)
);

-- Every quiz attempt with the options chosen, for the trainers' question
-- analysis. submission is the form's nonce: a double tap stores one attempt.
CREATE TABLE attempts (
    id         {{id}},
    learner_id BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    module     TEXT NOT NULL,
    lesson     TEXT NOT NULL,
    answers    TEXT NOT NULL,
    score      INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    passed     BOOLEAN NOT NULL,
    submission TEXT NOT NULL,
    created_at {{time}} NOT NULL,
    UNIQUE (learner_id, submission)
);
CREATE INDEX attempts_lesson ON attempts (module, lesson);
CREATE INDEX attempts_learner_lesson ON attempts (learner_id, module, lesson);

-- kind 'module' has the module slug; kind 'programme' has module ''.
CREATE TABLE certificates (
    id         {{id}},
    code       TEXT NOT NULL UNIQUE,
    learner_id BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('module', 'programme')),
    module     TEXT NOT NULL,
    name       TEXT NOT NULL,
    birth_year INTEGER NOT NULL,
    issued_at  {{time}} NOT NULL,
    UNIQUE (learner_id, kind, module)
);

-- Server-side sessions. id is the SHA-256 of the cookie's token, so a copy
-- of the database does not let anyone take over a session.
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    learner_id BIGINT REFERENCES learners (id) ON DELETE CASCADE,
    user_id    BIGINT REFERENCES users (id) ON DELETE CASCADE,
    data       TEXT NOT NULL,
    created_at {{time}} NOT NULL,
    expires_at {{time}} NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Failed attempts per key ("resume-code:…", "resume-client:…") in a window.
CREATE TABLE throttles (
    name          TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    window_start  {{time}} NOT NULL,
    blocked_until {{time}}
);

-- Daily counts per commune, written with the events themselves. A learner
-- who deletes their data leaves these numbers as they were reported.
CREATE TABLE daily_counts (
    unit_code         TEXT NOT NULL REFERENCES units (code),
    day               TEXT NOT NULL,              -- YYYY-MM-DD, Asia/Ho_Chi_Minh
    registered        INTEGER NOT NULL DEFAULT 0,
    lessons_completed INTEGER NOT NULL DEFAULT 0,
    modules_completed INTEGER NOT NULL DEFAULT 0,
    certificates      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_code, day)
);
