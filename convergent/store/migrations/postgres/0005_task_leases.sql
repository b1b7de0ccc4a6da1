-- Task leases: the worker working on a task and until when. A worker that dies or stalls
-- stops renewing its lease; once it has expired another worker takes the task over.
ALTER TABLE tasks ADD COLUMN lease_owner TEXT;
ALTER TABLE tasks ADD COLUMN lease_until DOUBLE PRECISION;
