-- The process (instance) holding a lease, beside the worker name: a restarted
-- worker takes back what an earlier instance of its name left behind, and a
-- second live process with the same name is detected (pms-sync `Worker`).
-- Rows from before this migration have no instance: any instance of their
-- owner's name may take them back.
ALTER TABLE leases ADD COLUMN instance TEXT NOT NULL DEFAULT '';
