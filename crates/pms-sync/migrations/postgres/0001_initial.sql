-- pms-sync store, PostgreSQL flavour.
--
-- Instants are TIMESTAMPTZ (UTC, microsecond precision). Text keys that are
-- sorted use COLLATE "C" so ordering is by bytes, exactly as on SQLite.
-- Every object is created unqualified: it lands in the first schema of the
-- connection's search_path (see `PostgresStore::connect_with_schema`).

-- Polling cursors per hotel and stream.
CREATE TABLE cursors (
    hotel       TEXT COLLATE "C" NOT NULL,
    stream      TEXT COLLATE "C" NOT NULL,
    high_water  TIMESTAMPTZ NOT NULL,
    token       TEXT,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (hotel, stream)
);

-- The sealed mirror: ciphertext plus keyed fingerprints, never plaintext.
CREATE TABLE records (
    hotel        TEXT COLLATE "C" NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('reservation', 'guest', 'room', 'folio')),
    external_id  TEXT COLLATE "C" NOT NULL CHECK (external_id <> ''),
    fingerprint  TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    sealed       BYTEA NOT NULL,
    updated_at   TIMESTAMPTZ,
    PRIMARY KEY (hotel, kind, external_id)
);

-- The write journal (client-side idempotency records).
CREATE TABLE journal (
    request_id      UUID PRIMARY KEY,
    hotel           TEXT COLLATE "C" NOT NULL,
    operation       TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    sealed_request  BYTEA NOT NULL,
    key_id          TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed', 'unknown')),
    outcome         JSONB,
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    owner           TEXT,
    claimed_until   TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE INDEX journal_unsettled ON journal (hotel, created_at) WHERE state IN ('pending', 'unknown');
CREATE INDEX journal_settled ON journal (updated_at) WHERE state IN ('succeeded', 'failed');

-- Received events.
CREATE TABLE inbox (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hotel        TEXT COLLATE "C" NOT NULL,
    event_id     TEXT COLLATE "C" NOT NULL,
    payload      JSONB NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    processed    BOOLEAN NOT NULL DEFAULT FALSE
);

-- Dedupe among events not yet applied: a redelivered hint coalesces with the
-- pending one; once applied, a new hint for the same id is a new look (the
-- re-read finds nothing new and emits nothing).
CREATE UNIQUE INDEX inbox_dedupe ON inbox (hotel, event_id) WHERE NOT processed;

CREATE INDEX inbox_pending ON inbox (hotel, seq) WHERE NOT processed;

-- The audit log: append-only, enforced below.
CREATE TABLE audit (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hotel        TEXT COLLATE "C" NOT NULL,
    reservation  TEXT COLLATE "C",
    action       TEXT NOT NULL,
    actor        TEXT NOT NULL,
    request_id   UUID,
    details      JSONB NOT NULL,
    at           TIMESTAMPTZ NOT NULL
);

CREATE INDEX audit_hotel_at ON audit (hotel, at, seq);
CREATE INDEX audit_reservation ON audit (hotel, reservation, at, seq);

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;

CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- Leases (per-hotel work ownership with expiry).
CREATE TABLE leases (
    name        TEXT COLLATE "C" PRIMARY KEY,
    owner       TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
