//! Allowed failures: known failures an operator accepts for a while, each with a reason and an
//! expiry date (issue 5, "reports after the fact"), and the Kubernetes e2e tests upstream
//! allows to fail (`okToFail` of its sonobuoy config, shipped as
//! `standards/sonobuoy-allowed-failures.yaml`). One file format and one loader serve both:
//!
//! ```yaml
//! allowed_failures:
//!   - testcase: scs-0103-flavor-4v-8      # a testcase of the scope (IaaS or KaaS), or
//!   - e2e: 'Feature:SCTPConnectivity'     # a regex searched in failed e2e test names
//!     reason: …                           # required, not empty
//!     expires: 2026-12-31                 # required in user files; applies through that day
//!     subject: mycloud                    # optional: only runs of this subject
//! ```
//!
//! The shipped list keeps `expires` optional, because upstream's entries have none; it is
//! applied inside the sonobuoy check, as upstream applies `okToFail`, so it decides verdicts.
//! A user's file (`--allowed-failures`) never changes a verdict: a waived FAIL stays FAIL in
//! the result and in the upstream report the compliance monitor receives; it only counts as
//! passing for targets, versions and the exit code of this run, and every report says so.
//! ABORT and MISSING are never waived: a testcase that could not run is no known failure.
//! Expiry is judged as of the run's reference date (`-d`, default today).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_saphyr::{Location, Spanned};

use crate::checks::Level;
use crate::located::LocatedError;
use crate::report::{Status, TestcaseReport};
use crate::scope::Scope;

const HINT: &str = "an allowed-failures file is `allowed_failures:` with a list of entries, \
    each `testcase: ID` or `e2e: REGEX`, `reason: TEXT`, `expires: YYYY-MM-DD`, optionally \
    `subject: NAME` (see docs/waivers.md)";

/// Who wrote a list, which decides how strict its loader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `standards/sonobuoy-allowed-failures.yaml`: upstream's e2e entries, without expiry.
    Shipped,
    /// A user's file: every entry expires.
    User,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    allowed_failures: Vec<Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    testcase: Option<Spanned<String>>,
    e2e: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
    expires: Option<Spanned<String>>,
    subject: Option<String>,
}

/// What an entry allows to fail.
#[derive(Debug, Clone)]
pub enum Target {
    Testcase(String),
    /// Searched (not anchored) in the names of failed e2e tests.
    E2e(Regex),
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub target: Target,
    pub reason: String,
    pub expires: Option<NaiveDate>,
    pub subject: Option<String>,
    path: PathBuf,
    at: Location,
}

impl Entry {
    /// Whether the entry still applies on `date`: through its expiry day, not after.
    pub fn applies_on(&self, date: NaiveDate) -> bool {
        self.expires.is_none_or(|expires| date <= expires)
    }

    /// Where the entry is written, as `FILE:LINE:COLUMN`.
    pub fn source(&self) -> String {
        format!(
            "{}:{}:{}",
            self.path.display(),
            self.at.line(),
            self.at.column()
        )
    }

    fn matches_e2e(&self, test: &str) -> bool {
        matches!(&self.target, Target::E2e(regex) if regex.is_match(test))
    }

    fn report(&self) -> WaiverEntry {
        let (testcase, e2e) = match &self.target {
            Target::Testcase(id) => (Some(id.clone()), None),
            Target::E2e(regex) => (None, Some(regex.as_str().to_owned())),
        };
        WaiverEntry {
            source: self.source(),
            testcase,
            e2e,
            reason: self.reason.clone(),
            expires: self.expires,
            subject: self.subject.clone(),
        }
    }
}

/// The entries of one or more allowed-failures files, in file order.
#[derive(Debug, Clone, Default)]
pub struct Waivers {
    pub entries: Vec<Entry>,
}

