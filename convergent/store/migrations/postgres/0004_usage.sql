-- What each account called, per section, major, route and field sent: aggregated counters that
-- the impact report of a new major reads. `field` is '' for the call itself.
CREATE TABLE usage (
    account   TEXT NOT NULL,
    section   TEXT NOT NULL,
    major     INTEGER NOT NULL,
    route     TEXT NOT NULL,
    field     TEXT NOT NULL,
    count     BIGINT NOT NULL,
    last_seen DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (account, section, major, route, field)
);
