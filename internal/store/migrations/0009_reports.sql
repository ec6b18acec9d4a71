-- Reports (issue 11): per-unit counters kept in the same transaction as the
-- writes that change them, so that a report reads a few rows per unit and
-- never scans learners or progress; API tokens for the province's
-- reporting system; where a unit's population figures come from.
-- Store.Migrate recounts the counters from the base tables right after
-- this migration, so a database that already holds learners starts exact.

ALTER TABLE units ADD COLUMN population_source TEXT;
ALTER TABLE units ADD COLUMN population_working_year INTEGER;
ALTER TABLE units ADD COLUMN population_working_source TEXT;

-- Every counter row exists for a learner's counting unit (their commune,
-- or village when they give one) AND for each unit above it, so the report
-- of a unit reads its own row and its children's: a handful of rows
-- whatever the number of learners. A parent's count is the sum of its
-- children's plus the learners counted at the parent itself.
CREATE TABLE unit_counts (
    unit_code           TEXT PRIMARY KEY REFERENCES units (code),
    registered          BIGINT NOT NULL DEFAULT 0,   -- learners
    reached             BIGINT NOT NULL DEFAULT 0,   -- learners with at least one lesson completed
    one_module          BIGINT NOT NULL DEFAULT 0,   -- learners holding at least one module certificate
    graduates           BIGINT NOT NULL DEFAULT 0,   -- learners holding the programme certificate (all six)
    lessons_completed   BIGINT NOT NULL DEFAULT 0,   -- completed lessons (progress rows)
    attempts            BIGINT NOT NULL DEFAULT 0,   -- quiz attempts
    score_sum           BIGINT NOT NULL DEFAULT 0,   -- right answers over all attempts
    total_sum           BIGINT NOT NULL DEFAULT 0,   -- questions over all attempts
    practice_passes     BIGINT NOT NULL DEFAULT 0,   -- (learner, scenario) pairs ended safe
    task_alone_learners BIGINT NOT NULL DEFAULT 0,   -- learners with at least one real task done alone
    updated_at          {{time}} NOT NULL
);

-- Learners holding each module's certificate.
CREATE TABLE unit_module_counts (
    unit_code TEXT NOT NULL REFERENCES units (code),
    module    TEXT NOT NULL,
    learners  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_code, module)
);

-- Learners whose real task (a key of the task list in content/) is ticked
-- "done alone" or "done with help": each learner in one column per task.
CREATE TABLE unit_task_counts (
    unit_code TEXT NOT NULL REFERENCES units (code),
    task      TEXT NOT NULL,
    alone     BIGINT NOT NULL DEFAULT 0,
    with_help BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_code, task)
);

-- Learners by the day (Asia/Ho_Chi_Minh, YYYY-MM-DD) of their last
-- activity: "active in the last 30 days" is the sum of 30 rows. A learner
-- moves from one day's row to another when their last activity moves.
CREATE TABLE unit_active_days (
    unit_code TEXT NOT NULL REFERENCES units (code),
    day       TEXT NOT NULL,
    learners  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_code, day)
);

-- Learners by birth year and gender ('' when not given), for the
-- breakdowns by age band: bands are computed when read, because a birth
-- year moves to the next band every new year.
CREATE TABLE unit_birth_counts (
    unit_code  TEXT NOT NULL REFERENCES units (code),
    birth_year INTEGER NOT NULL,
    gender     TEXT NOT NULL,
    registered BIGINT NOT NULL DEFAULT 0,
    reached    BIGINT NOT NULL DEFAULT 0,
    graduates  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_code, birth_year, gender)
);

-- Per trainer: class sessions held, distinct learners who attended one,
-- real tasks ticked. Fed by the class-session pages.
CREATE TABLE trainer_counts (
    user_id      BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    sessions     BIGINT NOT NULL DEFAULT 0,
    learners     BIGINT NOT NULL DEFAULT 0,
    tasks_ticked BIGINT NOT NULL DEFAULT 0,
    updated_at   {{time}} NOT NULL
);

-- Learners per counting unit, birth year and normalised name (lower case,
-- no diacritics, single spaces), for the "likely duplicate" flag: a row
-- with more than one learner. Kept at the counting unit only.
CREATE TABLE learner_keys (
    unit_code  TEXT NOT NULL REFERENCES units (code),
    birth_year INTEGER NOT NULL,
    name_key   TEXT NOT NULL,
    learners   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_code, birth_year, name_key)
);
CREATE INDEX learner_keys_duplicates ON learner_keys (unit_code) WHERE learners > 1;

-- The visit sample draws learners registered in a month, per commune.
CREATE INDEX learners_unit_created ON learners (unit_code, created_at);

-- API tokens for /reports/api/...: shown once, stored as a SHA-256, scoped
-- to a unit. A revoked token stays, so its uses keep their name.
CREATE TABLE api_tokens (
    id           {{id}},
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    unit_code    TEXT NOT NULL REFERENCES units (code),
    created_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at   {{time}} NOT NULL,
    last_used_at {{time}},
    revoked_at   {{time}}
);
CREATE INDEX api_tokens_unit_code ON api_tokens (unit_code);

-- Every use of a token: which unit it asked for, and the answer's status.
CREATE TABLE api_token_uses (
    id         {{id}},
    token_id   BIGINT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    path       TEXT NOT NULL,
    status     INTEGER NOT NULL,
    created_at {{time}} NOT NULL
);
CREATE INDEX api_token_uses_token ON api_token_uses (token_id, id);
