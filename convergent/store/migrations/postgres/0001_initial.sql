-- Resources, tasks and events of as-code kinds, and the server's own settings.
-- JSON is kept as TEXT, encoded and decoded by convergent as on SQLite: answers stay
-- byte-for-byte the same on both engines, and nothing queries inside the JSON.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE resources (
    seq           BIGSERIAL PRIMARY KEY,
    account       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    id            TEXT NOT NULL,
    parent_id     TEXT NOT NULL,
    path          TEXT NOT NULL,
    status        TEXT NOT NULL,
    target_spec   TEXT NOT NULL,
    current_state TEXT NOT NULL,
    checksum      TEXT NOT NULL,
    current_tasks TEXT NOT NULL,
    iam_id        TEXT NOT NULL,
    tags          TEXT NOT NULL,
    created_at    DOUBLE PRECISION NOT NULL,
    updated_at    DOUBLE PRECISION NOT NULL
);
CREATE UNIQUE INDEX resources_by_id ON resources (kind, id);
CREATE INDEX resources_by_list ON resources (account, kind, parent_id, seq);

CREATE TABLE tasks (
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    account     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    action      TEXT NOT NULL,
    type        TEXT NOT NULL,
    status      TEXT NOT NULL,
    message     TEXT NOT NULL,
    link        TEXT NOT NULL,
    steps       TEXT NOT NULL,
    progress    TEXT NOT NULL,
    step        INTEGER NOT NULL,
    due_at      DOUBLE PRECISION,
    errors      TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    created_at  DOUBLE PRECISION NOT NULL,
    updated_at  DOUBLE PRECISION NOT NULL,
    started_at  DOUBLE PRECISION,
    finished_at DOUBLE PRECISION
);
CREATE INDEX tasks_by_resource ON tasks (kind, resource_id, seq);
CREATE INDEX tasks_due ON tasks (due_at) WHERE due_at IS NOT NULL;

CREATE TABLE events (
    seq         BIGSERIAL PRIMARY KEY,
    account     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    type        TEXT NOT NULL,
    name        TEXT NOT NULL,
    message     TEXT NOT NULL,
    link        TEXT,
    created_at  DOUBLE PRECISION NOT NULL
);
CREATE INDEX events_by_resource ON events (kind, resource_id, seq);
