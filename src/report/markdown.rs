//! Markdown for CI step summaries (GitHub `$GITHUB_STEP_SUMMARY`, GitLab and Zuul comments):
//! a result table per version and target, then failures, aborts and waived failures with their
//! findings, and the testcases without result and the passes collapsed, so a long run stays
//! readable; unused waivers at the end.

use std::fmt::Write;

use super::{RunReport, Status, TestcaseReport};

/// Escapes what Markdown (and the HTML GitHub allows inside it) would interpret, except in
/// `code spans`, which messages use for commands and in which nothing is interpreted.
fn escape(text: &str) -> String {
    if !text.matches('`').count().is_multiple_of(2) {
        return escape_plain(text);
    }
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("`{}`", part.replace(['\n', '\r'], " "))
            } else {
                escape_plain(part)
            }
        })
        .collect()
}

fn escape_plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `id` linked to its standard when the scope names one.
fn title(testcase: &TestcaseReport) -> String {
    match &testcase.url {
        Some(url) => format!("[`{}`](<{}>)", testcase.id, url.replace('>', "%3E")),
        None => format!("`{}`", testcase.id),
    }
}

fn detailed(out: &mut String, heading: &str, testcases: &[&TestcaseReport]) {
    if testcases.is_empty() {
        return;
    }
    let _ = writeln!(out, "### {heading} ({})\n", testcases.len());
    for testcase in testcases {
        let description = testcase.description.as_deref().map(escape);
        let _ = writeln!(
            out,
            "- **{}** {}{}",
            escape(&testcase.verdict_label()),
            title(testcase),
            description.map(|d| format!(": {d}")).unwrap_or_default()
        );
        for note in testcase.waiver_notes() {
            let _ = writeln!(out, "  - {}", escape(&note));
        }
        for finding in &testcase.findings {
            let object = finding
                .object
                .as_deref()
                .map(|o| format!("`{}` ", o.replace('`', "'")))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  - {}: {object}{}",
                finding.level.as_str(),
                escape(&finding.message)
            );
        }
    }
    out.push('\n');
}

fn collapsed(out: &mut String, summary: &str, testcases: &[&TestcaseReport]) {
    if testcases.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<details><summary>{summary} ({})</summary>\n",
        testcases.len()
    );
    for testcase in testcases {
        let _ = writeln!(out, "- {}", title(testcase));
    }
    out.push_str("\n</details>\n\n");
}

pub fn render(report: &RunReport) -> String {
    let mut out = format!(
        "## {}: {} — {}\n\n",
        escape(&report.scope.name),
        escape(&report.subject),
        report.result.as_str()
    );
    let _ = writeln!(
        out,
        "Checked {} ({}), reference date {}, {} {}, exit code {}.\n",
        report.checked_at.format("%Y-%m-%d %H:%M:%S UTC"),
        match &report.source.snapshot {
            Some(snapshot) => format!("replayed from snapshot {}", escape(snapshot)),
            None => format!("live, cloud {}", escape(&report.source.cloud)),
        },
        report.reference_date,
        report.tool.name,
        report.tool.version,
        report.exit_code
    );
    // The column for waived failures only when there are any, as in the terminal table.
    let waived = report.has_waived();
    let (waived_header, waived_rule) = if waived {
        (" waived |", "--:|")
    } else {
        ("", "")
    };
    let _ = writeln!(
        out,
        "| version | state | target | result | pass | fail | abort | missing |{waived_header}\n\
         |---|---|---|---|--:|--:|--:|--:|{waived_rule}"
    );
    for version in &report.versions {
        let state = version.state_label();
        for target in &version.targets {
            let c = &target.counts;
            let _ = writeln!(
                out,
                "| {} | {state} | {} | **{}** | {} | {} | {} | {} |{}",
                escape(&version.name),
                escape(&target.name),
                target.result.as_str(),
                c.pass,
                c.fail,
                c.abort,
                c.missing,
                if waived {
                    format!(" {} |", c.waived)
                } else {
                    String::new()
                }
            );
        }
    }
    out.push('\n');
    let testcases = report.ranked_testcases();
    let with = |status: Status, waived: bool| -> Vec<&TestcaseReport> {
        testcases
            .iter()
            .copied()
            .filter(|t| t.status == status && t.waived == waived)
            .collect()
    };
    detailed(&mut out, "Failures", &with(Status::Fail, false));
    detailed(
        &mut out,
        "Could not be decided (ABORT)",
        &with(Status::Abort, false),
    );
    detailed(
        &mut out,
        "Waived failures (allowed until their expiry)",
        &with(Status::Fail, true),
    );
    collapsed(
        &mut out,
        "Without result: manual or not implemented yet (MISSING)",
        &with(Status::Missing, false),
    );
    collapsed(&mut out, "Passed", &with(Status::Pass, false));
    if !report.unused_waivers.is_empty() {
        out.push_str("### Notes\n\n");
        for unused in &report.unused_waivers {
            let _ = writeln!(out, "- {}", escape(&unused.line()));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markdown_and_html_in_messages_stay_text() {
        assert_eq!(
            escape("a|b *c* <script> [x](y)\nz"),
            "a\\|b \\*c\\* &lt;script&gt; \\[x\\](y) z"
        );
        assert_eq!(escape("run `a_b <c>` now_"), "run `a_b <c>` now\\_");
        assert_eq!(escape("odd ` tick"), "odd \\` tick");
    }
}
