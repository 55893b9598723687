-- Durable state of the guest-journey flows (pms-flows): housekeeping tasks,
-- internal agenda bookings, ... One generic table instead of one per flow:
-- a flow record is a sealed payload under (hotel, kind, record_key) with a
-- version for optimistic concurrency and an `open` flag for the list-open query.
CREATE TABLE flow_records (
    hotel       TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (length(kind) > 0),
    record_key  TEXT    NOT NULL CHECK (length(record_key) > 0),
    version     INTEGER NOT NULL CHECK (version > 0),
    open        INTEGER NOT NULL CHECK (open IN (0, 1)),
    key_id      TEXT    NOT NULL,
    sealed      BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (hotel, kind, record_key)
) STRICT;

CREATE INDEX flow_records_open ON flow_records (hotel, kind, created_at, record_key) WHERE open = 1;