impl Waivers {
    /// Reads users' files (`--allowed-failures`, run-all's `allowed_failures`), in order.
    pub fn load(paths: &[PathBuf]) -> Result<Self, LocatedError> {
        let mut entries = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(path).map_err(|e| {
                LocatedError::unreadable(
                    path,
                    "allowed-failures file",
                    &e,
                    "pass the path of a YAML file listing allowed failures (docs/waivers.md)",
                )
            })?;
            entries.extend(Self::parse(path, &text, Origin::User)?.entries);
        }
        Ok(Self { entries })
    }

    /// Validates a list; `path` names the file in errors and reports.
    pub fn parse(path: &Path, text: &str, origin: Origin) -> Result<Self, LocatedError> {
        let raw: RawFile =
            serde_saphyr::from_str(text).map_err(|e| LocatedError::yaml(path, &e, HINT))?;
        let entries = raw
            .allowed_failures
            .into_iter()
            .map(|entry| entry_of(path, entry, origin))
            .collect::<Result<_, _>>()?;
        Ok(Self { entries })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The first entry allowing e2e test `test` to fail (whether or not it expired).
    pub fn e2e_entry(&self, test: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.matches_e2e(test))
    }

    /// A testcase entry naming an id that none of `scopes` defines is a typo that would
    /// silently waive nothing: an error naming its place.
    pub fn check_testcases(&self, scopes: &[&Scope]) -> Result<(), LocatedError> {
        for entry in &self.entries {
            let Target::Testcase(id) = &entry.target else {
                continue;
            };
            if !scopes.iter().any(|s| s.testcases.contains_key(id)) {
                let names: Vec<&str> = scopes.iter().map(|s| s.name.as_str()).collect();
                return Err(LocatedError::at(
                    &entry.path,
                    entry.at,
                    format!(
                        "testcase {id} is not a testcase of {}",
                        if names.is_empty() {
                            "any scope of this run".to_owned()
                        } else {
                            names.join(", ")
                        }
                    ),
                    "fix the id; `scs-check plan SCOPE` lists the testcases",
                ));
            }
        }
        Ok(())
    }
}

fn entry_of(path: &Path, raw: Spanned<RawEntry>, origin: Origin) -> Result<Entry, LocatedError> {
    let at = raw.referenced;
    let raw = raw.value;
    let error =
        |at: Location, message: String, hint: &str| LocatedError::at(path, at, message, hint);
    let target = match (raw.testcase, raw.e2e) {
        (Some(_), None) if origin == Origin::Shipped => {
            return Err(error(
                at,
                "the shipped list allows e2e tests to fail, not testcases".to_owned(),
                "waive testcases in a file of your own, passed with --allowed-failures",
            ))
        }
        (Some(id), None) if !id.value.trim().is_empty() => Target::Testcase(id.value),
        (None, Some(e2e)) if !e2e.value.is_empty() => {
            Target::E2e(Regex::new(&e2e.value).map_err(|e| {
                error(
                    e2e.referenced,
                    format!("e2e `{}` is no regular expression: {e}", e2e.value),
                    "escape regex characters such as `[` `(` `.` with `\\`",
                )
            })?)
        }
        (Some(_), Some(_)) => {
            return Err(error(
                at,
                "an entry names either a testcase or an e2e test, not both".to_owned(),
                "split it into two entries",
            ))
        }
        _ => {
            return Err(error(
                at,
                "the entry names no testcase and no e2e test".to_owned(),
                "add `testcase: ID` (a testcase of the scope) or `e2e: REGEX` (searched in \
                 the names of failed Kubernetes e2e tests)",
            ))
        }
    };
    let reason = match raw.reason {
        Some(reason) if !reason.value.trim().is_empty() => reason.value,
        Some(reason) => {
            return Err(error(
                reason.referenced,
                "the reason is empty".to_owned(),
                "say why the failure is acceptable and who tracks it (e.g. a ticket)",
            ))
        }
        None => {
            return Err(error(
                at,
                "the entry has no reason".to_owned(),
                "add `reason: …`: why the failure is acceptable and who tracks it",
            ))
        }
    };
    let expires = match raw.expires {
        Some(expires) => Some(
            NaiveDate::parse_from_str(&expires.value, "%Y-%m-%d").map_err(|_| {
                error(
                    expires.referenced,
                    format!("expires `{}` is not a date", expires.value),
                    "write the last day the entry applies as YYYY-MM-DD",
                )
            })?,
        ),
        None if origin == Origin::User => {
            return Err(error(
                at,
                "the entry has no expiry date".to_owned(),
                "add `expires: YYYY-MM-DD`, the last day it applies: a waiver is temporary",
            ))
        }
        None => None,
    };
    Ok(Entry {
        target,
        reason,
        expires,
        subject: raw.subject,
        path: path.to_owned(),
        at,
    })
}

/// An entry as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WaiverEntry {
    /// Where it is written: `FILE:LINE:COLUMN`.
    pub source: String,
    /// The testcase it waives (an entry has `testcase` or `e2e`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub testcase: Option<String>,
    /// The regex it searches in the names of failed e2e tests (an entry has `testcase` or
    /// `e2e`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e2e: Option<String>,
    /// Why the failure is acceptable.
    pub reason: String,
    /// The last day it applies.
    pub expires: Option<NaiveDate>,
    /// It applies to runs of this subject only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

