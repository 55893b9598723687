//! Sqlite implementation of [`Store`](super::Store). (Being written.)

/// Sqlite-backed store.
#[derive(Debug)]
pub struct SqliteStore {
    _private: (),
}
