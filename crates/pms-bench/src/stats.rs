//! Small measurement helpers: percentiles, process memory, table output.

use std::time::Duration;

/// The `p`-th percentile (0..=100) of `samples` by nearest rank; zero when empty.
pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    samples.sort_unstable();
    let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
    samples[rank.clamp(1, samples.len()) - 1]
}

/// A field of `/proc/self/status` in KiB (`VmHWM` is the peak resident set,
/// `VmRSS` the current one), or `None` where procfs is unavailable.
pub fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

/// Peak resident set size of this process in MiB.
pub fn peak_rss_mib() -> Option<f64> {
    proc_status_kib("VmHWM").map(|k| k as f64 / 1024.0)
}

/// Current resident set size of this process in MiB.
pub fn rss_mib() -> Option<f64> {
    proc_status_kib("VmRSS").map(|k| k as f64 / 1024.0)
}

/// Renders rows as a Markdown table with the first row as header.
pub fn markdown_table(rows: &[Vec<String>]) -> String {
    let Some(header) = rows.first() else {
        return String::new();
    };
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
                .max(3)
        })
        .collect();
    let line = |row: &Vec<String>| {
        let cells: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(c, w)| format!("{:<w$}", row.get(c).map_or("", String::as_str), w = *w))
            .collect();
        format!("| {} |\n", cells.join(" | "))
    };
    let mut out = line(header);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&format!("|-{}-|\n", rule.join("-|-")));
    for row in &rows[1..] {
        out.push_str(&line(row));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut s: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        assert_eq!(percentile(&mut s, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&mut s, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&mut s, 100.0), Duration::from_millis(100));
        assert_eq!(percentile(&mut [], 99.0), Duration::ZERO);
    }

    #[test]
    fn reads_proc_status_where_available() {
        if std::path::Path::new("/proc/self/status").exists() {
            assert!(peak_rss_mib().is_some_and(|m| m > 0.0));
        }
    }

    #[test]
    fn table_has_a_rule_under_the_header() {
        let t = markdown_table(&[vec!["a".into(), "bb".into()], vec!["1".into(), "2".into()]]);
        assert_eq!(t, "| a   | bb  |\n|-----|-----|\n| 1   | 2   |\n");
    }
}
