//! Encryption at rest for mirrored records and journaled requests.
//!
//! ChaCha20-Poly1305 with a random 96-bit nonce per seal; the associated data
//! binds a ciphertext to its row (hotel, kind, id), so a row copied onto
//! another fails to open. Keys carry ids so they can rotate: new data is
//! sealed with the current key, old rows open with any key still listed.

use std::collections::HashMap;
use std::fmt;

use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadInOut, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox};
use sha2::Sha256;

use crate::SyncError;

const NONCE_LEN: usize = 12;
/// Poly1305 tag after the ciphertext.
const TAG_LEN: usize = 16;

/// Variable holding the current key (base64 of 32 random bytes).
pub const KEY_VAR: &str = "PMS_STORE_KEY";
/// Variable holding the current key's id.
pub const KEY_ID_VAR: &str = "PMS_STORE_KEY_ID";
/// Variable holding retired keys still needed to read old rows: `id:base64,id:base64`.
pub const OLD_KEYS_VAR: &str = "PMS_STORE_OLD_KEYS";

struct KeyMaterial {
    aead: ChaCha20Poly1305,
    mac_key: SecretBox<[u8; 32]>,
}

/// A key ring: the current key plus retired ones.
pub struct Cipher {
    current: String,
    keys: HashMap<String, KeyMaterial>,
}

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids: Vec<_> = self.keys.keys().collect();
        ids.sort();
        f.debug_struct("Cipher")
            .field("current", &self.current)
            .field("key_ids", &ids)
            .finish()
    }
}

impl Cipher {
    /// A ring with one key.
    pub fn new(key_id: impl Into<String>, key: [u8; 32]) -> Self {
        let key_id = key_id.into();
        let mut keys = HashMap::new();
        keys.insert(key_id.clone(), KeyMaterial::new(key));
        Cipher {
            current: key_id,
            keys,
        }
    }

    /// Adds a retired key that can still open old rows.
    ///
    /// An id already in the ring (the current one or another retired one) is
    /// refused, whether the key is the same or not: rows carry only the id, so
    /// two keys under one id would leave some rows unreadable, and which ones
    /// would only show at the next read (a reconcile, weeks later). The error
    /// names the id, never a key.
    pub fn with_retired(mut self, key_id: impl Into<String>, key: [u8; 32]) -> Result<Self, SyncError> {
        let key_id = key_id.into();
        if self.keys.contains_key(&key_id) {
            let role = if key_id == self.current {
                "is the current key's id"
            } else {
                "is listed twice"
            };
            return Err(SyncError::Crypto(format!("key id `{key_id}` {role}")));
        }
        self.keys.insert(key_id, KeyMaterial::new(key));
        Ok(self)
    }

