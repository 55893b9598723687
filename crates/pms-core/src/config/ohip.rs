//! `PMS_HOTEL_<ID>_OPERA_OHIP_*`: the optional OHIP (OPERA Cloud REST)
//! credentials an OPERA hotel uses for cashiering. Present, charges are posted
//! through OHIP `postBillingCharges` with a `postingReference` that can be read
//! back, so the write journal settles an ambiguous charge instead of leaving it
//! `unknown`; absent, charges stay on OWS `PostCharge`.
//!
//! ```text
//! PMS_HOTEL_GRAND_OPERA_OHIP_URL=https://gateway.example.com   # enables OHIP
//! PMS_HOTEL_GRAND_OPERA_OHIP_APP_KEY=<uuid v4>                   # x-app-key
//! PMS_HOTEL_GRAND_OPERA_OHIP_CLIENT_ID=...
//! PMS_HOTEL_GRAND_OPERA_OHIP_CLIENT_SECRET=...
//! PMS_HOTEL_GRAND_OPERA_OHIP_USERNAME=...        # password grant (integration user)
//! PMS_HOTEL_GRAND_OPERA_OHIP_PASSWORD=...
//! PMS_HOTEL_GRAND_OPERA_OHIP_SCOPE=...           # or client_credentials instead
//! PMS_HOTEL_GRAND_OPERA_OHIP_ENTERPRISE_ID=...   # client_credentials on OCIM only
//! PMS_HOTEL_GRAND_OPERA_OHIP_CASHIER_ID=...      # cashierId sent with postings
//! ```
//!
//! Grants, headers and the `x-app-key` / `enterpriseId` patterns are those of
//! oracle/hospitality-api-docs `rest-api-specs/property/oauth.json`
//! (opera.md §4.1).

use secrecy::SecretString;
use url::Url;

use super::{Vars, is_loopback};
use crate::Error;

/// OHIP credentials for one OPERA hotel.
#[derive(Debug, Clone)]
pub struct OhipSettings {
    /// The OHIP gateway (`{gateway}/oauth/v1/tokens`, `{gateway}/csh/v1/...`).
    pub gateway_url: Url,
    /// `x-app-key`: the partner application key (a UUID v4), a credential.
    pub app_key: SecretString,
    /// OAuth client id (HTTP Basic user on the token request).
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: SecretString,
    /// How the token is obtained.
    pub grant: OhipGrant,
    /// `cashierId` sent with postings, when the integration user needs one.
    pub cashier_id: Option<u64>,
}

/// The OAuth grant `oauth.json` offers.
#[derive(Debug, Clone)]
pub enum OhipGrant {
    /// `grant_type=password` with the OPERA Cloud integration user.
    Password {
        /// `username`.
        username: String,
        /// `password`.
        password: SecretString,
    },
    /// `grant_type=client_credentials` with a `scope`.
    ClientCredentials {
        /// `scope`.
        scope: String,
        /// `enterpriseId` header (OCIM environments only).
        enterprise_id: Option<String>,
    },
}

const SUFFIXES: [&str; 9] = [
    "URL",
    "APP_KEY",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "USERNAME",
    "PASSWORD",
    "SCOPE",
    "ENTERPRISE_ID",
    "CASHIER_ID",
];

