//! Multi-row statements for the SQLite store.
//!
//! sqlx runs every SQLite statement on a worker thread of its own and hands
//! the result back to the async task, so a statement per row costs two thread
//! switches per row: on a loaded machine a page of 100 upserts waited for 100
//! handoffs (the store's share of issue #10's scenario a), and a webhook group
//! for one per event (scenario c). A batch goes out in a few multi-row
//! statements instead. Their texts depend only on the number of rows, which is
//! cut into power-of-two chunks, so at most [`CHUNKS`]`.len()` texts per
//! statement exist and each stays prepared in sqlx's statement cache.

use std::ops::Range;
use std::sync::OnceLock;

/// Row counts a multi-row statement is built for, largest first. 64 rows of
/// the widest statement (7 columns) bind 448 parameters, far below SQLite's
/// limit of 32,766.
const CHUNKS: [usize; 7] = [64, 32, 16, 8, 4, 2, 1];

/// One statement shape: `{head} VALUES (?, …), (?, …) {tail}` for each chunk size.
pub(super) struct MultiRow {
    head: &'static str,
    columns: usize,
    tail: &'static str,
    texts: OnceLock<Vec<String>>,
}

impl MultiRow {
    /// A statement inserting rows of `columns` parameters.
    pub(super) const fn new(head: &'static str, columns: usize, tail: &'static str) -> Self {
        MultiRow {
            head,
            columns,
            tail,
            texts: OnceLock::new(),
        }
    }

    /// Splits `len` rows into consecutive chunks, each with its statement text.
    pub(super) fn chunks(&'static self, len: usize) -> impl Iterator<Item = (Range<usize>, &'static str)> {
        let texts = self.texts.get_or_init(|| {
            CHUNKS
                .iter()
                .map(|&n| {
                    let row = format!("({})", vec!["?"; self.columns].join(", "));
                    format!("{} VALUES {} {}", self.head, vec![row; n].join(", "), self.tail)
                })
                .collect()
        });
        let mut start = 0;
        std::iter::from_fn(move || {
            let left = len - start;
            let (size, text) = CHUNKS.iter().zip(texts).find(|&(&n, _)| n <= left)?;
            let range = start..start + size;
            start += size;
            Some((range, text.as_str()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static INSERT: MultiRow = MultiRow::new("INSERT INTO t (a, b)", 2, "ON CONFLICT DO NOTHING");

    #[test]
    fn chunks_cover_every_row_once_in_order() {
        for len in [0, 1, 2, 3, 7, 63, 64, 65, 100, 127, 128, 300, 512] {
            let chunks: Vec<_> = INSERT.chunks(len).collect();
            let mut next = 0;
            for (range, text) in &chunks {
                assert_eq!(range.start, next, "len {len}: {chunks:?}");
                assert_eq!(text.matches('?').count(), 2 * range.len(), "len {len}: {text}");
                next = range.end;
            }
            assert_eq!(next, len, "len {len}: {chunks:?}");
        }
        assert_eq!(INSERT.chunks(100).count(), 3, "64 + 32 + 4");
    }

    #[test]
    fn texts_have_one_placeholder_group_per_row() {
        let texts: Vec<_> = INSERT.chunks(3).map(|(_, text)| text).collect();
        assert_eq!(
            texts,
            [
                "INSERT INTO t (a, b) VALUES (?, ?), (?, ?) ON CONFLICT DO NOTHING",
                "INSERT INTO t (a, b) VALUES (?, ?) ON CONFLICT DO NOTHING"
            ]
        );
    }
}
