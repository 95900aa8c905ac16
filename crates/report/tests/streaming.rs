//! The JSON and SARIF reports are written as they are made: writing a report
//! of many findings grows the heap by a small share of the text written, not
//! by the text (nor by JSON values of every result), and what is written is
//! the same text the in-memory renderers return.

use ibaudit_report::{json, sarif, Report};
use ibaudit_rules::{Finding, Severity};
use ibaudit_snapshot::memory::{live_bytes, CountingAllocator};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// The heap count is the process's: one measurement at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn report(accounts: usize, per_account: usize) -> Report {
    let mut findings = Vec::new();
    let ids: Vec<String> = (0..accounts)
        .map(|a| format!("{:012}", 100_000_000_000u64 + a as u64))
        .collect();
    for id in &ids {
        for i in 0..per_account {
            findings.push(Finding {
                rule: "IB002",
                name: "private-dns-disabled",
                outcome: "disabled",
                severity: Severity::Medium,
                account_id: id.clone(),
                account_name: None,
                region: "us-east-1".into(),
                resource_type: "AWS::EC2::VPCEndpoint",
                resource_id: format!("vpce-{i:017x}"),
                resource_arn: None,
                resource_name: Some(format!("build endpoint {i}")),
                message: format!("endpoint vpce-{i:017x} has private DNS off: builds that call imagebuilder.us-east-1.amazonaws.com bypass it"),
                fingerprint: format!("{id}/{i:08}"),
                suppressed: None,
                not_assessed: false,
                key: None,
                location: None,
                introduced: None,
            });
        }
    }
    Report {
        collected_at: "2026-12-01T00:00:00Z".into(),
        accounts: ids,
        findings,
        notes: Vec::new(),
        scope: None,
        networks: Vec::new(),
        first_seen: Default::default(),
    }
}

/// A writer that keeps nothing: counts the bytes, and the heap's peak
/// above `base` at each write (the renderer's own memory while it writes).
struct Sink {
    base: usize,
    written: usize,
    peak_growth: usize,
}

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.written += buf.len();
        let now = live_bytes().expect("the counting allocator is installed");
        self.peak_growth = self.peak_growth.max(now.saturating_sub(self.base));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn sink() -> Sink {
    Sink {
        base: live_bytes().expect("the counting allocator is installed"),
        written: 0,
        peak_growth: 0,
    }
}

fn outcome_is_known() {
    // The finding above must be one the registry knows, or SARIF would
    // describe no rule for it.
    let meta = ibaudit_rules::rule_by_id("IB002").expect("IB002").meta();
    assert!(meta.outcome("disabled").is_some(), "{:?}", meta.id);
}

/// More than 6 MiB written, and the heap grew by less than a twentieth of
/// it: a renderer that held the text grew by at least what it wrote.
fn assert_streamed(what: &str, s: &Sink) {
    eprintln!(
        "{what}: {} bytes written, heap grew {}",
        s.written, s.peak_growth
    );
    assert!(s.written > 6 << 20, "{what}: {} bytes", s.written);
    assert!(
        s.peak_growth < s.written / 20,
        "{what}: grew {} bytes writing {} bytes",
        s.peak_growth,
        s.written
    );
}

#[test]
fn the_json_report_is_written_as_it_is_made() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    outcome_is_known();
    let r = report(10, 1_500);
    let mut s = sink();
    json::render_to(&r, &mut s).unwrap();
    assert_streamed("JSON", &s);
    let mut text = Vec::new();
    json::render_to(&r, &mut text).unwrap();
    assert_eq!(String::from_utf8(text.clone()).unwrap(), json::render(&r));
    // What was written is the report: read back, every finding in order.
    let back = json::read(&text).unwrap();
    assert_eq!(back.findings, r.findings);
}

#[test]
fn the_sarif_report_is_written_run_by_run_and_result_by_result() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    outcome_is_known();
    // 10 accounts: ten runs, within GitHub's 20 runs and 25,000 results each.
    let r = report(10, 1_000);
    let planned = sarif::plan(&r, &sarif::Options::default());
    assert!(planned.notes.is_empty(), "{:?}", planned.notes);
    let mut s = sink();
    planned.write_to(&mut s).unwrap();
    assert_streamed("SARIF", &s);
    let mut text = Vec::new();
    planned.write_to(&mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert_eq!(text, sarif::render(&r).text);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 10);
    assert!(runs
        .iter()
        .all(|run| run["results"].as_array().unwrap().len() == 1_000));
}
