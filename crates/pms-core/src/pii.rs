//! Redaction of personal data in `Debug` output.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Personal data (a name, an email, a document number). Serializes as the
/// plain value, so stores and fixtures see it, but `Debug` never prints it:
/// a stray `{:?}` in a log line cannot leak a guest.
///
/// ```
/// use pms_core::Pii;
/// let email = Pii::new("ada@example.com".to_owned());
/// assert_eq!(format!("{email:?}"), "Pii(<redacted>)");
/// assert_eq!(email.expose(), "ada@example.com");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pii<T>(T);

impl<T> Pii<T> {
    /// Marks a value as personal data.
    pub const fn new(value: T) -> Self {
        Pii(value)
    }

    /// The value, for code that really needs it (a mapper, an encrypting store).
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Pii<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pii(<redacted>)")
    }
}

impl From<&str> for Pii<String> {
    fn from(value: &str) -> Self {
        Pii(value.to_owned())
    }
}

impl From<String> for Pii<String> {
    fn from(value: String) -> Self {
        Pii(value)
    }
}
