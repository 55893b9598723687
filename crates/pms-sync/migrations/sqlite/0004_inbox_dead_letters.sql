-- Bounded attempts and dead letters for the webhook inbox.
--
-- A hint whose entity the PMS refuses to re-read used to fail every pass and
-- hold back everything behind it. Each failed attempt now counts here and
-- schedules the next one (`next_attempt_at`); after the last allowed attempt
-- the row is dead-lettered (`dead_at`): kept, listed by `pms inbox dead`,
-- re-driven or discarded by an operator, never purged while dead.
-- `last_error` holds the PII-free error text of the last failure.
ALTER TABLE inbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0);
ALTER TABLE inbox ADD COLUMN last_attempt_at INTEGER;
ALTER TABLE inbox ADD COLUMN next_attempt_at INTEGER;
ALTER TABLE inbox ADD COLUMN last_error TEXT;
ALTER TABLE inbox ADD COLUMN dead_at INTEGER;

-- A dead letter leaves the dedupe index: a new hint for the same entity is a
-- new pending row (the entity may be readable now), not swallowed by the dead one.
DROP INDEX inbox_dedupe;
CREATE UNIQUE INDEX inbox_dedupe ON inbox (hotel, event_id) WHERE processed = 0 AND dead_at IS NULL;
DROP INDEX inbox_pending;
CREATE INDEX inbox_pending ON inbox (hotel, seq) WHERE processed = 0 AND dead_at IS NULL;
CREATE INDEX inbox_dead ON inbox (hotel, seq) WHERE processed = 0 AND dead_at IS NOT NULL;