impl WaiverEntry {
    /// `testcase X` or `e2e `REGEX``.
    pub fn what(&self) -> String {
        match (&self.testcase, &self.e2e) {
            (Some(id), _) => format!("testcase {id}"),
            (None, Some(regex)) => format!("e2e `{regex}`"),
            (None, None) => "entry".to_owned(),
        }
    }

    /// The expiry date as reports write it.
    pub fn expiry(&self) -> String {
        self.expires
            .map_or_else(|| "no expiry".to_owned(), |d| d.to_string())
    }
}

/// An entry that matched a FAIL of the testcase it is listed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WaiverUse {
    #[serde(flatten)]
    pub entry: WaiverEntry,
    /// Expired before the reference date: it no longer applies, the FAIL counts.
    pub expired: bool,
}

impl WaiverUse {
    /// One line for reports: what it waives, until when, why, and where it is written.
    pub fn note(&self, waived: bool) -> String {
        let entry = &self.entry;
        let what = match &entry.e2e {
            Some(regex) => format!("e2e `{regex}`: "),
            None => String::new(),
        };
        if self.expired {
            format!(
                "{what}waiver expired on {} ({}); the FAIL counts [{}]",
                entry.expiry(),
                entry.reason,
                entry.source
            )
        } else if waived {
            format!(
                "{what}waived until {}: {} [{}]",
                entry.expiry(),
                entry.reason,
                entry.source
            )
        } else {
            format!(
                "{what}waived until {}: {} [{}]; other failed e2e tests have no waiver, so \
                 the FAIL counts",
                entry.expiry(),
                entry.reason,
                entry.source
            )
        }
    }
}

/// An entry of the run's scope and subject that waived nothing, and why (a note, no error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct UnusedWaiver {
    #[serde(flatten)]
    pub entry: WaiverEntry,
    /// Why it waived nothing.
    pub note: String,
}

impl UnusedWaiver {
    pub fn line(&self) -> String {
        format!(
            "unused waiver {} [{}]: {}",
            self.entry.what(),
            self.entry.source,
            self.note
        )
    }
}

/// Whether `testcase` is decided from Kubernetes e2e test results, whose failed tests an
/// `e2e` entry may waive one by one.
fn decided_by_e2e(testcase: &str) -> bool {
    crate::checks::for_testcase(testcase).is_some_and(|c| c.reads.iter().any(|k| k.is_e2e()))
}

/// The failed e2e tests of a FAIL: its errors name them (`object`).
fn failed_e2e_tests(testcase: &TestcaseReport) -> Vec<Option<&str>> {
    testcase
        .findings
        .iter()
        .filter(|f| f.level == Level::Error)
        .map(|f| f.object.as_deref())
        .collect()
}

/// Applies the entries that concern this run to its testcases: sets `waivers` and `waived`
/// of each testcase that `fails` somewhere (its own result, or that of a tested version) and
/// that an entry matches. Returns the entries that matched no failure, with the reason.
///
/// Entries of another subject, testcase entries for another scope and e2e entries when the
/// scope has no e2e testcase do not concern the run (one file may serve many runs).
pub fn apply(
    waivers: &Waivers,
    scope: &Scope,
    subject: &str,
    date: NaiveDate,
    testcases: &mut [TestcaseReport],
    fails: impl Fn(&TestcaseReport) -> bool,
) -> Vec<UnusedWaiver> {
    let scope_has_e2e = scope.testcases.keys().any(|id| decided_by_e2e(id));
    let concerned: Vec<&Entry> = waivers
        .entries
        .iter()
        .filter(|e| e.subject.as_deref().is_none_or(|s| s == subject))
        .filter(|e| match &e.target {
            Target::Testcase(id) => scope.testcases.contains_key(id),
            Target::E2e(_) => scope_has_e2e,
        })
        .collect();
    let mut used = vec![false; concerned.len()];
    for testcase in testcases.iter_mut().filter(|t| fails(t)) {
        let e2e = decided_by_e2e(&testcase.id);
        let failed = failed_e2e_tests(testcase);
        let matching: Vec<(usize, &Entry)> = concerned
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, e)| match &e.target {
                Target::Testcase(id) => *id == testcase.id,
                Target::E2e(_) => e2e && failed.iter().flatten().any(|t| e.matches_e2e(t)),
            })
            .collect();
        if matching.is_empty() {
            continue;
        }
        let active = |e: &&Entry| e.applies_on(date);
        let whole = matching
            .iter()
            .any(|(_, e)| matches!(e.target, Target::Testcase(_)) && active(e));
        let each_test = e2e
            && !failed.is_empty()
            && failed.iter().all(|test| {
                test.is_some_and(|t| matching.iter().any(|(_, e)| active(e) && e.matches_e2e(t)))
            });
        testcase.waived = whole || each_test;
        testcase.waivers = matching
            .iter()
            .map(|(index, entry)| {
                used[*index] = true;
                WaiverUse {
                    entry: entry.report(),
                    expired: !entry.applies_on(date),
                }
            })
            .collect();
    }
    concerned
        .iter()
        .zip(used)
        .filter(|(_, used)| !used)
        .map(|(entry, _)| UnusedWaiver {
            entry: entry.report(),
            note: unused_note(entry, testcases, date),
        })
        .collect()
}

