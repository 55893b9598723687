-- pms-sync store, SQLite flavour.
--
-- Instants are INTEGER microseconds since the Unix epoch (UTC): exact, compact
-- and they sort numerically. Tables are STRICT so a wrongly typed value is
-- refused on write instead of surfacing later as a corrupt row.

-- Polling cursors per hotel and stream.
CREATE TABLE cursors (
    hotel       TEXT    NOT NULL,
    stream      TEXT    NOT NULL,
    high_water  INTEGER NOT NULL,
    token       TEXT,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (hotel, stream)
) STRICT;

-- The sealed mirror: ciphertext plus keyed fingerprints, never plaintext.
CREATE TABLE records (
    hotel        TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('reservation', 'guest', 'room', 'folio')),
    external_id  TEXT    NOT NULL CHECK (length(external_id) > 0),
    fingerprint  TEXT    NOT NULL,
    key_id       TEXT    NOT NULL,
    sealed       BLOB    NOT NULL,
    updated_at   INTEGER,
    PRIMARY KEY (hotel, kind, external_id)
) STRICT;

-- The write journal (client-side idempotency records).
CREATE TABLE journal (
    request_id      TEXT    NOT NULL PRIMARY KEY,
    hotel           TEXT    NOT NULL,
    operation       TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL,
    sealed_request  BLOB    NOT NULL,
    key_id          TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed', 'unknown')),
    outcome         TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    owner           TEXT,
    claimed_until   INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX journal_unsettled ON journal (hotel, created_at) WHERE state IN ('pending', 'unknown');
CREATE INDEX journal_settled ON journal (updated_at) WHERE state IN ('succeeded', 'failed');

-- Received events. AUTOINCREMENT: a sequence number is never reused, so
-- arrival order is seq order even after deletions.
CREATE TABLE inbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    hotel        TEXT    NOT NULL,
    event_id     TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    received_at  INTEGER NOT NULL,
    processed    INTEGER NOT NULL DEFAULT 0 CHECK (processed IN (0, 1))
) STRICT;

-- Dedupe among events not yet applied: a redelivered hint coalesces with the
-- pending one; once applied, a new hint for the same id is a new look (the
-- re-read finds nothing new and emits nothing).
CREATE UNIQUE INDEX inbox_dedupe ON inbox (hotel, event_id) WHERE processed = 0;
CREATE INDEX inbox_pending ON inbox (hotel, seq) WHERE processed = 0;

-- The audit log: append-only, enforced below.
CREATE TABLE audit (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    hotel        TEXT    NOT NULL,
    reservation  TEXT,
    action       TEXT    NOT NULL,
    actor        TEXT    NOT NULL,
    request_id   TEXT,
    details      TEXT    NOT NULL,
    at           INTEGER NOT NULL
) STRICT;

CREATE INDEX audit_hotel_at ON audit (hotel, at, seq);
CREATE INDEX audit_reservation ON audit (hotel, reservation, at, seq);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- Leases (per-hotel work ownership with expiry).
CREATE TABLE leases (
    name        TEXT    NOT NULL PRIMARY KEY,
    owner       TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;
