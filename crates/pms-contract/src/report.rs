//! Checking many exchanges at once, and saying what failed in one message.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::http::{Exchange, Request};
use crate::spec::{AnswerFindings, Operation, Spec};
use crate::undeclared::shape;
use crate::{ContractError, Violation};

/// The documents one vendor's traffic is checked against: OHIP has one per
/// API, each under its own base path; Cloudbeds the v1.3 document under
/// `/api/v1.3` and the Accounting document, whose paths carry their own
/// prefix (`/accounting/v1.0/...`) under a bare server. Each request goes
/// to the document that declares its operation, trying the longest base
/// path first.
#[derive(Debug)]
pub struct Contract {
    specs: Vec<Spec>,
}

/// What checking one exchange found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// `spec:operationId` of the matched operation.
    pub operation: String,
    /// The verb sent, when it is not the documented one (a
    /// [`VerbDeviation`] matched it to the operation).
    pub sent_as: Option<String>,
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
    /// `operationId` (without the spec name, or as `spec:operationId`).
    pub operation: &'a str,
    /// The violation's rule, exactly.
    pub rule: &'a str,
    /// A piece of the violation's message.
    pub message: &'a str,
    /// Why the document is wrong here (with the source that says so).
    pub why: &'a str,
}

/// A field the document does not declare, accepted with its reason: in an
/// answer, a field the simulator adds; in a request, a field the vendor's
/// later word (a newer SDK) takes that the document lacks.
#[derive(Debug, Clone, Copy)]
pub struct Allowed<'a> {
    /// `operationId` (or `spec:operationId`).
    pub operation: &'a str,
    /// The field as a pointer shape: `/authHeaderName`, `/data/*/extra`.
    pub field: &'a str,
    /// Why it is accepted (with the source that says so).
    pub why: &'a str,
}

/// An operation sent with another verb than the document gives it, where
/// the vendor's later word says so. The request is checked as the
/// documented operation reads it ([`Spec::as_documented`]: its method,
/// and a form's fields as the query parameters of a documented operation
/// that takes no body), and so is the answer.
#[derive(Debug, Clone, Copy)]
pub struct VerbDeviation<'a> {
    /// The documented operation's id (or `spec:operationId`).
    pub operation: &'a str,
    /// Its documented method: `DELETE`.
    pub documented: &'a str,
    /// The method sent: `POST`.
    pub sent: &'a str,
    /// Why (with the source that says so).
    pub why: &'a str,
}

/// Exchanges no document describes: counted, never checked.
#[derive(Debug, Clone, Copy)]
pub struct Unchecked<'a> {
    /// The method.
    pub method: &'a str,
    /// The full request path as a template (`{name}` takes one segment):
    /// `/ent/config/v1/hotels/{hotelId}/operaContext`.
    pub path: &'a str,
    /// Why no document can check it.
    pub why: &'a str,
}

impl Unchecked<'_> {
    fn matches(&self, request: &Request) -> bool {
        let template: Vec<&str> = self.path.trim_matches('/').split('/').collect();
        let path: Vec<&str> = request.path.trim_matches('/').split('/').collect();
        self.method.eq_ignore_ascii_case(&request.method)
            && template.len() == path.len()
            && template
                .iter()
                .zip(&path)
                .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
    }

    fn key(&self) -> String {
        format!("{} {}", self.method.to_ascii_uppercase(), self.path)
    }
}

/// What a test knows and accepts beyond the documents. Every entry carries
/// its reason; [`Report::unused`] names the entries no exchange needed, so
/// a stale one fails the test that lists it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Known<'a> {
    /// Answer fields a schema lacks that are justified.
    pub extra_fields: &'a [Allowed<'a>],
    /// Request fields a schema lacks that are justified (every other
    /// undeclared request field stays a violation).
    pub request_fields: &'a [Allowed<'a>],
    /// Document defects to tolerate.
    pub errata: &'a [Erratum<'a>],
    /// Operations sent with another verb than documented.
    pub verbs: &'a [VerbDeviation<'a>],
    /// Exchanges no document describes.
    pub unchecked: &'a [Unchecked<'a>],
}

fn names(operation: &str, op_id: &str, full: &str) -> bool {
    operation == op_id || operation == full
}

fn erratum_key(e: &Erratum<'_>) -> String {
    format!("erratum {} {} ({})", e.operation, e.rule, e.message)
}

