-- A counter every write of a plain object bumps, in the same transaction: processes cache
-- credentials and policies and drop their cache when it moves.
INSERT INTO meta (key, value) VALUES ('items_epoch', '0');
