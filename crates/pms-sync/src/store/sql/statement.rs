//! Statements written once: [`Sql`] templates and their renderer, [`MultiRow`]
//! inserts, and [`Stmt`], which binds parameters through the [`Dialect`].

use std::future::Future;
use std::ops::Range;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use pms_core::RequestId;

use super::{Dialect, Flavor, On, Query};

/// One statement, written once (see the module docs for its markers) and
/// rendered once per flavor on first use.
pub(crate) struct Sql {
    template: &'static str,
    sqlite: OnceLock<String>,
    postgres: OnceLock<String>,
}

impl Sql {
    /// A statement in PostgreSQL's spelling with markers.
    pub(crate) const fn new(template: &'static str) -> Self {
        Sql {
            template,
            sqlite: OnceLock::new(),
            postgres: OnceLock::new(),
        }
    }

    /// Its text for `flavor`.
    pub(crate) fn text(&'static self, flavor: Flavor) -> &'static str {
        let slot = match flavor {
            Flavor::Sqlite => &self.sqlite,
            Flavor::Postgres => &self.postgres,
        };
        slot.get_or_init(|| render(self.template, flavor))
    }
}

/// Renders a statement template for `flavor`:
///
/// | template | PostgreSQL | SQLite |
/// |---|---|---|
/// | `$1` | `$1` | `?1` |
/// | `$1::text`, `request_id::text` | as written | `?1`, `request_id` (casts dropped) |
/// | `{true}`, `{false}` | `TRUE`, `FALSE` | `1`, `0` |
/// | `{in $3}` | `= ANY($3)` | `IN (SELECT value FROM json_each(?3))` |
/// | `{for update}` | `FOR UPDATE` | (nothing) |
///
/// Anything else is copied as it is (an unknown marker reaches the database,
/// which refuses it).
pub(crate) fn render(template: &str, flavor: Flavor) -> String {
    let postgres = flavor == Flavor::Postgres;
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if c == '{'
            && let Some(end) = rest.find('}')
        {
            let marker = &rest[1..end];
            match (marker, postgres) {
                ("true", true) => out.push_str("TRUE"),
                ("true", false) => out.push('1'),
                ("false", true) => out.push_str("FALSE"),
                ("false", false) => out.push('0'),
                ("for update", true) => out.push_str("FOR UPDATE"),
                ("for update", false) => {
                    // Also the space before it, so the text reads as written.
                    if out.ends_with(' ') {
                        out.pop();
                    }
                }
                _ => match marker.strip_prefix("in $") {
                    Some(n) if postgres => out.push_str(&format!("= ANY(${n})")),
                    Some(n) => out.push_str(&format!("IN (SELECT value FROM json_each(?{n}))")),
                    None => out.push_str(&rest[..=end]),
                },
            }
            rest = &rest[end + 1..];
        } else if !postgres && c == '$' {
            out.push('?');
            rest = &rest[1..];
        } else if !postgres && rest.starts_with("::") {
            let name = rest[2..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len() - 2);
            rest = &rest[2 + name..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Row counts a multi-row statement is built for, largest first. 64 rows of
/// the widest statement (7 columns) bind 448 parameters, far below either
/// database's limit (SQLite 32,766; PostgreSQL 65,535).
const CHUNKS: [usize; 7] = [64, 32, 16, 8, 4, 2, 1];

/// A statement inserting several rows at once:
/// `{head} VALUES (…), (…) {tail}`, one text per chunk size and flavor.
///
/// One statement per row would cost a round trip per row on PostgreSQL, and on
/// SQLite two thread switches per row (sqlx runs each SQLite statement on a
/// worker thread and hands the result back): on a loaded machine a page of
/// 100 upserts waited for 100 handoffs (the store's share of issue #10's
/// scenario a), and a webhook group for one per event (scenario c). A batch
/// goes out in a few multi-row statements instead. Their texts depend only on
/// the number of rows, which is cut into power-of-two chunks, so at most
/// [`CHUNKS`]`.len()` texts per statement exist and each stays prepared in
/// sqlx's statement cache.
pub(crate) struct MultiRow {
    head: &'static str,
    columns: usize,
    tail: &'static str,
    sqlite: OnceLock<Vec<String>>,
    postgres: OnceLock<Vec<String>>,
}

impl MultiRow {
    /// A statement inserting rows of `columns` parameters; `tail` may hold markers.
    pub(crate) const fn new(head: &'static str, columns: usize, tail: &'static str) -> Self {
        MultiRow {
            head,
            columns,
            tail,
            sqlite: OnceLock::new(),
            postgres: OnceLock::new(),
        }
    }

    /// Splits `len` rows into consecutive chunks, each with its statement text.
    pub(crate) fn chunks(
        &'static self,
        flavor: Flavor,
        len: usize,
    ) -> impl Iterator<Item = (Range<usize>, &'static str)> {
        let texts = self.texts(flavor);
        let mut start = 0;
        std::iter::from_fn(move || {
            let left = len - start;
            let (size, text) = CHUNKS.iter().zip(texts).find(|&(&n, _)| n <= left)?;
            let range = start..start + size;
            start += size;
            Some((range, text.as_str()))
        })
    }

    /// The one-row statement.
    pub(crate) fn single(&'static self, flavor: Flavor) -> &'static str {
        // The last chunk size is 1.
        &self.texts(flavor)[CHUNKS.len() - 1]
    }

    /// The texts for each of [`CHUNKS`], rendered on first use.
    fn texts(&'static self, flavor: Flavor) -> &'static [String] {
        let slot = match flavor {
            Flavor::Sqlite => &self.sqlite,
            Flavor::Postgres => &self.postgres,
        };
        slot.get_or_init(|| CHUNKS.iter().map(|&n| self.text(flavor, n)).collect())
    }

    fn text(&self, flavor: Flavor, rows: usize) -> String {
        let values: Vec<String> = (0..rows)
            .map(|row| {
                let params: Vec<String> = (1..=self.columns)
                    .map(|column| match flavor {
                        Flavor::Postgres => format!("${}", row * self.columns + column),
                        Flavor::Sqlite => "?".to_owned(),
                    })
                    .collect();
                format!("({})", params.join(", "))
            })
            .collect();
        format!(
            "{} VALUES {} {}",
            self.head,
            values.join(", "),
            render(self.tail, flavor)
        )
    }
}

/// A statement being bound, in dialect `D`.
pub(crate) struct Stmt<D: Dialect>(Query<D>);

impl<D: Dialect> Stmt<D> {
    /// `sql` in `D`'s spelling.
    pub(crate) fn of(sql: &'static Sql) -> Self {
        Stmt::text_of(sql.text(D::FLAVOR))
    }

    /// A statement already rendered for `D` (a [`MultiRow`] chunk).
    pub(crate) fn text_of(text: &'static str) -> Self {
        Stmt(sqlx::query(text))
    }

    /// Binds the next parameter: a text.
    pub(crate) fn text(self, value: &str) -> Self {
        Stmt(D::text(self.0, Some(value)))
    }

    /// A text or NULL.
    pub(crate) fn opt_text(self, value: Option<&str>) -> Self {
        Stmt(D::text(self.0, value))
    }

    /// An integer.
    pub(crate) fn int(self, value: i64) -> Self {
        Stmt(D::int(self.0, Some(value)))
    }

    /// Bytes.
    pub(crate) fn bytes(self, value: &[u8]) -> Self {
        Stmt(D::bytes(self.0, value))
    }

    /// A boolean.
    pub(crate) fn flag(self, value: bool) -> Self {
        Stmt(D::flag(self.0, value))
    }

    /// An instant.
    pub(crate) fn instant(self, value: DateTime<Utc>) -> Self {
        Stmt(D::instant(self.0, Some(value)))
    }

    /// An instant or NULL.
    pub(crate) fn opt_instant(self, value: Option<DateTime<Utc>>) -> Self {
        Stmt(D::instant(self.0, value))
    }

    /// A JSON value.
    pub(crate) fn json(self, value: &serde_json::Value) -> Self {
        Stmt(D::json(self.0, value))
    }

    /// A request id.
    pub(crate) fn request_id(self, value: RequestId) -> Self {
        Stmt(D::request_id(self.0, Some(value)))
    }

    /// A request id or NULL.
    pub(crate) fn opt_request_id(self, value: Option<RequestId>) -> Self {
        Stmt(D::request_id(self.0, value))
    }

    /// A list of texts, for an `{in $n}` marker.
    pub(crate) fn texts(self, values: &[&str]) -> Self {
        Stmt(D::texts(self.0, values))
    }

    /// A `LIMIT` (`None`: no limit).
    pub(crate) fn limit(self, value: Option<u32>) -> Self {
        Stmt(D::limit(self.0, value))
    }

    /// Runs it; how many rows it changed.
    pub(crate) fn execute<'e>(
        self,
        on: impl Into<On<'e, D>>,
    ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send + 'e {
        D::execute(self.0, on.into())
    }

    /// Runs it; its first row, if any.
    pub(crate) fn fetch_optional<'e>(
        self,
        on: impl Into<On<'e, D>>,
    ) -> impl Future<Output = Result<Option<D::Row>, sqlx::Error>> + Send + 'e {
        D::fetch_optional(self.0, on.into())
    }

    /// Runs it; its one row (none is an error).
    pub(crate) fn fetch_one<'e>(
        self,
        on: impl Into<On<'e, D>>,
    ) -> impl Future<Output = Result<D::Row, sqlx::Error>> + Send + 'e {
        let row = D::fetch_optional(self.0, on.into());
        async move { row.await?.ok_or(sqlx::Error::RowNotFound) }
    }

    /// Runs it; all its rows.
    pub(crate) fn fetch_all<'e>(
        self,
        on: impl Into<On<'e, D>>,
    ) -> impl Future<Output = Result<Vec<D::Row>, sqlx::Error>> + Send + 'e {
        D::fetch_all(self.0, on.into())
    }
}
