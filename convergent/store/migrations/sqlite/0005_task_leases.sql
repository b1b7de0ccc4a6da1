-- Task leases: the worker working on a task and until when. A worker that dies or stalls
-- stops renewing its lease; once it has expired another worker takes the task over.
-- (One SQLite process runs one engine: it records no leases, the columns keep both schemas alike.)
ALTER TABLE tasks ADD COLUMN lease_owner TEXT;
ALTER TABLE tasks ADD COLUMN lease_until REAL;