    /// A ring with a random key, for tests and throwaway stores.
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Cipher::new("ephemeral", key)
    }

    /// Reads the ring from `PMS_STORE_KEY`, `PMS_STORE_KEY_ID` and
    /// `PMS_STORE_OLD_KEYS` through `lookup`. Errors name the variable, never the key.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SyncError> {
        let config = |variable: &str, reason: &str| SyncError::Config {
            variable: variable.to_owned(),
            reason: reason.to_owned(),
        };
        let key_id = lookup(KEY_ID_VAR)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| config(KEY_ID_VAR, "is required but not set"))?;
        let key = lookup(KEY_VAR).ok_or_else(|| config(KEY_VAR, "is required but not set"))?;
        let key = decode_key(&key).ok_or_else(|| config(KEY_VAR, "must be base64 of exactly 32 bytes"))?;
        let mut cipher = Cipher::new(key_id.trim(), key);
        for item in lookup(OLD_KEYS_VAR)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let (id, key) = item
                .split_once(':')
                .ok_or_else(|| config(OLD_KEYS_VAR, "entries must be `id:base64key`"))?;
            let id = id.trim();
            if id.is_empty() {
                return Err(config(OLD_KEYS_VAR, "an entry has an empty key id"));
            }
            let key = decode_key(key)
                .ok_or_else(|| config(OLD_KEYS_VAR, "a key is not base64 of exactly 32 bytes"))?;
            // A repeated id is refused at start, before anything is sealed or
            // opened: see `with_retired`.
            cipher = cipher.with_retired(id, key).map_err(|_| {
                let reason = if id == key_id.trim() {
                    format!("repeats the current key id `{id}` ({KEY_ID_VAR}); list only retired keys")
                } else {
                    format!("lists key id `{id}` twice; each id must name one key")
                };
                config(OLD_KEYS_VAR, &reason)
            })?;
        }
        Ok(cipher)
    }

    /// Reads the ring from the process environment.
    pub fn from_env() -> Result<Self, SyncError> {
        Cipher::from_lookup(|name| std::env::var(name).ok())
    }

    /// Id of the key new data is sealed with.
    pub fn current_key_id(&self) -> &str {
        &self.current
    }

    /// Seals `plaintext` bound to `aad` with the current key: nonce || ciphertext.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, SyncError> {
        let material = self.material(&self.current)?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        // Encrypted where it ends up (nonce, ciphertext, tag), not in a second
        // buffer copied after: a poll page seals every record it writes.
        let mut sealed = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(plaintext);
        let tag = material
            .aead
            .encrypt_inout_detached(&Nonce::from(nonce), aad, (&mut sealed[NONCE_LEN..]).into())
            .map_err(|_| SyncError::Crypto("sealing failed".into()))?;
        sealed.extend_from_slice(&tag);
        Ok(sealed)
    }

    /// Opens what [`Cipher::seal`] produced under `key_id` with the same `aad`.
    pub fn open(&self, key_id: &str, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, SyncError> {
        let material = self.material(key_id)?;
        if sealed.len() < NONCE_LEN {
            return Err(SyncError::Crypto("sealed value is truncated".into()));
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce =
            Nonce::try_from(nonce).map_err(|_| SyncError::Crypto("sealed value is truncated".into()))?;
        material
            .aead
            .decrypt(&nonce, Payload { msg: ciphertext, aad })
            .map_err(|_| {
                SyncError::Crypto(format!(
                    "cannot open a value sealed with key `{key_id}` (tampered or wrong key)"
                ))
            })
    }

    /// Keyed fingerprint (HMAC-SHA256, hex) of `plaintext` under the current key:
    /// lets the store detect change without keeping a dictionary-attackable hash.
    pub fn fingerprint(&self, plaintext: &[u8]) -> Result<String, SyncError> {
        let material = self.material(&self.current)?;
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(material.mac_key.expose_secret())
            .map_err(|_| SyncError::Crypto("bad MAC key".into()))?;
        mac.update(plaintext);
        Ok(hex::encode(mac.finalize().into_bytes()))
    }

    fn material(&self, key_id: &str) -> Result<&KeyMaterial, SyncError> {
        self.keys
            .get(key_id)
            .ok_or_else(|| SyncError::Crypto(format!("key `{key_id}` is not in the key ring")))
    }
}

impl KeyMaterial {
    fn new(key: [u8; 32]) -> Self {
        // Separate MAC key so fingerprints reveal nothing about the AEAD key.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(b"pms-sync fingerprint key v1");
        let mac_key: [u8; 32] = mac.finalize().into_bytes().into();
        KeyMaterial {
            aead: ChaCha20Poly1305::new(&Key::from(key)),
            mac_key: SecretBox::new(Box::new(mac_key)),
        }
    }
}

fn decode_key(text: &str) -> Option<[u8; 32]> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()?
        .try_into()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_with_the_same_aad_only() {
        let cipher = Cipher::random();
        let sealed = cipher.seal(b"Ottoline Quaxworth", b"grand/guest/g1").unwrap();
        assert!(!sealed.windows(8).any(|w| w == b"Ottoline"));
        // The stored layout is unchanged: nonce, ciphertext, tag, exactly sized.
        assert_eq!(sealed.len(), NONCE_LEN + b"Ottoline Quaxworth".len() + TAG_LEN);
        assert_eq!(sealed.capacity(), sealed.len());
        // ... and opens with the one-shot API that wrote the rows stored so far.
        let (nonce, combined) = sealed.split_at(NONCE_LEN);
        let opened = cipher
            .material("ephemeral")
            .unwrap()
            .aead
            .decrypt(
                &Nonce::try_from(nonce).unwrap(),
                Payload {
                    msg: combined,
                    aad: b"grand/guest/g1",
                },
            )
            .unwrap();
        assert_eq!(opened, b"Ottoline Quaxworth");
        assert_eq!(
            cipher.open("ephemeral", &sealed, b"grand/guest/g1").unwrap(),
            b"Ottoline Quaxworth"
        );
        assert!(cipher.open("ephemeral", &sealed, b"grand/guest/g2").is_err());
        let mut tampered = sealed.clone();
        if let Some(last) = tampered.last_mut() {
            *last ^= 1;
        }
        assert!(cipher.open("ephemeral", &tampered, b"grand/guest/g1").is_err());
        assert!(cipher.open("ephemeral", &sealed[..5], b"grand/guest/g1").is_err());
    }

    #[test]
    fn rotated_rings_open_old_rows_and_seal_with_the_new_key() {
        let old = Cipher::new("k1", [1; 32]);
        let sealed = old.seal(b"data", b"aad").unwrap();
        let rotated = Cipher::new("k2", [2; 32]).with_retired("k1", [1; 32]).unwrap();
        assert_eq!(rotated.open("k1", &sealed, b"aad").unwrap(), b"data");
        assert_eq!(rotated.current_key_id(), "k2");
        assert!(Cipher::new("k2", [2; 32]).open("k1", &sealed, b"aad").is_err());
    }

    #[test]
    fn env_errors_name_the_variable_and_not_the_key() {
        let key = base64::engine::general_purpose::STANDARD.encode([7u8; 31]);
        let err = Cipher::from_lookup(|n| match n {
            KEY_ID_VAR => Some("k1".into()),
            KEY_VAR => Some(key.clone()),
            _ => None,
        })
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains(KEY_VAR) && !text.contains(&key), "{text}");
        let err = Cipher::from_lookup(|_| None).unwrap_err();
        assert!(err.to_string().contains(KEY_ID_VAR));
    }

    #[test]
    fn debug_shows_key_ids_only() {
        let cipher = Cipher::new("k2", [9; 32]).with_retired("k1", [8; 32]).unwrap();
        assert_eq!(
            format!("{cipher:?}"),
            r#"Cipher { current: "k2", key_ids: ["k1", "k2"] }"#
        );
    }

    fn ring(vars: &[(&str, &str)]) -> Result<Cipher, SyncError> {
        Cipher::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn a_repeated_key_id_is_refused_naming_the_variable_and_never_a_key() {
        let one = base64::engine::general_purpose::STANDARD.encode([1u8; 32]);
        let two = base64::engine::general_purpose::STANDARD.encode([2u8; 32]);
        let cases = [
            // The same retired id twice, with different keys and with the same key.
            (format!("k0:{one},k0:{two}"), "lists key id `k0` twice"),
            (format!("k0:{one}, k0:{one}"), "lists key id `k0` twice"),
            // The current id again among the retired keys, with another key or its own.
            (format!("k1:{two}"), "repeats the current key id `k1`"),
            (format!(" k1 :{one}"), "repeats the current key id `k1`"),
        ];
        for (old, expected) in cases {
            let err = ring(&[(KEY_ID_VAR, "k1"), (KEY_VAR, &one), (OLD_KEYS_VAR, &old)]).expect_err(&old);
            let SyncError::Config { variable, .. } = &err else {
                panic!("expected a config error for {old}, got {err:?}")
            };
            assert_eq!(variable, OLD_KEYS_VAR);
            let text = err.to_string();
            assert!(text.contains(expected), "{old}: {text}");
            assert!(!text.contains(&one) && !text.contains(&two), "{text}");
        }
        let err = ring(&[
            (KEY_ID_VAR, "k1"),
            (KEY_VAR, &one),
            (OLD_KEYS_VAR, &format!(":{two}")),
        ])
        .expect_err("empty id");
        assert!(err.to_string().contains("empty key id"), "{err}");
        // Distinct ids still make a ring that opens what each key sealed.
        let old = Cipher::new("k0", [2; 32]).seal(b"row", b"aad").unwrap();
        let rotated = ring(&[
            (KEY_ID_VAR, "k1"),
            (KEY_VAR, &one),
            (OLD_KEYS_VAR, &format!("k0:{two}")),
        ])
        .unwrap();
        assert_eq!(rotated.open("k0", &old, b"aad").unwrap(), b"row");
    }

    #[test]
    fn with_retired_refuses_an_id_already_in_the_ring() {
        let err = Cipher::new("k1", [1; 32])
            .with_retired("k1", [2; 32])
            .unwrap_err();
        assert!(err.to_string().contains("current key"), "{err}");
        let err = Cipher::new("k2", [1; 32])
            .with_retired("k1", [2; 32])
            .and_then(|c| c.with_retired("k1", [3; 32]))
            .unwrap_err();
        assert!(err.to_string().contains("listed twice"), "{err}");
    }
}
