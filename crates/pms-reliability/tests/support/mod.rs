//! What the leak checks share: a log buffer to trace into, and a one-pass
//! search for many needles.
#![allow(dead_code)] // each test file uses its own part

use std::io::Write;
use std::sync::{Arc, Mutex};

use pms_reliability::Leg;

/// A `MakeWriter` into a shared buffer.
#[derive(Clone, Default)]
pub struct Buffer(pub Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// A set of needles found in one pass over a haystack (overlapping matches
/// count): hundreds of needles against megabytes of logs or store files,
/// where one `contains` per needle took most of a debug build's time.
#[derive(Debug)]
pub struct Matcher {
    needles: Vec<String>,
    automaton: aho_corasick::AhoCorasick,
}

impl Matcher {
    pub fn new(needles: Vec<String>) -> Self {
        let automaton = aho_corasick::AhoCorasick::new(&needles).unwrap();
        Matcher { needles, automaton }
    }

    pub fn find(&self, haystack: &[u8]) -> Vec<String> {
        let hits: std::collections::BTreeSet<usize> = self
            .automaton
            .find_overlapping_iter(haystack)
            .map(|m| m.pattern().as_usize())
            .collect();
        hits.into_iter().map(|i| self.needles[i].clone()).collect()
    }
}

/// The personal data of every guest of a leg's simulator (full name, email,
/// phone; fragments shorter than 4 characters dropped).
pub fn guest_pii(leg: &Leg) -> Vec<String> {
    leg.sim.state().with_hotel(pms_sim::Hotel::guest_pii)
}

/// The credentials a leg's clients hold (simulator tokens; OPERA passwords).
pub fn leg_secrets(leg: &Leg) -> Vec<String> {
    let mut secrets = vec![leg.sim.client_token().to_owned()];
    secrets.extend(leg.sim.credentials().access_tokens.iter().cloned());
    secrets
}
