-- Plain objects: accounts, users, applications, credentials, OAuth2 clients and tokens, IAM
-- policies and groups. One row each, the object as JSON; `key` is a second unique lookup
-- (a consumer key, an application key) where a kind has one.
CREATE TABLE objects (
    seq        BIGSERIAL PRIMARY KEY,
    account    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    id         TEXT NOT NULL,
    key        TEXT,
    body       TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);
CREATE UNIQUE INDEX objects_by_id ON objects (kind, id);
CREATE UNIQUE INDEX objects_by_key ON objects (kind, key) WHERE key IS NOT NULL;
CREATE INDEX objects_by_list ON objects (account, kind, seq);
