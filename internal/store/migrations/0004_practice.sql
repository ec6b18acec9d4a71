-- Practice scenarios (scam drills, look-alike screens): what a signed-in
-- learner chose at each step and where each walk ended. Anonymous visitors
-- store nothing. A learner's deletion removes these rows (ON DELETE CASCADE).

-- One row per walk through a scenario ("run"). run is the key the step
-- forms carry, so a double tap or a retried POST finds the same row.
-- outcome and safe stay NULL until the walk reaches an outcome; a scenario
-- counts as passed once one of the learner's runs ends safe.
CREATE TABLE practice_runs (
    id          {{id}},
    learner_id  BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    scenario    TEXT NOT NULL,
    run         TEXT NOT NULL,
    outcome     TEXT,
    safe        BOOLEAN,
    started_at  {{time}} NOT NULL,
    finished_at {{time}},
    UNIQUE (learner_id, run)
);
-- "Which trap caught most people": learners per scenario and outcome,
-- read from this index alone (COUNT(DISTINCT learner_id) ... GROUP BY outcome).
CREATE INDEX practice_runs_scenario_outcome ON practice_runs (scenario, outcome, safe, learner_id);
-- "Which scenarios has this learner passed": one range of this index.
CREATE INDEX practice_runs_learner_safe ON practice_runs (learner_id, safe, scenario, finished_at);

-- The path of a run: one choice per step, in order (seq). A run never
-- visits a step twice (scenarios have no loops), so (run_id, step) is the
-- idempotency key of a choice.
CREATE TABLE practice_choices (
    run_id     BIGINT NOT NULL REFERENCES practice_runs (id) ON DELETE CASCADE,
    step       TEXT NOT NULL,
    choice     TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    created_at {{time}} NOT NULL,
    PRIMARY KEY (run_id, step)
);