fn answer_key(a: &Allowed<'_>) -> String {
    format!("answer field {} {}", a.operation, a.field)
}

fn request_key(a: &Allowed<'_>) -> String {
    format!("request field {} {}", a.operation, a.field)
}

fn verb_key(v: &VerbDeviation<'_>) -> String {
    format!("verb {} sent as {}", v.operation, v.sent)
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
    /// Allowed undeclared answer fields that were seen (`operationId pointer-shape`).
    pub allowed_seen: BTreeSet<String>,
    /// Allowed undeclared request fields that were seen (`operationId pointer-shape`).
    pub request_fields_seen: BTreeSet<String>,
    /// Errata that matched a violation (`operationId rule`).
    pub errata_seen: BTreeSet<String>,
    /// Verb deviations used (`spec:operationId sent as METHOD`).
    pub deviations_seen: BTreeSet<String>,
    /// Exchanges counted and not checked, by [`Unchecked`] entry (`METHOD template`).
    pub unchecked: BTreeMap<String, usize>,
    /// Exchanges seen (checked or not).
    pub exchanges: usize,
    /// The [`Known`] entries that were needed.
    used: BTreeSet<String>,
}

impl Contract {
    /// The documents to check against.
    pub fn new(specs: Vec<Spec>) -> Self {
        Contract { specs }
    }

    /// The documents whose base path covers `path`, longest base path first.
    fn specs_for(&self, path: &str) -> Vec<&Spec> {
        let mut specs: Vec<&Spec> = self.specs.iter().filter(|s| s.covers(path)).collect();
        specs.sort_by_key(|s| std::cmp::Reverse(s.document().base_path.len()));
        specs
    }

    /// The document and operation of a request: the first document (longest
    /// base path first) that declares it; failing that, one that declares it
    /// under the documented verb of a [`VerbDeviation`] for the verb sent.
    fn locate<'c, 'k>(
        &'c self,
        request: &Request,
        known: &Known<'k>,
    ) -> Result<(&'c Spec, Operation, Option<VerbDeviation<'k>>), ContractError> {
        let specs = self.specs_for(&request.path);
        for spec in &specs {
            if let Ok(op) = spec.operation(&request.method, &request.path) {
                return Ok((spec, op, None));
            }
        }
        for spec in &specs {
            for deviation in known
                .verbs
                .iter()
                .filter(|d| d.sent.eq_ignore_ascii_case(&request.method))
            {
                if let Ok(op) = spec.operation(deviation.documented, &request.path) {
                    let full = format!("{}:{}", spec.name(), op.id);
                    if names(deviation.operation, &op.id, &full) {
                        return Ok((spec, op, Some(*deviation)));
                    }
                }
            }
        }
        let names: Vec<&str> = if specs.is_empty() {
            self.specs.iter().map(Spec::name).collect()
        } else {
            specs.iter().map(|s| s.name()).collect()
        };
        Err(ContractError::NoOperation {
            spec: names.join("+"),
            method: request.method.clone(),
            path: request.path.clone(),
        })
    }

    /// Checks one exchange: the request, and the answer for its status.
    pub fn check(&self, exchange: &Exchange) -> Result<Checked, ContractError> {
        self.check_known(exchange, &Known::default())
    }

    /// [`Contract::check`], with `known`'s verb deviations applied.
    pub fn check_known(&self, exchange: &Exchange, known: &Known<'_>) -> Result<Checked, ContractError> {
        let (spec, op, deviation) = self.locate(&exchange.request, known)?;
        let request = match deviation {
            Some(_) => spec.as_documented(&op, &exchange.request),
            None => exchange.request.clone(),
        };
        Ok(Checked {
            operation: format!("{}:{}", spec.name(), op.id),
            sent_as: deviation.map(|_| exchange.request.method.to_ascii_uppercase()),
            request: spec.check_request(&op, &request)?,
            response: spec.check_response(&op, &exchange.response)?,
        })
    }

    /// Checks every exchange. Every request or answer violation is a
    /// failure unless `known` lists it as an erratum or an allowed request
    /// field, and so is every answer field the schema lacks unless `known`
    /// lists it as justified. Exchanges `known` lists as unchecked are
    /// counted only.
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
            if let Some(entry) = known.unchecked.iter().find(|u| u.matches(&exchange.request)) {
                *report.unchecked.entry(entry.key()).or_default() += 1;
                report.used.insert(format!("unchecked {}", entry.key()));
                continue;
            }
            let line = format!("{} -> {}", exchange.request.line(), exchange.response.status);
            let checked = match self.check_known(exchange, known) {
                Ok(c) => c,
                Err(e) => {
                    report.failures.push(format!("{line}: {e}"));
                    continue;
                }
            };
            report.record(&line, &checked, known, requests);
        }
        report
    }
}