/// Reads the OHIP variables of a hotel (`var` adds the hotel prefix).
pub(super) fn ohip_settings(
    vars: &Vars<'_>,
    var: &dyn Fn(&str) -> String,
) -> Result<Option<Box<OhipSettings>>, Error> {
    let name = |suffix: &str| var(&format!("OPERA_OHIP_{suffix}"));
    let url_var = name("URL");
    let Some(raw_url) = vars.optional(&url_var)? else {
        // Half a configuration is a mistake, not a request for OWS.
        for suffix in &SUFFIXES[1..] {
            if vars.optional(&name(suffix))?.is_some() {
                return Err(Error::config(
                    &url_var,
                    format!("is required when {} is set", name(suffix)),
                ));
            }
        }
        return Ok(None);
    };
    let gateway_url =
        Url::parse(raw_url.trim()).map_err(|_| Error::config(&url_var, "is not an absolute URL"))?;
    match gateway_url.scheme() {
        "https" => {}
        "http" if is_loopback(&gateway_url) => {}
        _ => {
            return Err(Error::config(
                &url_var,
                "must be https (plain http is allowed only to loopback)",
            ));
        }
    }
    let key_var = name("APP_KEY");
    let app_key = vars.required(&key_var)?.trim().to_owned();
    if !is_uuid_v4(&app_key) {
        return Err(Error::config(
            &key_var,
            "must be a UUID v4 (oauth.json x-app-key pattern)",
        ));
    }
    let username = vars.optional(&name("USERNAME"))?;
    let scope = vars.optional(&name("SCOPE"))?;
    let grant = match (username, scope) {
        (Some(_), Some(_)) => {
            return Err(Error::config(
                name("SCOPE"),
                format!(
                    "conflicts with {}: configure the password grant or client_credentials, not both",
                    name("USERNAME")
                ),
            ));
        }
        (Some(username), None) => OhipGrant::Password {
            username,
            password: vars.secret(&name("PASSWORD"))?,
        },
        (None, Some(scope)) => {
            let enterprise_var = name("ENTERPRISE_ID");
            let enterprise_id = vars.optional(&enterprise_var)?;
            let valid = |id: &str| {
                (1..=8).contains(&id.len())
                    && id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            };
            if enterprise_id.as_deref().is_some_and(|id| !valid(id)) {
                return Err(Error::config(
                    &enterprise_var,
                    "must be 1 to 8 characters A-Z or 0-9 (oauth.json enterpriseId pattern)",
                ));
            }
            OhipGrant::ClientCredentials { scope, enterprise_id }
        }
        (None, None) => {
            return Err(Error::config(
                name("USERNAME"),
                format!("is required (password grant) unless {} is set", name("SCOPE")),
            ));
        }
    };
    let cashier_var = name("CASHIER_ID");
    let cashier_id = vars
        .optional(&cashier_var)?
        .map(|v| v.trim().parse::<u64>())
        .transpose()
        .map_err(|_| Error::config(&cashier_var, "is not a whole number"))?;
    Ok(Some(Box::new(OhipSettings {
        gateway_url,
        app_key: SecretString::from(app_key),
        client_id: vars.required(&name("CLIENT_ID"))?,
        client_secret: vars.secret(&name("CLIENT_SECRET"))?,
        grant,
        cashier_id,
    })))
}

/// `^[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89aAbB][a-f0-9]{3}-[a-f0-9]{12}$`.
fn is_uuid_v4(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    let hex = |g: &str| {
        g.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let lens = [8, 4, 4, 4, 12];
    groups.len() == 5
        && groups.iter().zip(lens).all(|(g, n)| g.len() == n)
        && groups.iter().enumerate().all(|(i, g)| {
            // The variant digit may be upper case; every other digit is lower.
            if i == 3 {
                matches!(g.as_bytes()[0], b'8' | b'9' | b'a' | b'b' | b'A' | b'B') && hex(&g[1..])
            } else {
                hex(g)
            }
        })
        && groups[2].starts_with('4')
}

#[cfg(test)]
mod tests {
    use super::is_uuid_v4;

    #[test]
    fn app_keys_follow_the_spec_pattern() {
        assert!(is_uuid_v4("3fa85f64-5717-4562-b3fc-2c963f66afa6"));
        assert!(is_uuid_v4("3fa85f64-5717-4562-B3fc-2c963f66afa6"));
        assert!(!is_uuid_v4("3fa85f64-5717-1562-b3fc-2c963f66afa6"), "version 1");
        assert!(!is_uuid_v4("3fa85f64-5717-4562-c3fc-2c963f66afa6"), "variant c");
        assert!(!is_uuid_v4("3FA85F64-5717-4562-b3fc-2c963f66afa6"), "upper case");
        assert!(!is_uuid_v4("3fa85f64571745 62b3fc2c963f66afa6"));
    }
}
