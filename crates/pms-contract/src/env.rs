//! Where the vendors' specifications are: `PMS_VENDOR_SPECS`.
//!
//! Like `PMS_TEST_DATABASE_URL` in `crates/pms-sync/tests/store_conformance.rs`:
//! unset, a contract test prints "skipped: PMS_VENDOR_SPECS not set" and
//! passes; set, every file it names must exist or the test fails. CI sets it
//! to `../shared/vendor-specs`; a relative value is read from the workspace
//! root, not from the test's working directory (cargo runs each test binary
//! in its own crate's folder).

use std::path::{Path, PathBuf};

use crate::ContractError;

/// The variable naming the folder of vendor specifications.
pub const VENDOR_SPECS_VAR: &str = "PMS_VENDOR_SPECS";

/// The folder of vendor specifications named by [`VENDOR_SPECS_VAR`].
#[derive(Debug, Clone)]
pub struct VendorSpecs {
    dir: PathBuf,
}

impl VendorSpecs {
    /// The folder from the environment, or `None` after printing the skip
    /// line (`test` names the test in that line).
    pub fn from_env_or_skip(test: &str) -> Option<Self> {
        match std::env::var_os(VENDOR_SPECS_VAR) {
            Some(value) if !value.is_empty() => Some(VendorSpecs::at(Path::new(&value))),
            _ => {
                println!("skipped: {VENDOR_SPECS_VAR} not set ({test})");
                None
            }
        }
    }

    /// The folder `dir`; a relative one is read from the workspace root.
    pub fn at(dir: &Path) -> Self {
        let dir = if dir.is_absolute() {
            dir.to_path_buf()
        } else {
            workspace_root().join(dir)
        };
        VendorSpecs { dir }
    }

    /// The folder itself.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file `relative` inside the folder; a missing file is an error,
    /// never a skip.
    pub fn file(&self, relative: &str) -> Result<PathBuf, ContractError> {
        let path = self.dir.join(relative);
        if path.is_file() {
            Ok(path)
        } else {
            Err(ContractError::MissingSpec {
                var: VENDOR_SPECS_VAR,
                path,
            })
        }
    }
}

/// The workspace root (this crate lives in `crates/pms-contract`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_folder_is_read_from_the_workspace_root() {
        let specs = VendorSpecs::at(Path::new("../shared/vendor-specs"));
        assert!(specs.dir().starts_with(workspace_root()));
        assert!(specs.dir().ends_with("../shared/vendor-specs"));
    }

    #[test]
    fn a_missing_file_is_an_error_that_names_the_variable_and_the_path() {
        let specs = VendorSpecs::at(Path::new("/nonexistent-pms-contract-specs"));
        let err = specs.file("mews/connector-api.openapi.yaml").unwrap_err();
        let text = err.to_string();
        assert!(text.contains(VENDOR_SPECS_VAR), "{text}");
        assert!(text.contains("mews/connector-api.openapi.yaml"), "{text}");
    }
}
