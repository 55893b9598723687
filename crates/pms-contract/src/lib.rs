//! # pms-contract
//!
//! Test support for contract tests: every request our clients send and
//! every answer our simulators give is checked against the vendor's own
//! machine-readable description (Mews and Cloudbeds OpenAPI 3.0, OHIP
//! Swagger 2.0), read at test time from the folder `PMS_VENDOR_SPECS`
//! names. The documents are data: they are never copied into this
//! repository.
//!
//! | module | holds |
//! |---|---|
//! | `env` | [`VendorSpecs`]: the folder from `PMS_VENDOR_SPECS`, the skip line, missing files as errors |
//! | `document` | [`Document`]: YAML/JSON loading, the OpenAPI 3.0 / Swagger 2.0 dialect rewritten to draft 4 (`nullable`) |
//! | `schema` | the `jsonschema` validator over the whole document (`$ref`s across it), [`Formats`] |
//! | `undeclared` | fields a value has that its schema does not declare, through `allOf`/`anyOf`/`oneOf`/`$ref` |
//! | `form` | query, path, header and form-encoded text as typed JSON (PHP bracket arrays) |
//! | `spec` | [`Spec`]: finding the [`Operation`] of a request, checking the request and the answer |
//! | `security` | whether a request presents the credentials its operation's `security` asks for |
//! | `http` | [`Request`], [`Response`], [`Exchange`] |
//! | `proxy` | [`Recorder`]: a loopback proxy that records every exchange between a client and a server |
//! | `report` | [`Contract`] (one vendor's documents: each request goes to the one that declares it), [`Report`]; [`Known`]: errata, allowed undeclared fields, verb deviations and exchanges no document describes, each with its reason |
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use pms_contract::{Contract, Formats, Spec, VendorSpecs};
//! let Some(specs) = VendorSpecs::from_env_or_skip("mews requests") else { return Ok(()) };
//! let spec = Spec::load("mews", &specs.file("mews/connector-api.openapi.yaml")?, Formats::default())?;
//! let contract = Contract::new(vec![spec]);
//! let recorder = pms_contract::Recorder::start("http://127.0.0.1:8080").await?;
//! // ... point the client at recorder.origin() and drive it ...
//! let report = contract.report(&recorder.take(), &pms_contract::Known::default());
//! report.assert_clean();
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod document;
mod env;
mod form;
mod http;
mod proxy;
mod report;
mod schema;
mod security;
mod spec;
mod undeclared;

use std::fmt;
use std::path::PathBuf;

pub use document::{Dialect, Document};
pub use env::{VENDOR_SPECS_VAR, VendorSpecs, workspace_root};
pub use http::{Exchange, Request, Response, media_type};
pub use proxy::{MAX_BODY, Recorder};
pub use report::{Allowed, Checked, Contract, Erratum, Known, Report, Unchecked, VerbDeviation};
pub use schema::{FormatCheck, Formats, is_uuid};
pub use spec::{AnswerFindings, Operation, Spec};
pub use undeclared::{shape, undeclared};

/// Why a check could not be made (as opposed to a [`Violation`], which is
/// a check that failed).
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    /// `PMS_VENDOR_SPECS` is set but a file it should hold is not there.
    #[error("{var} is set but {} is missing (the contract tests fail rather than skip)", path.display())]
    MissingSpec {
        /// The variable.
        var: &'static str,
        /// The file looked for.
        path: PathBuf,
    },
    /// The document could not be read or is of an unsupported dialect.
    #[error("{}: {message}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A schema of the document could not be compiled.
    #[error("schema at #{pointer} does not compile: {message}")]
    Schema {
        /// Its JSON pointer in the document.
        pointer: String,
        /// What the validator said.
        message: String,
    },
    /// No operation of the document matches the request.
    #[error("{spec}: no operation for {method} {path}")]
    NoOperation {
        /// The document's name.
        spec: String,
        /// The request method.
        method: String,
        /// The request path.
        path: String,
    },
}

/// One broken rule: what was checked, where in it, which schema rule and
/// what the validator said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// What was checked: `request body`, `query parameter `x``, `response 200`.
    pub what: String,
    /// JSON pointer into that value (`""` for the value itself).
    pub pointer: String,
    /// The schema rule: the JSON pointer of the keyword in the vendor's
    /// document (`/components/schemas/X/properties/y/type`), or a named
    /// rule (`required`, `not declared`, `content`).
    pub rule: String,
    /// The validator's words.
    pub message: String,
}

impl Violation {
    pub(crate) fn rule(
        what: impl Into<String>,
        pointer: impl Into<String>,
        rule: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Violation {
            what: what.into(),
            pointer: pointer.into(),
            rule: rule.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "(whole value)"
        } else {
            &self.pointer
        };
        write!(f, "{} at {at}: {} [rule {}]", self.what, self.message, self.rule)
    }
}