fn unused_note(entry: &Entry, testcases: &[TestcaseReport], date: NaiveDate) -> String {
    let why = match &entry.target {
        Target::E2e(_) => "no failed e2e test matches it".to_owned(),
        Target::Testcase(id) => match testcases.iter().find(|t| &t.id == id).map(|t| t.status) {
            Some(Status::Pass) => format!("{id} passed"),
            Some(Status::Abort) => format!(
                "{id} could not be decided (ABORT), and a testcase that could not run is \
                 never waived"
            ),
            Some(Status::Missing) => {
                format!("{id} has no result (MISSING), which is never waived")
            }
            Some(Status::Fail) => format!("{id} failed in no tested version"),
            Some(Status::NotSelected) | None => format!(
                "{id} is not tested in this run (not in the tested versions, or narrowed \
                 away by -t/-S)"
            ),
        },
    };
    match entry.expires {
        Some(expires) if !entry.applies_on(date) => format!("{why}; it expired on {expires}"),
        _ => why,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Waivers, LocatedError> {
        Waivers::parse(Path::new("w.yaml"), text, Origin::User)
    }

    /// The error of `text`, with its place, as the user sees it.
    fn error(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn a_good_file_gives_its_entries_with_their_places() {
        let waivers = parse(
            "allowed_failures:\n\
             - testcase: scs-0103-flavor-4v-8\n  reason: rollout, OPS-1\n  expires: 2026-12-31\n\
             - e2e: 'Feature:SCTP'\n  reason: no SCTP\n  expires: 2027-01-15\n  subject: prod\n",
        )
        .unwrap();
        let [first, second] = &waivers.entries[..] else {
            panic!("two entries: {waivers:?}");
        };
        assert!(matches!(&first.target, Target::Testcase(id) if id == "scs-0103-flavor-4v-8"));
        assert_eq!(first.source(), "w.yaml:2:3");
        assert_eq!(first.expires, NaiveDate::from_ymd_opt(2026, 12, 31));
        assert!(second.matches_e2e("[sig-network] Feature:SCTPConnectivity should work"));
        assert!(!second.matches_e2e("Feature:SCT"));
        assert_eq!(second.subject.as_deref(), Some("prod"));
        assert_eq!(second.source(), "w.yaml:5:3");
    }

    #[test]
    fn every_mistake_is_named_with_its_place() {
        let entry = |body: &str| format!("allowed_failures:\n- {body}\n");
        let cases = [
            (
                entry("testcase: a\n  reason: r\n  expires: 2026-01-01\n  expiry: 2026-01-02"),
                "w.yaml:5:3",
                "unknown field `expiry`",
            ),
            (
                entry("testcase: a\n  reason: r\n  expires: 31.12.2026"),
                "w.yaml:4:12",
                "expires `31.12.2026` is not a date",
            ),
            (
                entry("testcase: a\n  reason: ' '\n  expires: 2026-01-01"),
                "w.yaml:3:11",
                "the reason is empty",
            ),
            (
                entry("testcase: a\n  expires: 2026-01-01"),
                "w.yaml:2:3",
                "the entry has no reason",
            ),
            (
                entry("testcase: a\n  reason: r"),
                "w.yaml:2:3",
                "the entry has no expiry date",
            ),
            (
                entry("testcase: a\n  e2e: b\n  reason: r\n  expires: 2026-01-01"),
                "w.yaml:2:3",
                "either a testcase or an e2e test",
            ),
            (
                entry("reason: r\n  expires: 2026-01-01"),
                "w.yaml:2:3",
                "names no testcase and no e2e test",
            ),
            (
                entry("e2e: 'a [b'\n  reason: r\n  expires: 2026-01-01"),
                "w.yaml:2:8",
                "e2e `a [b` is no regular expression",
            ),
            (
                "allowed_failure: []\n".to_owned(),
                "w.yaml:1:1",
                "unknown field `allowed_failure`",
            ),
            (
                entry("testcase: a\n  reason: r\n  reason: s\n  expires: 2026-01-01"),
                "w.yaml:4:3",
                "duplicate",
            ),
        ];
        for (text, place, message) in cases {
            let shown = error(&text);
            assert!(
                shown.starts_with(&format!("{place}: ")) && shown.contains(message),
                "{text}\n→ {shown}"
            );
            assert!(shown.contains("hint: "), "{shown}");
        }
    }

    #[test]
    fn the_shipped_list_may_omit_expiry_but_names_e2e_tests_only() {
        let shipped = |text: &str| Waivers::parse(Path::new("s.yaml"), text, Origin::Shipped);
        let list = shipped("allowed_failures:\n- {e2e: x, reason: upstream}\n").unwrap();
        assert_eq!(list.entries[0].expires, None);
        assert!(list.entries[0].applies_on(NaiveDate::MAX));
        let error = shipped("allowed_failures:\n- {testcase: x, reason: r}\n").unwrap_err();
        assert!(error.to_string().contains("not testcases"), "{error}");
    }

    #[test]
    fn an_entry_applies_through_its_expiry_day() {
        let waivers =
            parse("allowed_failures:\n- {testcase: a, reason: r, expires: 2026-06-30}\n").unwrap();
        let entry = &waivers.entries[0];
        let day = |d: u32, m: u32| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert!(entry.applies_on(day(29, 6)));
        assert!(entry.applies_on(day(30, 6)));
        assert!(!entry.applies_on(day(1, 7)));
    }

    /// A scope with testcases `tc-a`, `tc-b` and the e2e testcase `cncf-k8s-conformance`.
    fn scope() -> Scope {
        crate::scope::parse(
            Path::new("scope.yaml"),
            "name: S\nuuid: u\nurl: https://example.com\nscripts:\n- testcases:\n  \
             - {id: tc-a}\n  - {id: tc-b}\n  - {id: cncf-k8s-conformance}\nmodules:\n\
             - {id: m, name: M, targets: {main: [tc-a, tc-b, cncf-k8s-conformance]}}\n\
             versions:\n- {version: v1, include: [m]}\ntimeline: []\n",
        )
        .unwrap()
    }

    fn testcase(id: &str, status: Status, failed_tests: &[&str]) -> TestcaseReport {
        TestcaseReport {
            id: id.to_owned(),
            description: None,
            url: None,
            section: None,
            lifetime: crate::scope::Lifetime::Week,
            implementation: "native".to_owned(),
            check: None,
            standard: None,
            status,
            findings: failed_tests
                .iter()
                .map(|t| crate::checks::Finding::error(Some(t), "failed"))
                .collect(),
            duration_ms: None,
            waivers: Vec::new(),
            waived: false,
        }
    }

    const FILE: &str = "allowed_failures:\n\
        - {testcase: tc-a, reason: rollout, expires: 2026-06-30}\n\
        - {testcase: tc-b, reason: old, expires: 2026-05-31}\n\
        - {e2e: 'Feature:SCTP', reason: no SCTP, expires: 2026-06-30}\n\
        - {e2e: 'HostPort', reason: no InternalIP, expires: 2026-06-30, subject: other}\n\
        - {e2e: 'never fails', reason: r, expires: 2026-06-30}\n";

    /// The testcases after `apply` on `date` for subject `demo`, and the unused entries.
    fn applied(
        file: &str,
        date: (u32, u32),
        mut testcases: Vec<TestcaseReport>,
    ) -> (Vec<TestcaseReport>, Vec<UnusedWaiver>) {
        let date = NaiveDate::from_ymd_opt(2026, date.0, date.1).unwrap();
        let waivers = parse(file).unwrap();
        let unused = apply(&waivers, &scope(), "demo", date, &mut testcases, |t| {
            t.status == Status::Fail
        });
        (testcases, unused)
    }

    #[test]
    fn a_fail_is_waived_until_its_entry_expires_and_then_says_so() {
        let testcases = || {
            vec![
                testcase("tc-a", Status::Fail, &["flavor"]),
                testcase("tc-b", Status::Fail, &["image"]),
            ]
        };
        let (on_expiry_day, _) = applied(FILE, (6, 30), testcases());
        assert!(on_expiry_day[0].waived);
        assert_eq!(
            on_expiry_day[0].status,
            Status::Fail,
            "the result stays FAIL"
        );
        assert_eq!(
            on_expiry_day[0].verdict_label(),
            "FAIL (waived until 2026-06-30: rollout)"
        );
        assert!(!on_expiry_day[1].waived);
        assert_eq!(
            on_expiry_day[1].verdict_label(),
            "FAIL (waiver expired on 2026-05-31)"
        );
        assert!(on_expiry_day[1].waiver_notes()[0]
            .starts_with("waiver expired on 2026-05-31 (old); the FAIL counts [w.yaml:3:3]"));

        let (day_after, _) = applied(FILE, (7, 1), testcases());
        assert!(!day_after[0].waived);
        assert!(day_after[0].waivers[0].expired);
    }

    #[test]
    fn e2e_entries_waive_an_e2e_testcase_only_when_they_cover_every_failed_test() {
        let sctp = "[sig-network] Feature:SCTPConnectivity should work";
        let hostport = "[sig-scheduling] HostPort validates conflicts";
        let (covered, _) = applied(
            FILE,
            (6, 1),
            vec![testcase("cncf-k8s-conformance", Status::Fail, &[sctp])],
        );
        assert!(covered[0].waived);
        assert_eq!(
            covered[0].waivers[0].entry.e2e.as_deref(),
            Some("Feature:SCTP")
        );

        // The HostPort entry is another subject's: the second failure stays unwaived.
        let (partly, _) = applied(
            FILE,
            (6, 1),
            vec![testcase(
                "cncf-k8s-conformance",
                Status::Fail,
                &[sctp, hostport],
            )],
        );
        assert!(!partly[0].waived);
        assert_eq!(partly[0].verdict_label(), "FAIL");
        assert!(partly[0].waiver_notes()[0].contains("other failed e2e tests have no waiver"));

        // e2e entries do not apply to testcases decided otherwise.
        let (other, _) = applied(FILE, (6, 1), vec![testcase("tc-b", Status::Fail, &[sctp])]);
        assert!(other[0].waivers.iter().all(|w| w.entry.e2e.is_none()));
    }

    #[test]
    fn aborts_missing_and_passes_are_never_waived_and_unused_entries_say_why() {
        let (testcases, unused) = applied(
            FILE,
            (6, 1),
            vec![
                testcase("tc-a", Status::Abort, &["could not read"]),
                testcase("tc-b", Status::Pass, &[]),
                testcase("cncf-k8s-conformance", Status::Missing, &[]),
            ],
        );
        assert!(testcases.iter().all(|t| !t.waived && t.waivers.is_empty()));
        let notes: Vec<String> = unused.iter().map(UnusedWaiver::line).collect();
        assert_eq!(
            notes,
            [
                "unused waiver testcase tc-a [w.yaml:2:3]: tc-a could not be decided (ABORT), \
                 and a testcase that could not run is never waived",
                "unused waiver testcase tc-b [w.yaml:3:3]: tc-b passed; it expired on 2026-05-31",
                "unused waiver e2e `Feature:SCTP` [w.yaml:4:3]: no failed e2e test matches it",
                "unused waiver e2e `never fails` [w.yaml:6:3]: no failed e2e test matches it",
            ],
            "the other subject's entry concerns this run not at all"
        );
    }

    #[test]
    fn a_testcase_entry_must_name_a_testcase_of_a_scope_of_the_run() {
        let waivers = parse(
            "allowed_failures:\n- {testcase: tc-a, reason: r, expires: 2026-01-01}\n\
             - {testcase: tc-z, reason: r, expires: 2026-01-01}\n",
        )
        .unwrap();
        let error = waivers
            .check_testcases(&[&scope()])
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("w.yaml:3:3: testcase tc-z is not a testcase of S"),
            "{error}"
        );
    }

    #[test]
    fn a_missing_file_is_named() {
        let error = Waivers::load(&[PathBuf::from("/nonexistent/w.yaml")]).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("/nonexistent/w.yaml: cannot read allowed-failures file"),
            "{error}"
        );
    }
}
