//! The statement renderer: each marker, on each flavor.

use super::statement::render;
use super::{Flavor, MultiRow};

#[test]
fn placeholders_and_casts_are_postgres_as_written_and_sqlite_numbered() {
    let template = "SELECT a FROM t WHERE ($1::text IS NULL OR hotel = $1) AND at < $12::timestamptz \
                    ORDER BY created_at, request_id::text LIMIT $3";
    assert_eq!(render(template, Flavor::Postgres), template);
    assert_eq!(
        render(template, Flavor::Sqlite),
        "SELECT a FROM t WHERE (?1 IS NULL OR hotel = ?1) AND at < ?12 \
         ORDER BY created_at, request_id LIMIT ?3"
    );
}

#[test]
fn booleans_are_spelled_as_each_schema_and_its_partial_indexes_are() {
    let template = "UPDATE inbox SET processed = {true} WHERE seq = $1 AND processed = {false}";
    assert_eq!(
        render(template, Flavor::Postgres),
        "UPDATE inbox SET processed = TRUE WHERE seq = $1 AND processed = FALSE"
    );
    assert_eq!(
        render(template, Flavor::Sqlite),
        "UPDATE inbox SET processed = 1 WHERE seq = ?1 AND processed = 0"
    );
}

#[test]
fn id_lists_are_an_array_or_a_json_array() {
    let template = "SELECT 1 FROM records WHERE hotel = $1 AND external_id {in $3}";
    assert_eq!(
        render(template, Flavor::Postgres),
        "SELECT 1 FROM records WHERE hotel = $1 AND external_id = ANY($3)"
    );
    assert_eq!(
        render(template, Flavor::Sqlite),
        "SELECT 1 FROM records WHERE hotel = ?1 AND external_id IN (SELECT value FROM json_each(?3))"
    );
}

#[test]
fn row_locks_exist_on_postgres_only() {
    let template = "SELECT owner FROM leases WHERE name = $1 {for update}";
    assert_eq!(
        render(template, Flavor::Postgres),
        "SELECT owner FROM leases WHERE name = $1 FOR UPDATE"
    );
    assert_eq!(
        render(template, Flavor::Sqlite),
        "SELECT owner FROM leases WHERE name = ?1"
    );
}

#[test]
fn literals_and_unknown_braces_are_left_alone() {
    let template = "SELECT 'pending', '{x}' FROM t WHERE a = $2 {nope}";
    assert_eq!(render(template, Flavor::Postgres), template);
    assert_eq!(
        render(template, Flavor::Sqlite),
        "SELECT 'pending', '{x}' FROM t WHERE a = ?2 {nope}"
    );
}

static INSERT: MultiRow = MultiRow::new("INSERT INTO t (a, b)", 2, "ON CONFLICT DO NOTHING");

#[test]
fn chunks_cover_every_row_once_in_order() {
    for (flavor, placeholder) in [(Flavor::Sqlite, '?'), (Flavor::Postgres, '$')] {
        for len in [0, 1, 2, 3, 7, 63, 64, 65, 100, 127, 128, 300, 512] {
            let chunks: Vec<_> = INSERT.chunks(flavor, len).collect();
            let mut next = 0;
            for (range, text) in &chunks {
                assert_eq!(range.start, next, "len {len}: {chunks:?}");
                assert_eq!(
                    text.matches(placeholder).count(),
                    2 * range.len(),
                    "len {len}: {text}"
                );
                next = range.end;
            }
            assert_eq!(next, len, "len {len}: {chunks:?}");
        }
        assert_eq!(INSERT.chunks(flavor, 100).count(), 3, "64 + 32 + 4");
    }
}

#[test]
fn texts_have_one_placeholder_group_per_row() {
    let sqlite: Vec<_> = INSERT.chunks(Flavor::Sqlite, 3).map(|(_, text)| text).collect();
    assert_eq!(
        sqlite,
        [
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?) ON CONFLICT DO NOTHING",
            "INSERT INTO t (a, b) VALUES (?, ?) ON CONFLICT DO NOTHING"
        ]
    );
    let postgres: Vec<_> = INSERT.chunks(Flavor::Postgres, 3).map(|(_, text)| text).collect();
    assert_eq!(
        postgres,
        [
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) ON CONFLICT DO NOTHING",
            "INSERT INTO t (a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        ]
    );
}

#[test]
fn the_single_row_text_is_the_one_row_chunk() {
    for flavor in [Flavor::Sqlite, Flavor::Postgres] {
        let chunk = INSERT.chunks(flavor, 1).map(|(_, text)| text).collect::<Vec<_>>();
        assert_eq!(chunk, [INSERT.single(flavor)]);
    }
}
