//! One self-contained HTML page of a run, to archive as a CI artifact or mail to whoever fixes
//! the cloud: inline CSS, no scripts, nothing loaded from anywhere, every text escaped. A
//! summary per scope version and target, then every testcase with its verdict, findings and a
//! link to its standard, failures first (waived ones after the aborts and missing), then the
//! unused waivers.

use std::fmt::Write;

use super::markup::escape;
use super::{RunReport, Status, TestcaseReport};

const STYLE: &str = "\
body{font-family:system-ui,sans-serif;margin:2em;color:#1a1a1a;max-width:80em}
table{border-collapse:collapse;margin:1em 0;width:100%}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f2f2f2}
td.n{text-align:right}
td.id{white-space:nowrap}
.PASS{background:#dff3e0}.FAIL{background:#fbdcdc}.ABORT{background:#f3ddf3}
.MISSING,.NOT_SELECTED,.FAIL.waived{background:#fff3cd}
.verdict{font-weight:bold;white-space:nowrap}
ul{margin:.2em 0;padding-left:1.2em}
.meta{color:#555}
code{font-size:90%}";

fn verdict(status: Status) -> String {
    format!(
        "<td class=\"verdict {0}\">{0}</td>",
        escape(status.as_str())
    )
}

/// A testcase's verdict cell: a waived failure is marked (and coloured) as such.
fn testcase_verdict(testcase: &TestcaseReport) -> String {
    format!(
        "<td class=\"verdict {}{}\">{}</td>",
        escape(testcase.status.as_str()),
        if testcase.waived { " waived" } else { "" },
        escape(&testcase.verdict_label())
    )
}

pub fn render(report: &RunReport) -> String {
    let title = format!(
        "{} — {}: {}",
        report.scope.name,
        report.subject,
        report.result.as_str()
    );
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n");
    let _ = writeln!(
        out,
        "<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>",
        escape(&title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&title));
    let source = match &report.source.snapshot {
        Some(snapshot) => format!("replayed from snapshot {snapshot}"),
        None => format!("live, cloud {}", report.source.cloud),
    };
    let _ = writeln!(
        out,
        "<p class=\"meta\">Checked {} ({}), reference date {}, {} {}, run {}, exit code {}.</p>",
        report.checked_at.format("%Y-%m-%d %H:%M:%S UTC"),
        escape(&source),
        report.reference_date,
        escape(&report.tool.name),
        escape(&report.tool.version),
        escape(&report.run.uuid),
        report.exit_code
    );

    // The column for waived failures only when there are any, as in the terminal table.
    let waived = report.has_waived();
    let _ = writeln!(
        out,
        "<h2>Versions and targets</h2>\n<table>\n<thead><tr><th>Version</th><th>State</th><th>Target</th><th>Result</th><th>Pass</th><th>Fail</th><th>Abort</th><th>Missing</th>{}</tr></thead>\n<tbody>",
        if waived { "<th>Waived</th>" } else { "" }
    );
    for version in &report.versions {
        let state = version.state_label();
        for target in &version.targets {
            let c = &target.counts;
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td>{}<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>{}</tr>",
                escape(&version.name),
                escape(&state),
                escape(&target.name),
                verdict(target.result),
                c.pass,
                c.fail,
                c.abort,
                c.missing,
                if waived {
                    format!("<td class=\"n\">{}</td>", c.waived)
                } else {
                    String::new()
                }
            );
        }
    }
    out.push_str("</tbody>\n</table>\n");

    out.push_str("<h2>Testcases</h2>\n<table>\n<thead><tr><th>Testcase</th><th>Verdict</th><th>Findings</th><th>Standard</th></tr></thead>\n<tbody>\n");
    for testcase in report.ranked_testcases() {
        let mut findings = String::new();
        if let Some(description) = &testcase.description {
            let _ = write!(findings, "{}", escape(description));
        }
        if testcase.findings.is_empty() && testcase.status == Status::Missing {
            findings.push_str(match testcase.implementation.as_str() {
                "manual" => " (manual testcase: no tool decides it)",
                _ => " (not implemented in scs-check yet: no verdict)",
            });
        }
        let notes = testcase.waiver_notes();
        if !testcase.findings.is_empty() || !notes.is_empty() {
            findings.push_str("<ul>");
            for note in notes {
                let _ = write!(findings, "<li>{}</li>", escape(&note));
            }
            for finding in &testcase.findings {
                let object = finding
                    .object
                    .as_deref()
                    .map(|o| format!("<code>{}</code> ", escape(o)))
                    .unwrap_or_default();
                let _ = write!(
                    findings,
                    "<li>{}: {object}{}</li>",
                    finding.level.as_str(),
                    escape(&finding.message)
                );
            }
            findings.push_str("</ul>");
        }
        let standard = testcase.url.as_deref().map_or_else(String::new, |url| {
            let label = testcase.standard.as_deref().unwrap_or("standard");
            format!("<a href=\"{}\">{}</a>", escape(url), escape(label))
        });
        let _ = writeln!(
            out,
            "<tr id=\"{0}\"><td class=\"id\"><code>{0}</code></td>{1}<td>{findings}</td><td>{standard}</td></tr>",
            escape(&testcase.id),
            testcase_verdict(testcase)
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if !report.unused_waivers.is_empty() {
        out.push_str("<h2>Notes</h2>\n<ul>\n");
        for unused in &report.unused_waivers {
            let _ = writeln!(out, "<li>{}</li>", escape(&unused.line()));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}
