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

/// The outcome over many exchanges.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Operations seen (`spec:operationId`).
    pub covered: BTreeSet<String>,
    /// Everything wrong, one line per finding, with the exchange it came from.
    pub failures: Vec<String>,
    /// Allowed undeclared fields that were seen (`operationId pointer-shape`).
    pub allowed_seen: BTreeSet<String>,
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
        let spec = self.spec_for(&request.path).ok_or_else(|| ContractError::NoOperation {
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

    /// Checks every exchange. `allowed` lists answer fields a schema lacks
    /// that are known and justified, as `(operationId, pointer shape)`
    /// (`("getReservations", "/data/*/extra")`); any other undeclared answer
    /// field is a failure, as is every request or answer violation.
    pub fn report(&self, exchanges: &[Exchange], allowed: &[(&str, &str)]) -> Report {
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
            let op_id = checked.operation.split_once(':').map_or("", |(_, id)| id).to_owned();
            report.covered.insert(checked.operation.clone());
            for v in &checked.request {
                report.failures.push(format!("{line} [{}]: {v}", checked.operation));
            }
            for v in &checked.response.violations {
                report.failures.push(format!("{line} [{}]: {v}", checked.operation));
            }
            for pointer in &checked.response.undeclared {
                let field_shape = shape(pointer);
                if allowed.iter().any(|(op, s)| *op == op_id && *s == field_shape) {
                    report.allowed_seen.insert(format!("{op_id} {field_shape}"));
                } else {
                    report.failures.push(format!(
                        "{line} [{}]: response {} at {pointer}: a field the schema does not declare (remove it from the simulator, or list `(\"{op_id}\", \"{field_shape}\")` with its reason)",
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
        let unique: BTreeSet<&String> = self.failures.iter().collect();
        let mut text = format!(
            "{} contract violation(s) in {} exchange(s) ({} distinct):\n",
            self.failures.len(),
            self.exchanges,
            unique.len()
        );
        for f in unique {
            let _ = writeln!(text, "  - {f}");
        }
        panic!("{text}");
    }

    /// Panics unless every operation of `expected` was exercised.
    pub fn assert_covers(&self, expected: &[&str]) {
        let missing = self.missing(expected);
        assert!(
            missing.is_empty(),
            "operations never exercised: {missing:?} (covered: {:?})",
            self.covered
        );
    }
}
