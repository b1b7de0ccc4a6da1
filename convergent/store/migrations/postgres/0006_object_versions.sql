-- Plain objects carry a version (bumped by every write: ETag and If-Match on the wire) and the
-- id of the object they belong to, when their kind is owned by another object rather than by
-- the account (a consumer key by its application).
ALTER TABLE objects ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE objects ADD COLUMN parent TEXT NOT NULL DEFAULT '';
UPDATE objects SET parent = CAST(body::json->>'applicationId' AS TEXT) WHERE kind = 'credential';
CREATE INDEX objects_by_parent ON objects (kind, parent);