impl Report {
    /// Files what checking one exchange found.
    fn record(&mut self, line: &str, checked: &Checked, known: &Known<'_>, requests: bool) {
        let full = checked.operation.as_str();
        let op_id = full.split_once(':').map_or("", |(_, id)| id).to_owned();
        self.covered.insert(full.to_owned());
        if let Some(sent) = &checked.sent_as
            && let Some(d) = known
                .verbs
                .iter()
                .find(|d| names(d.operation, &op_id, full) && d.sent.eq_ignore_ascii_case(sent))
        {
            self.deviations_seen.insert(format!("{full} sent as {sent}"));
            self.used.insert(verb_key(d));
        }
        let requests_checked = if requests { checked.request.as_slice() } else { &[] };
        let answers = checked.response.violations.as_slice();
        for (from_request, v) in requests_checked
            .iter()
            .map(|v| (true, v))
            .chain(answers.iter().map(|v| (false, v)))
        {
            let v = Violation {
                pointer: shape(&v.pointer),
                ..v.clone()
            };
            if let Some(e) = known.errata.iter().find(|e| {
                names(e.operation, &op_id, full) && e.rule == v.rule && v.message.contains(e.message)
            }) {
                self.errata_seen.insert(format!("{} {}", e.operation, e.rule));
                self.used.insert(erratum_key(e));
                continue;
            }
            if from_request
                && v.rule == "not declared"
                && let Some(a) = known
                    .request_fields
                    .iter()
                    .find(|a| names(a.operation, &op_id, full) && a.field == v.pointer)
            {
                self.request_fields_seen.insert(format!("{op_id} {}", a.field));
                self.used.insert(request_key(a));
                continue;
            }
            self.failures.push(format!("{line} [{full}]: {v}"));
        }
        for pointer in &checked.response.undeclared {
            let field_shape = shape(pointer);
            if let Some(a) = known
                .extra_fields
                .iter()
                .find(|a| names(a.operation, &op_id, full) && a.field == field_shape)
            {
                self.allowed_seen.insert(format!("{op_id} {field_shape}"));
                self.used.insert(answer_key(a));
            } else {
                self.failures.push(format!(
                    "{line} [{full}]: response at {field_shape}: a field the schema does not declare (remove it from the simulator, or list `Allowed {{ operation: \"{op_id}\", field: \"{field_shape}\", .. }}` with its reason)"
                ));
            }
        }
    }

    /// The entries of `known` that no exchange of this report needed, each
    /// as `kind operation detail`: an erratum the document no longer shows,
    /// a field no longer sent, a deviation no longer taken, an unchecked
    /// path no longer called.
    pub fn unused(&self, known: &Known<'_>) -> Vec<String> {
        let keys = known
            .errata
            .iter()
            .map(erratum_key)
            .chain(known.extra_fields.iter().map(answer_key))
            .chain(known.request_fields.iter().map(request_key))
            .chain(known.verbs.iter().map(verb_key))
            .chain(known.unchecked.iter().map(|u| format!("unchecked {}", u.key())));
        keys.filter(|k| !self.used.contains(k)).collect()
    }

    /// Panics unless every entry of `known` was needed ([`Report::unused`]).
    pub fn assert_known_used(&self, known: &Known<'_>) {
        let unused = self.unused(known);
        assert!(
            unused.is_empty(),
            "entries of the test's known list that no exchange needed (remove them, or drive the call again): {unused:#?}"
        );
    }

    /// Merges another report into this one.
    pub fn merge(&mut self, other: Report) {
        self.covered.extend(other.covered);
        self.failures.extend(other.failures);
        self.allowed_seen.extend(other.allowed_seen);
        self.request_fields_seen.extend(other.request_fields_seen);
        self.errata_seen.extend(other.errata_seen);
        self.deviations_seen.extend(other.deviations_seen);
        for (key, n) in other.unchecked {
            *self.unchecked.entry(key).or_default() += n;
        }
        self.used.extend(other.used);
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
