-- Places, staff accounts and classes: the foundation every other table hangs on.
-- Written in the SQL that SQLite and PostgreSQL share; {{id}} and {{time}} are
-- filled in per engine by Dialect.dialectSQL. One statement per ";" line end.

-- Administrative units form a tree of any depth. path is the chain of codes
-- from the root, "/86/855/29542/", so "everything under a unit" is one
-- indexed prefix match instead of a recursive query.
CREATE TABLE units (
    code               TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    level              TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune', 'village')),
    parent_code        TEXT REFERENCES units (code),
    path               TEXT NOT NULL UNIQUE,
    population         BIGINT CHECK (population IS NULL OR population >= 0),
    population_working BIGINT CHECK (population_working IS NULL OR population_working >= 0),
    population_year    INTEGER,
    pilot              BOOLEAN NOT NULL DEFAULT FALSE,
    target             INTEGER CHECK (target IS NULL OR target >= 0),
    created_at         {{time}} NOT NULL
);
CREATE INDEX units_parent_code ON units (parent_code);

CREATE TABLE users (
    id            {{id}},
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'trainer')),
    unit_code     TEXT NOT NULL REFERENCES units (code),
    created_at    {{time}} NOT NULL
);
CREATE INDEX users_unit_code ON users (unit_code);

-- A class (lớp) belongs to a commune; residents join it with join_code.
CREATE TABLE classes (
    id         {{id}},
    unit_code  TEXT NOT NULL REFERENCES units (code),
    name       TEXT NOT NULL,
    join_code  TEXT NOT NULL UNIQUE,
    trainer_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at {{time}} NOT NULL
);
CREATE INDEX classes_unit_code ON classes (unit_code);

-- Small facts about the database itself, such as whether demo data was loaded.
CREATE TABLE settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at {{time}} NOT NULL
);
