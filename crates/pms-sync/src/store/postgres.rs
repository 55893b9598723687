//! Postgres implementation of [`Store`](super::Store). (Being written.)

/// Postgres-backed store.
#[derive(Debug)]
pub struct PostgresStore {
    _private: (),
}
