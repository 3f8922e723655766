//! The YAML report of the upstream suite (`-o`), which the SCS compliance monitor accepts.
//!
//! Same keys in the same order as upstream's `scs-compliance-check.py`; each native check
//! that ran appears as one "invocation" whose `results` map ids to -1/0/1 and whose
//! stdout/stderr carry the result lines and findings. `checked_at` is UTC without offset,
//! written unquoted so YAML readers see a timestamp, as they do in upstream reports.
//! Strings are always double-quoted: no value can turn into a number or a boolean.
//!
//! Local waivers (`--allowed-failures`) never change `results`: the monitor decides
//! certification, and a waived FAIL is still -1 here. They are only mentioned, as `INFO:`
//! lines of stderr (free text to the monitor, which leaves them off its public page).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::RunReport;
use crate::checks::Level;

/// A YAML value with its order kept.
enum Node {
    /// Written as is (timestamps, dates, numbers, null).
    Plain(String),
    Str(String),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

fn string(text: &str) -> Node {
    Node::Str(text.to_owned())
}

fn optional(text: Option<&str>) -> Node {
    text.map_or_else(|| Node::Plain("null".into()), string)
}

/// A YAML double-quoted scalar. Characters YAML does not allow in a stream (C0 and C1
/// controls, DEL, U+FFFE, U+FFFF, surrogates cannot occur in `str`) and NEL, which a
/// reader folds into a space, are written as escapes so every reader gets the text back.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if printable(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// YAML 1.1's printable set, without NEL.
fn printable(c: char) -> bool {
    matches!(c as u32, 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

fn key(text: &str) -> String {
    let plain = text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        text.to_owned()
    } else {
        quoted(text)
    }
}

fn emit(out: &mut String, node: &Node, indent: usize) {
    let pad = " ".repeat(indent);
    match node {
        Node::Map(entries) => {
            for (k, v) in entries {
                match v {
                    Node::Map(inner) if !inner.is_empty() => {
                        let _ = writeln!(out, "{pad}{}:", key(k));
                        emit(out, v, indent + 2);
                    }
                    Node::List(items) if !items.is_empty() => {
                        let _ = writeln!(out, "{pad}{}:", key(k));
                        emit(out, v, indent);
                    }
                    _ => {
                        let _ = writeln!(out, "{pad}{}: {}", key(k), inline(v));
                    }
                }
            }
        }
        Node::List(items) => {
            for item in items {
                let _ = writeln!(out, "{pad}- {}", inline(item));
            }
        }
        scalar => {
            let _ = writeln!(out, "{pad}{}", inline(scalar));
        }
    }
}

/// Scalars, and empty collections, on one line.
fn inline(node: &Node) -> String {
    match node {
        Node::Plain(text) => text.clone(),
        Node::Str(text) => quoted(text),
        Node::List(items) if items.is_empty() => "[]".into(),
        Node::Map(entries) if entries.is_empty() => "{}".into(),
        Node::List(_) | Node::Map(_) => unreachable!("non-empty collections are emitted as blocks"),
    }
}

fn invocations(report: &RunReport) -> Vec<(String, Node)> {
    let mut by_check: BTreeMap<&str, Vec<&super::TestcaseReport>> = BTreeMap::new();
    for testcase in &report.testcases {
        let decided = testcase.status.upstream_value().is_some();
        if let (true, Some(check)) = (decided, testcase.check.as_deref()) {
            by_check.entry(check).or_default().push(testcase);
        }
    }
    by_check
        .into_iter()
        .map(|(check, testcases)| {
            let id = uuid::Uuid::new_v4().to_string();
            let ids: Vec<&str> = testcases.iter().map(|t| t.id.as_str()).collect();
            let mut results = Vec::new();
            let mut stdout = Vec::new();
            let mut stderr = Vec::new();
            let (mut info, mut warning, mut error) = (0, 0, 0);
            for testcase in &testcases {
                let verdict = testcase.status.upstream_value().unwrap_or(0);
                results.push((testcase.id.clone(), Node::Plain(verdict.to_string())));
                stdout.push(string(&format!(
                    "{}: {}",
                    testcase.id,
                    testcase.status.as_str()
                )));
                for finding in &testcase.findings {
                    let prefix = finding.level.as_str().to_uppercase();
                    match finding.level {
                        Level::Error => error += 1,
                        Level::Warning => warning += 1,
                        Level::Info => info += 1,
                    }
                    let line = match &finding.object {
                        Some(object) => {
                            format!("{prefix}: {}: [{object}] {}", testcase.id, finding.message)
                        }
                        None => format!("{prefix}: {}: {}", testcase.id, finding.message),
                    };
                    stderr.push(string(&line));
                }
                for note in testcase.waiver_notes() {
                    info += 1;
                    stderr.push(string(&format!(
                        "INFO: {}: local allowed failure, the result here stays {}: {note}",
                        testcase.id,
                        testcase.status.as_str()
                    )));
                }
            }
            let node = Node::Map(vec![
                ("id".into(), string(&id)),
                (
                    "cmd".into(),
                    string(&format!(
                        "scs-check (native check {check}) {}",
                        ids.join(" ")
                    )),
                ),
                ("results".into(), Node::Map(results)),
                ("rc".into(), Node::Plain("0".into())),
                ("stdout".into(), Node::List(stdout)),
                ("stderr".into(), Node::List(stderr)),
                ("info".into(), Node::Plain(info.to_string())),
                ("warning".into(), Node::Plain(warning.to_string())),
                ("error".into(), Node::Plain(error.to_string())),
                ("critical".into(), Node::Plain("0".into())),
            ]);
            (id, node)
        })
        .collect()
}

pub fn render(report: &RunReport) -> String {
    let run = &report.run;
    let document = Node::Map(vec![
        (
            "spec".into(),
            Node::Map(vec![
                ("uuid".into(), string(&report.scope.uuid)),
                ("name".into(), string(&report.scope.name)),
                ("url".into(), string(&report.scope.url)),
            ]),
        ),
        (
            "checked_at".into(),
            Node::Plain(
                report
                    .checked_at
                    .naive_utc()
                    .format("%Y-%m-%d %H:%M:%S%.6f")
                    .to_string(),
            ),
        ),
        (
            "reference_date".into(),
            Node::Plain(report.reference_date.to_string()),
        ),
        ("subject".into(), string(&report.subject)),
        (
            "run".into(),
            Node::Map(vec![
                ("uuid".into(), string(&run.uuid)),
                (
                    "argv".into(),
                    Node::List(run.argv.iter().map(|a| string(a)).collect()),
                ),
                (
                    "assignment".into(),
                    Node::Map(
                        run.assignment
                            .iter()
                            .map(|(k, v)| (k.clone(), string(v)))
                            .collect(),
                    ),
                ),
                (
                    "sections".into(),
                    run.sections.as_ref().map_or_else(
                        || Node::Plain("null".into()),
                        |s| Node::List(s.iter().map(|x| string(x)).collect()),
                    ),
                ),
                (
                    "forced_version".into(),
                    optional(run.forced_version.as_deref()),
                ),
                ("forced_tests".into(), optional(run.forced_tests.as_deref())),
                ("invocations".into(), Node::Map(invocations(report))),
            ]),
        ),
    ]);
    let mut out = String::from("---\n");
    emit(&mut out, &document, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::{key, quoted};

    #[test]
    fn strings_that_yaml_cannot_carry_are_escaped() {
        assert_eq!(quoted("a \"b\" \\ c\nd"), r#""a \"b\" \\ c\nd""#);
        assert_eq!(
            quoted("del\u{7f} nel\u{85} ff\u{ffff}"),
            r#""del\u007F nel\u0085 ff\uFFFF""#
        );
        assert_eq!(quoted("grüße ✓"), "\"grüße ✓\"");
    }

    #[test]
    fn keys_that_read_as_booleans_or_null_in_any_case_are_quoted() {
        for word in ["True", "NULL", "Yes", "OFF", "n"] {
            assert_eq!(key(word), format!("\"{word}\""));
        }
        assert_eq!(key("scs-0103-flavor-1v-4"), "scs-0103-flavor-1v-4");
        assert_eq!(key("4f0c8b2a-6a51"), "\"4f0c8b2a-6a51\"");
    }
}
