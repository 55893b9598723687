-- Durable state of the guest-journey flows (pms-flows): housekeeping tasks,
-- internal agenda bookings, ... One generic table instead of one per flow:
-- a flow record is a sealed payload under (hotel, kind, record_key) with a
-- version for optimistic concurrency and an `open` flag for the list-open query.
CREATE TABLE flow_records (
    hotel       TEXT COLLATE "C" NOT NULL,
    kind        TEXT COLLATE "C" NOT NULL CHECK (kind <> ''),
    record_key  TEXT COLLATE "C" NOT NULL CHECK (record_key <> ''),
    version     BIGINT      NOT NULL CHECK (version > 0),
    open        BOOLEAN     NOT NULL,
    key_id      TEXT        NOT NULL,
    sealed      BYTEA       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (hotel, kind, record_key)
);

CREATE INDEX flow_records_open ON flow_records (hotel, kind, created_at, record_key) WHERE open;
