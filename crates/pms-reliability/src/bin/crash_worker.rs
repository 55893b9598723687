//! A sync worker the crash tests kill with SIGKILL.
fn main() {}
