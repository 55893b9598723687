//! Checking many exchanges at once, and saying what failed in one message.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::http::Exchange;
use crate::spec::{AnswerFindings, Spec};
use crate::undeclared::shape;
use crate::{ContractError, Violation};

/// The documents one vendor's traffic is checked against (OHIP: one per
/// API, each under its own base path).
#[derive(Debug)]
pub struct Contract {
    specs: Vec<Spec>,
}

/// What checking one exchange found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// `spec:operationId` of the matched operation.
    pub operation: String,
    /// Violations in the request.
    pub request: Vec<Violation>,
    /// What the answer check found.
    pub response: AnswerFindings,
}

/// A known defect of a vendor document: a violation that the document's
/// own prose (or the vendor's reference docs) shows to be the document's
/// mistake, not ours. Matched by operation, schema rule and a piece of the
/// message; each one says why it is tolerated.
#[derive(Debug, Clone, Copy)]
pub struct Erratum<'a> {
    /// `operationId` (without the spec name).
    pub operation: &'a str,
    /// The violation's rule, exactly.
    pub rule: &'a str,
    /// A piece of the violation's message.
    pub message: &'a str,
    /// Why the document is wrong here (with the source that says so).
    pub why: &'a str,
}

/// What a test knows and accepts beyond the documents.
#[derive(Debug, Clone, Copy, Default)]
pub struct Known<'a> {
    /// Answer fields a schema lacks that are justified, as
    /// `(operationId, pointer shape)`: `("getReservations", "/data/*/extra")`.
    pub extra_fields: &'a [(&'a str, &'a str)],
    /// Document defects to tolerate.
    pub errata: &'a [Erratum<'a>],
}

/// The outcome over many exchanges.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Operations seen (`spec:operationId`).
    pub covered: BTreeSet<String>,
    /// Everything wrong, one line per finding, with the exchange it came
    /// from; array indices in pointers read `*`, so a finding repeated over
    /// every item of a list is one line.
    pub failures: Vec<String>,
    /// Allowed undeclared fields that were seen (`operationId pointer-shape`).
    pub allowed_seen: BTreeSet<String>,
    /// Errata that matched a violation (`operationId rule`).
    pub errata_seen: BTreeSet<String>,
    /// Exchanges checked.
    pub exchanges: usize,
}

impl Contract {
    /// The documents to check against.
    pub fn new(specs: Vec<Spec>) -> Self {
        Contract { specs }
    }

    /// The document whose base path covers `path` (the longest base path wins).
    fn spec_for(&self, path: &str) -> Option<&Spec> {
        self.specs
            .iter()
            .filter(|s| s.covers(path))
            .max_by_key(|s| s.document().base_path.len())
    }

    /// Checks one exchange: the request, and the answer for its status.
    pub fn check(&self, exchange: &Exchange) -> Result<Checked, ContractError> {
        let request = &exchange.request;
        let spec = self
            .spec_for(&request.path)
            .ok_or_else(|| ContractError::NoOperation {
                spec: self.specs.iter().map(Spec::name).collect::<Vec<_>>().join("+"),
                method: request.method.clone(),
                path: request.path.clone(),
            })?;
        let op = spec.operation(&request.method, &request.path)?;
        Ok(Checked {
            operation: format!("{}:{}", spec.name(), op.id),
            request: spec.check_request(&op, request)?,
            response: spec.check_response(&op, &exchange.response)?,
        })
    }

    /// Checks every exchange. Every request or answer violation is a
    /// failure unless `known` lists it as an erratum, and so is every answer
    /// field the schema lacks unless `known` lists it as justified.
    pub fn report(&self, exchanges: &[Exchange], known: &Known<'_>) -> Report {
        self.report_sides(exchanges, known, true)
    }

    /// [`Contract::report`] over the answers only: for requests a test
    /// sends wrong on purpose, to see the simulator's error answers.
    pub fn report_answers(&self, exchanges: &[Exchange], known: &Known<'_>) -> Report {
        self.report_sides(exchanges, known, false)
    }

    fn report_sides(&self, exchanges: &[Exchange], known: &Known<'_>, requests: bool) -> Report {
        let mut report = Report {
            exchanges: exchanges.len(),
            ..Report::default()
        };
        for exchange in exchanges {
            let line = format!("{} -> {}", exchange.request.line(), exchange.response.status);
            let checked = match self.check(exchange) {
                Ok(c) => c,
                Err(e) => {
                    report.failures.push(format!("{line}: {e}"));
                    continue;
                }
            };
            let op_id = checked
                .operation
                .split_once(':')
                .map_or("", |(_, id)| id)
                .to_owned();
            report.covered.insert(checked.operation.clone());
            let requests_checked = if requests { checked.request.as_slice() } else { &[] };
            for v in requests_checked.iter().chain(&checked.response.violations) {
                if let Some(e) = known
                    .errata
                    .iter()
                    .find(|e| e.operation == op_id && e.rule == v.rule && v.message.contains(e.message))
                {
                    report.errata_seen.insert(format!("{} {}", e.operation, e.rule));
                    continue;
                }
                let v = Violation {
                    pointer: shape(&v.pointer),
                    ..v.clone()
                };
                report
                    .failures
                    .push(format!("{line} [{}]: {v}", checked.operation));
            }
            for pointer in &checked.response.undeclared {
                let field_shape = shape(pointer);
                if known
                    .extra_fields
                    .iter()
                    .any(|(op, s)| *op == op_id && *s == field_shape)
                {
                    report.allowed_seen.insert(format!("{op_id} {field_shape}"));
                } else {
                    report.failures.push(format!(
                        "{line} [{}]: response {} at {field_shape}: a field the schema does not declare (remove it from the simulator, or list `(\"{op_id}\", \"{field_shape}\")` with its reason)",
                        checked.operation, exchange.response.status
                    ));
                }
            }
        }
        report
    }
}

impl Report {
    /// Merges another report into this one.
    pub fn merge(&mut self, other: Report) {
        self.covered.extend(other.covered);
        self.failures.extend(other.failures);
        self.allowed_seen.extend(other.allowed_seen);
        self.errata_seen.extend(other.errata_seen);
        self.exchanges += other.exchanges;
    }

    /// Operations of `expected` (`spec:operationId`) that no exchange reached.
    pub fn missing(&self, expected: &[&str]) -> Vec<String> {
        expected
            .iter()
            .filter(|e| !self.covered.contains(**e))
            .map(|e| (*e).to_owned())
            .collect()
    }

    /// Panics with every failure, one per line (duplicates collapsed), if
    /// there is any.
    pub fn assert_clean(&self) {
        if self.failures.is_empty() {
            return;
        }
        let mut unique: std::collections::BTreeMap<&String, usize> = std::collections::BTreeMap::new();
        for f in &self.failures {
            *unique.entry(f).or_default() += 1;
        }
        let mut text = format!(
            "{} contract violation(s) in {} exchange(s) ({} distinct):\n",
            self.failures.len(),
            self.exchanges,
            unique.len()
        );
        for (f, n) in unique {
            let times = if n > 1 { format!(" (x{n})") } else { String::new() };
            let _ = writeln!(text, "  - {f}{times}");
        }
        panic!("{text}");
    }

    /// Panics unless every operation of `expected` was exercised.
    pub fn assert_covers(&self, expected: &[&str]) {
        let missing = self.missing(expected);
        assert!(
            missing.is_empty(),
            "operations never exercised: {missing:?} (covered: {:?}); failures so far:\n{}",
            self.covered,
            self.failures.join("\n")
        );
    }
}
