-- Classes, villages and enrolment (issue 10). A class now says where and
-- when it meets and can be archived (kept, with its learners, but folded
-- away). Dates are plain ISO days ('2026-03-02') in TEXT: the same on both
-- engines, and they sort and compare as strings.
ALTER TABLE classes ADD COLUMN place TEXT;
ALTER TABLE classes ADD COLUMN starts_on TEXT CHECK (starts_on IS NULL OR length(starts_on) = 10);
ALTER TABLE classes ADD COLUMN ends_on TEXT CHECK (ends_on IS NULL OR length(ends_on) = 10);
ALTER TABLE classes ADD COLUMN schedule TEXT;
ALTER TABLE classes ADD COLUMN archived_at {{time}};

-- A learner's village is a unit of level 'village' under their commune
-- (kept by the commune's trainer) when it is in the list; village (text)
-- stays for a name typed as "other". consent_by is the staff member who
-- enrolled the learner with consent given on paper; NULL when the learner
-- ticked the box themselves.
ALTER TABLE learners ADD COLUMN village_code TEXT REFERENCES units (code);
ALTER TABLE learners ADD COLUMN consent_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX learners_village_code ON learners (village_code);
-- Likely duplicates are looked for among the commune's learners of one
-- birth year.
CREATE INDEX learners_unit_birth_year ON learners (unit_code, birth_year);
