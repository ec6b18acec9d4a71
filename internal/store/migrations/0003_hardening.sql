-- Hardening (issue 9). A visitor's answers before registering now live in
-- their own signed cookie, so sessions belong to signed-in people only: the
-- visitors' sessions written before (one per anonymous quiz, each kept for
-- 180 days) are dead weight.
DELETE FROM sessions WHERE learner_id IS NULL AND user_id IS NULL;
