-- A trainer's class work (issue 10): sessions (buổi học) with the lessons
-- taught and who came, and the real tasks (việc làm được) a trainer saw a
-- learner do. The thresholds of the "needs help" list are rows of the
-- settings table (names "needs_help.*"); the code holds their defaults.
-- Days are 'YYYY-MM-DD' in Vietnam's time, as in daily_counts.

-- One session per class and day: opening today's session twice (a double
-- tap, two trainers) finds the same row.
CREATE TABLE class_sessions (
    id         {{id}},
    class_id   BIGINT NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    held_on    TEXT NOT NULL,
    opened_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    taken_at   {{time}},                     -- attendance last saved; NULL: not taken yet
    created_at {{time}} NOT NULL,
    UNIQUE (class_id, held_on)
);
-- "Sessions I held this month": one range of this index.
CREATE INDEX class_sessions_opened_by ON class_sessions (opened_by, held_on);

-- The lessons taught in a session, picked from the curriculum.
CREATE TABLE class_session_lessons (
    session_id BIGINT NOT NULL REFERENCES class_sessions (id) ON DELETE CASCADE,
    module     TEXT NOT NULL,
    lesson     TEXT NOT NULL,
    PRIMARY KEY (session_id, module, lesson)
);

-- Who was there: one row per learner of the class when attendance was
-- taken, present or not, so "absent twice" is a fact and not a guess about
-- a learner who joined later.
CREATE TABLE attendance (
    session_id BIGINT NOT NULL REFERENCES class_sessions (id) ON DELETE CASCADE,
    learner_id BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    present    BOOLEAN NOT NULL,
    PRIMARY KEY (session_id, learner_id)
);
CREATE INDEX attendance_learner ON attendance (learner_id, present, session_id);

-- Real tasks a trainer saw a learner do, alone or with help, on a day. One
-- row per learner and task (the latest tick); the task keys are those of
-- content/<locale>/tasks.yaml. A learner's deletion removes them.
CREATE TABLE task_ticks (
    learner_id BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    task       TEXT NOT NULL,
    alone      BOOLEAN NOT NULL,
    done_on    TEXT NOT NULL,
    ticked_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    ticked_at  {{time}} NOT NULL,
    PRIMARY KEY (learner_id, task)
);
CREATE INDEX task_ticks_ticked_by ON task_ticks (ticked_by, ticked_at);
CREATE INDEX task_ticks_task ON task_ticks (task, alone);
