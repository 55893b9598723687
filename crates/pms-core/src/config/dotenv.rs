//! `.env`: found, checked and loaded the same way for every caller.
//!
//! dotenvy's own parse error quotes the offending line, and a `.env` line is
//! usually a secret (`PMS_STORE_KEY=...`), so the file is checked first and a
//! line that does not parse is named by its number and variable only. Nothing
//! is loaded from a file that has a bad line: a half-loaded `.env` would run
//! with some variables from the file and the rest from wherever else they
//! happen to be set. Variables already set in the process environment win
//! over the file (dotenvy's rule), so an operator can override one line
//! without editing it.

use std::path::{Path, PathBuf};

use crate::Error;

/// The file name looked for.
pub const DOTENV_FILE: &str = ".env";

/// Finds `.env` in the current directory or the nearest parent that has one,
/// checks every line ([`check_dotenv`]) and loads it without overriding
/// variables already set. `Ok(None)` when there is no `.env`.
pub fn load_dotenv() -> Result<Option<PathBuf>, Error> {
    let cwd = std::env::current_dir()
        .map_err(|_| Error::config(DOTENV_FILE, "the current directory cannot be read"))?;
    let Some(path) = find(&cwd) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|_| Error::config(DOTENV_FILE, "the file exists but cannot be read as UTF-8 text"))?;
    check_dotenv(&text)?;
    dotenvy::from_path(&path)
        .map_err(|_| Error::config(DOTENV_FILE, "the file changed while it was loaded; run again"))?;
    Ok(Some(path))
}

/// Checks the text of a `.env` file: every line must parse as dotenvy reads
/// it (`KEY=value`, a value with spaces or `#` in quotes). The error names
/// each line that does not (number and variable) and never prints a value.
pub fn check_dotenv(text: &str) -> Result<(), Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut bad = Vec::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok(_) => {}
            Err(dotenvy::Error::LineParse(fragment, _)) => bad.push(locate(text, &fragment)),
            Err(_) => return Err(Error::config(DOTENV_FILE, "the file cannot be read")),
        }
    }
    if bad.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = bad.iter().map(BadLine::describe).collect();
    Err(Error::config(
        DOTENV_FILE,
        format!(
            "{} cannot be parsed: quote a value that contains spaces or `#` \
             (KEY=\"two words\"); values are not shown",
            lines.join(", ")
        ),
    ))
}

fn find(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(DOTENV_FILE))
        .find(|candidate| candidate.is_file())
}

/// Where a line that failed to parse is: its number and variable, when found.
struct BadLine {
    number: Option<usize>,
    variable: Option<String>,
}

impl BadLine {
    fn describe(&self) -> String {
        match (self.number, &self.variable) {
            (Some(n), Some(v)) => format!("line {n} ({v})"),
            (Some(n), None) => format!("line {n}"),
            (None, _) => "a line".to_owned(),
        }
    }
}

/// dotenvy reports the failing logical line, or only the value part of it.
/// The line is the first whose whole text, or whose text after `=`, is that
/// fragment; failing that (a value spanning lines), the first line that is
/// not a comment and holds it.
fn locate(text: &str, fragment: &str) -> BadLine {
    let fragment = fragment.trim();
    let starts = || std::iter::once(0).chain(text.match_indices('\n').map(|(at, _)| at + 1));
    let line_at = |start: usize| text[start..].lines().next().unwrap_or_default();
    let exact = starts().find(|&start| {
        let line = line_at(start).trim();
        !line.starts_with('#')
            && (line == fragment
                || line
                    .split_once('=')
                    .is_some_and(|(_, value)| value.trim() == fragment))
    });
    let found = exact
        .or_else(|| {
            text.match_indices(fragment)
                .map(|(at, _)| text[..at].rfind('\n').map_or(0, |i| i + 1))
                .find(|&start| !line_at(start).trim_start().starts_with('#'))
        })
        .filter(|_| !fragment.is_empty())
        .map(|start| (start, line_at(start)));
    let Some((start, line)) = found else {
        return BadLine {
            number: None,
            variable: None,
        };
    };
    let number = text[..start].matches('\n').count() + 1;
    let variable = line
        .split_once('=')
        .map(|(key, _)| key.trim().trim_start_matches("export ").trim())
        .filter(|key| {
            !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        })
        .map(str::to_owned);
    BadLine {
        number: Some(number),
        variable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(text: &str) -> String {
        match check_dotenv(text) {
            Err(Error::Config { variable, reason }) => {
                assert_eq!(variable, DOTENV_FILE);
                reason
            }
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn an_unquoted_space_names_the_line_and_variable_but_not_the_value() {
        let text = "# comment\nPMS_HOTELS=grand\n\nPMS_HOTEL_GRAND_MEWS_CLIENT_NAME=pms-connectors 0.1.0\n";
        let reason = reason(text);
        assert!(
            reason.contains("line 4 (PMS_HOTEL_GRAND_MEWS_CLIENT_NAME)"),
            "{reason}"
        );
        assert!(
            !reason.contains("pms-connectors") && !reason.contains("0.1.0"),
            "{reason}"
        );
    }

    #[test]
    fn every_bad_line_is_listed_and_a_comment_holding_the_same_text_is_skipped() {
        let text = "# SECRET=hunter2 hunter3\nA=\"hunter2 hunter3\"\nSECRET=hunter2 hunter3\nB=alpha beta\nC='ok then'\n";
        let reason = reason(text);
        assert!(reason.contains("line 3 (SECRET), line 4 (B)"), "{reason}");
        assert!(
            !reason.contains("hunter") && !reason.contains("alpha"),
            "{reason}"
        );
    }

    #[test]
    fn quoted_values_comments_export_and_a_bom_parse() {
        let text = "\u{feff}A=1\nexport B=\"two words\"\nC='x # y' # trailing comment\nD=\n";
        assert!(check_dotenv(text).is_ok());
    }
}
