-- The before/after check (content/<locale>/check.yaml): a signed-in
-- learner's result of the short check taken when starting ("before") and
-- again later ("after"), with the score of each module. Anonymous visitors
-- store nothing. A learner's deletion removes these rows (ON DELETE CASCADE).
--
-- No class or commune is copied here: the gain of a class or a commune is
-- one aggregate query that starts from learners (learners_class_id or
-- learners_unit_code) and reaches these rows by primary key, so a learner
-- who moves class is counted where they are now.

-- One row per learner and kind. The "before" row is the first one taken
-- (the baseline) and is never replaced; the "after" row is replaced when the
-- learner takes it again, so it holds the latest. submission is the form's
-- key: the same form sent twice is stored once.
CREATE TABLE check_results (
    learner_id BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('before', 'after')),
    answers    TEXT NOT NULL,
    correct    INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    submission TEXT NOT NULL,
    taken_at   {{time}} NOT NULL,
    PRIMARY KEY (learner_id, kind),
    CHECK (total > 0 AND correct >= 0 AND correct <= total)
);

-- The score of each module in a result: what "average gain by module"
-- averages, one row per learner, kind and module.
CREATE TABLE check_scores (
    learner_id BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    module     TEXT NOT NULL,
    correct    INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    PRIMARY KEY (learner_id, kind, module),
    FOREIGN KEY (learner_id, kind) REFERENCES check_results (learner_id, kind) ON DELETE CASCADE,
    CHECK (total > 0 AND correct >= 0 AND correct <= total)
);
