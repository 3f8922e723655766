//! JUnit XML in the Jenkins/Ant dialect (`junit-10.xsd`): one `<testsuite>` per scope
//! version, one `<testcase>` per testcase of that version.
//!
//! FAIL becomes `<failure>`, ABORT `<error>` (the test could not run), MISSING `<skipped>`;
//! testcases narrowed away by `-t`/`-S` are left out. The body of a failure lists every
//! finding, which says what to fix. Written by hand: the schema is small, and the crates we
//! tried add attributes it rejects.
//!
//! A waived FAIL stays a `<failure>` (type `WAIVED_FAIL`, the waiver in its message, and a
//! `waived.<id>` property of the suite; the schema has no properties per testcase): JUnit
//! consumers such as Jenkins then still show it, as unstable rather than failed builds, while
//! the exit code of the run, which a pipeline gates on, counts it as passed. A `<skipped>`
//! would hide a failure that is real, only accepted for a while.

use std::fmt::Write;

use super::markup::escape;
use super::{RunReport, Status, TestcaseReport};

fn body(testcase: &TestcaseReport) -> String {
    let mut lines = testcase.waiver_notes();
    lines.extend(testcase.findings.iter().map(|f| {
        let level = f.level.as_str().to_uppercase();
        match &f.object {
            Some(object) => format!("{level}: [{object}] {}", f.message),
            None => format!("{level}: {}", f.message),
        }
    }));
    if let Some(url) = &testcase.url {
        lines.push(format!("Standard: {url}"));
    }
    lines.join("\n")
}

/// The failure's headline: the first finding, after the waiver when one matched.
fn first_error(testcase: &TestcaseReport) -> String {
    let first = testcase.findings.first().map(|f| f.message.clone());
    match (testcase.waivers.is_empty(), first) {
        (true, first) => first.unwrap_or_else(|| testcase.status.as_str().to_owned()),
        (false, Some(first)) => format!("{}: {first}", testcase.verdict_label()),
        (false, None) => testcase.verdict_label(),
    }
}

pub fn render(report: &RunReport) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let mut suites = String::new();
    let (mut all_tests, mut all_failures, mut all_errors) = (0, 0, 0);
    for version in &report.versions {
        let mut cases = String::new();
        let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
        let mut time_ms = 0.0;
        let mut waivers = Vec::new();
        for target in &version.targets {
            for id in &target.testcases {
                let Some(testcase) = report.testcases.iter().find(|t| &t.id == id) else {
                    continue;
                };
                if testcase.status == Status::NotSelected {
                    continue;
                }
                tests += 1;
                let ms = testcase.duration_ms.unwrap_or(0.0);
                time_ms += ms;
                let _ = write!(
                    cases,
                    "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\">",
                    escape(id),
                    escape(&format!(
                        "{}.{}.{}",
                        report.scope.name, version.name, target.name
                    )),
                    ms / 1000.0
                );
                if testcase.status == Status::Fail && testcase.waived {
                    waivers.push((format!("waived.{id}"), testcase.verdict_label()));
                }
                let element = match testcase.status {
                    Status::Fail => {
                        failures += 1;
                        Some("failure")
                    }
                    Status::Abort => {
                        errors += 1;
                        Some("error")
                    }
                    Status::Missing => {
                        skipped += 1;
                        Some("skipped")
                    }
                    Status::Pass | Status::NotSelected => None,
                };
                match element {
                    Some(element) => {
                        let message = if testcase.status == Status::Missing {
                            format!("no result: {} testcase", testcase.implementation)
                        } else {
                            first_error(testcase)
                        };
                        let kind = if testcase.waived {
                            "WAIVED_FAIL"
                        } else {
                            testcase.status.as_str()
                        };
                        let _ = write!(
                            cases,
                            "\n      <{element} type=\"{}\" message=\"{}\">{}</{element}>\n    </testcase>\n",
                            kind,
                            escape(&message),
                            escape(&body(testcase))
                        );
                    }
                    None if testcase.findings.is_empty() => cases.push_str("</testcase>\n"),
                    None => {
                        let _ = write!(
                            cases,
                            "\n      <system-out>{}</system-out>\n    </testcase>\n",
                            escape(&body(testcase))
                        );
                    }
                }
            }
        }
        all_tests += tests;
        all_failures += failures;
        all_errors += errors;
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" \
             skipped=\"{skipped}\" time=\"{:.3}\" timestamp=\"{}\">",
            escape(&format!("{} {}", report.scope.name, version.name)),
            time_ms / 1000.0,
            report.checked_at.format("%Y-%m-%dT%H:%M:%S")
        );
        suites.push_str("    <properties>\n");
        let mut properties = vec![
            ("subject".to_owned(), report.subject.clone()),
            ("version".to_owned(), version.name.clone()),
            ("state".to_owned(), version.state.clone()),
            ("binding".to_owned(), version.binding.to_string()),
            (
                "reference_date".to_owned(),
                report.reference_date.to_string(),
            ),
            ("result".to_owned(), version.result.as_str().to_owned()),
        ];
        for target in &version.targets {
            properties.push((
                format!("target.{}", target.name),
                target.result.as_str().to_owned(),
            ));
        }
        properties.extend(waivers);
        for (name, value) in properties {
            let _ = writeln!(
                suites,
                "      <property name=\"{}\" value=\"{}\"/>",
                escape(&name),
                escape(&value)
            );
        }
        suites.push_str("    </properties>\n");
        suites.push_str(&cases);
        suites.push_str("  </testsuite>\n");
    }
    let _ = writeln!(
        xml,
        "<testsuites name=\"{}\" tests=\"{all_tests}\" failures=\"{all_failures}\" errors=\"{all_errors}\">",
        escape(&report.scope.name)
    );
    xml.push_str(&suites);
    xml.push_str("</testsuites>\n");
    xml
}
