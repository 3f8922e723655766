//! The result of a run as one data structure, and its renderings.
//!
//! [`RunReport`] is what `--json` writes (its JSON Schema is `docs/report.schema.json`);
//! the terminal table, JUnit XML and the upstream YAML report are all rendered from it, so
//! every format tells the same story. Aggregation follows scs-0003 and upstream: a set of
//! testcases FAILs if any failed, else is MISSING if any has no result, else ABORTs if any
//! aborted, else PASSes.

pub mod html;
pub mod junit;
pub mod markdown;
mod markup;
pub mod table;
pub mod upstream_yaml;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::checks::{Finding, Verdict};
use crate::plan::PlannedVersion;
use crate::scope::Lifetime;
use crate::waivers::{UnusedWaiver, WaiverUse};

pub const FORMAT: &str = "scs-check-report";
pub const FORMAT_VERSION: u32 = 1;

/// Result of a testcase, a target or a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Pass,
    Fail,
    /// Could not be decided (no permission, endpoint down, timeout, bad data).
    Abort,
    /// No result: manual, or not implemented natively.
    Missing,
    /// Narrowed away by `-t` / `-S`; not counted.
    NotSelected,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Fail => "FAIL",
            Self::Abort => "ABORT",
            Self::Missing => "MISSING",
            Self::NotSelected => "NOT_SELECTED",
        }
    }

    /// The integer upstream reports and the compliance monitor stores (FAIL -1, ABORT 0,
    /// PASS 1); testcases without result are left out of upstream reports.
    pub fn upstream_value(self) -> Option<i8> {
        match self {
            Self::Pass => Some(1),
            Self::Fail => Some(-1),
            Self::Abort => Some(0),
            Self::Missing | Self::NotSelected => None,
        }
    }

    pub fn from_verdict(verdict: Verdict) -> Self {
        match verdict {
            Verdict::Pass => Self::Pass,
            Verdict::Fail => Self::Fail,
            Verdict::Abort => Self::Abort,
        }
    }

    /// Sort key that puts failures first, then aborts, missing, passes.
    pub fn rank(self) -> u8 {
        match self {
            Self::Fail => 0,
            Self::Abort => 1,
            Self::Missing => 2,
            Self::Pass => 3,
            Self::NotSelected => 4,
        }
    }

    /// The upstream rule over a set of results; testcases not selected do not count.
    pub fn aggregate(results: impl IntoIterator<Item = Status>) -> Status {
        let counted: Vec<Status> = results.into_iter().collect();
        [Status::Fail, Status::Missing, Status::Abort]
            .into_iter()
            .find(|worse| counted.contains(worse))
            .unwrap_or(Status::Pass)
    }
}

/// Exit codes (documented in README and `--help`).
pub mod exit {
    /// Every main target of every binding version passed.
    pub const PASS: i32 = 0;
    /// A main target of a binding version failed.
    pub const FAIL: i32 = 1;
    /// Bad command line, scope file, cloud configuration or snapshot.
    pub const USAGE: i32 = 2;
    /// No failure, but a testcase could not be decided (ABORT).
    pub const ABORT: i32 = 3;
    /// No failure, but a main target has testcases without result (manual or not implemented).
    pub const MISSING: i32 = 4;
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RunReport {
    /// Always `scs-check-report`.
    pub format: String,
    pub format_version: u32,
    pub tool: ToolInfo,
    pub scope: ScopeInfo,
    pub subject: String,
    /// When the checks ran (UTC).
    pub checked_at: DateTime<Utc>,
    /// The date that selected the versions (`-d`).
    pub reference_date: NaiveDate,
    pub source: SourceInfo,
    pub run: RunInfo,
    /// Every testcase of the tested versions, in id order.
    pub testcases: Vec<TestcaseReport>,
    pub versions: Vec<VersionReport>,
    /// Aggregate over the main targets of the binding versions.
    pub result: Status,
    pub exit_code: i32,
    /// Entries of the allowed-failures files (`--allowed-failures`) that concern this run
    /// but waived nothing, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unused_waivers: Vec<UnusedWaiver>,
}

impl RunReport {
    /// The selected testcases, failures first, then aborts, missing, waived failures,
    /// passes; by id within.
    pub fn ranked_testcases(&self) -> Vec<&TestcaseReport> {
        let mut testcases: Vec<&TestcaseReport> = self
            .testcases
            .iter()
            .filter(|t| t.status != Status::NotSelected)
            .collect();
        testcases.sort_by_key(|t| (t.rank(), t.id.as_str()));
        testcases
    }

    /// Whether any target counts a waived failure (renderers then show a column for them).
    pub fn has_waived(&self) -> bool {
        self.versions
            .iter()
            .flat_map(|v| &v.targets)
            .any(|t| t.counts.waived > 0)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ScopeInfo {
    pub name: String,
    pub uuid: String,
    pub url: String,
    pub file: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SourceInfo {
    /// `live` (the cloud's API) or `snapshot` (a recorded snapshot file).
    pub kind: String,
    pub cloud: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RunInfo {
    /// Unique per run; the compliance monitor rejects a second report with the same uuid.
    pub uuid: String,
    pub argv: Vec<String>,
    /// The `-a` assignments (and `--os-cloud`), without defaults.
    pub assignment: BTreeMap<String, String>,
    pub sections: Option<Vec<String>>,
    pub forced_version: Option<String>,
    pub forced_tests: Option<String>,
    pub critical_only: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TestcaseReport {
    pub id: String,
    pub description: Option<String>,
    pub url: Option<String>,
    pub section: Option<String>,
    pub lifetime: Lifetime,
    /// `native`, `probe`, `manual` or `missing`.
    pub implementation: String,
    /// The native check or probe that decided it.
    pub check: Option<String>,
    pub standard: Option<String>,
    pub status: Status,
    pub findings: Vec<Finding>,
    pub duration_ms: Option<f64>,
    /// Entries of the allowed-failures files that match a FAIL of this testcase.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<WaiverUse>,
    /// A FAIL that an unexpired entry waives: `status` stays FAIL (and so does the upstream
    /// report), but targets and versions count it as passed, in `counts.waived`.
    #[serde(default)]
    pub waived: bool,
}

impl TestcaseReport {
    /// Sort key: what needs action first; a waived failure needs none until it expires.
    fn rank(&self) -> u8 {
        match self.status {
            Status::Fail if self.waived => Status::Missing.rank() + 1,
            status if status.rank() > Status::Missing.rank() => status.rank() + 1,
            status => status.rank(),
        }
    }

    /// The verdict as the renderings show it: a waived FAIL says until when and why, a FAIL
    /// whose waiver expired says since when. (The terminal table, short of width, shows the
    /// [`waiver_mark`](Self::waiver_mark) and these details beside.)
    pub fn verdict_label(&self) -> String {
        let status = self.status.as_str();
        let active: Vec<&WaiverUse> = self.waivers.iter().filter(|w| !w.expired).collect();
        match (self.waiver_mark(), active.as_slice()) {
            (None, _) => status.to_owned(),
            (Some(_), [only]) if self.waived => format!(
                "{status} (waived until {}: {})",
                only.entry.expiry(),
                only.entry.reason
            ),
            (Some(_), several) if self.waived => {
                format!("{status} (waived by {} entries)", several.len())
            }
            (Some(mark), _) => match self.waivers.iter().find(|w| w.expired) {
                Some(expired) => format!("{status} ({mark} on {})", expired.entry.expiry()),
                None => status.to_owned(),
            },
        }
    }

    /// `waived`, or `waiver expired` for a FAIL whose only waivers expired.
    pub fn waiver_mark(&self) -> Option<&'static str> {
        match self.status {
            Status::Fail if self.waived => Some("waived"),
            Status::Fail if self.waivers.iter().any(|w| w.expired) => Some("waiver expired"),
            _ => None,
        }
    }

    /// One line per entry that matched, for the details of a testcase.
    pub fn waiver_notes(&self) -> Vec<String> {
        self.waivers.iter().map(|w| w.note(self.waived)).collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct VersionReport {
    pub name: String,
    /// `draft`, `effective`, `warn` or `deprecated` on the reference date.
    pub state: String,
    /// Whether this version decides the exit code (effective, warn, or forced with `-V`).
    pub binding: bool,
    /// The result of the `main` target.
    pub result: Status,
    pub targets: Vec<TargetReport>,
}

impl VersionReport {
    /// The state as the renderings show it: non-binding versions are marked informational.
    pub fn state_label(&self) -> String {
        if self.binding {
            self.state.clone()
        } else {
            format!("{} (informational)", self.state)
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TargetReport {
    pub name: String,
    pub result: Status,
    pub testcases: Vec<String>,
    pub counts: Counts,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Counts {
    pub pass: usize,
    /// Failures not waived.
    pub fail: usize,
    pub abort: usize,
    pub missing: usize,
    pub not_selected: usize,
    /// Failures an allowed-failures entry waives; the target counts them as passed.
    #[serde(default)]
    pub waived: usize,
}

impl Counts {
    fn add(&mut self, status: Status, waived: bool) {
        match status {
            Status::Fail if waived => self.waived += 1,
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::Abort => self.abort += 1,
            Status::Missing => self.missing += 1,
            Status::NotSelected => self.not_selected += 1,
        }
    }
}

/// Builds the version and target summaries from testcase results.
///
/// `status_of(version, testcase)` is the testcase's result in that version; a FAIL of a
/// testcase that is `waived` counts as passed.
pub fn summarise_versions(
    versions: &[PlannedVersion],
    status_of: impl Fn(&str, &str) -> Status,
    waived: impl Fn(&str) -> bool,
) -> Vec<VersionReport> {
    versions
        .iter()
        .map(|planned| {
            let status_of = |id: &str| status_of(&planned.version.name, id);
            let counted = |id: &str| match status_of(id) {
                Status::Fail if waived(id) => Status::Pass,
                status => status,
            };
            let targets: Vec<TargetReport> = planned
                .targets
                .iter()
                .map(|(target, ids)| {
                    let mut counts = Counts::default();
                    ids.iter()
                        .for_each(|id| counts.add(status_of(id), waived(id)));
                    let result = if !ids.is_empty() && counts.not_selected == ids.len() {
                        Status::NotSelected
                    } else {
                        Status::aggregate(ids.iter().map(|id| counted(id)))
                    };
                    TargetReport {
                        name: target.clone(),
                        result,
                        testcases: ids.clone(),
                        counts,
                    }
                })
                .collect();
            let result = targets
                .iter()
                .find(|t| t.name == "main")
                .map_or(Status::Pass, |t| t.result);
            VersionReport {
                name: planned.version.name.clone(),
                state: planned.version.state.as_str().to_owned(),
                binding: planned.version.binding,
                result,
                targets,
            }
        })
        .collect()
}

/// The overall result and exit code from the binding versions' main targets.
///
/// With `critical_only` (`-C`), only testcases that could not be decided count.
pub fn overall(versions: &[VersionReport], critical_only: bool) -> (Status, i32) {
    let binding_main = versions
        .iter()
        .filter(|v| v.binding)
        .map(|v| v.result)
        .filter(|s| *s != Status::NotSelected);
    let result = Status::aggregate(binding_main);
    let aborted = versions
        .iter()
        .filter(|v| v.binding)
        .flat_map(|v| v.targets.iter().filter(|t| t.name == "main"))
        .any(|t| t.counts.abort > 0);
    let code = if critical_only {
        if aborted {
            exit::ABORT
        } else {
            exit::PASS
        }
    } else {
        // The result ranks MISSING above ABORT (scs-0003); the exit code says first what
        // an operator can act on: something could not be decided (endpoint down, no rights).
        match result {
            Status::Pass | Status::NotSelected => exit::PASS,
            Status::Fail => exit::FAIL,
            Status::Abort => exit::ABORT,
            Status::Missing if aborted => exit::ABORT,
            Status::Missing => exit::MISSING,
        }
    };
    (result, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/report.schema.json is generated from [`RunReport`]; this keeps it current.
    /// Run with UPDATE_SCHEMA=1 to rewrite it after changing the report.
    #[test]
    fn shipped_json_schema_matches_the_report_type() {
        let schema = schemars::schema_for!(RunReport);
        let mut generated = serde_json::to_string_pretty(&schema).unwrap();
        generated.push('\n');
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/report.schema.json");
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let shipped = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            shipped == generated,
            "docs/report.schema.json is stale: run UPDATE_SCHEMA=1 cargo test"
        );
    }

    #[test]
    fn aggregation_follows_upstream_order() {
        use Status::*;
        assert_eq!(Status::aggregate([Pass, Abort, Missing, Fail]), Fail);
        assert_eq!(Status::aggregate([Pass, Abort, Missing]), Missing);
        assert_eq!(Status::aggregate([Pass, Abort]), Abort);
        assert_eq!(Status::aggregate([Pass, Pass]), Pass);
        assert_eq!(Status::aggregate([Pass, NotSelected, Fail]), Fail);
        assert_eq!(Status::aggregate([NotSelected, Pass]), Pass);
        assert_eq!(Status::aggregate([]), Pass);
    }

    /// Every version gives testcase `id` the status listed for it.
    fn statuses<'a>(list: &'a [(&'static str, Status)]) -> impl Fn(&str, &str) -> Status + 'a {
        move |_, id| {
            list.iter()
                .find(|(i, _)| *i == id)
                .map_or(Status::Missing, |(_, s)| *s)
        }
    }

    fn version(name: &str, binding: bool, main: &[&str]) -> PlannedVersion {
        PlannedVersion {
            version: crate::scope::select::SelectedVersion {
                name: name.into(),
                state: crate::scope::VersionState::Effective,
                binding,
            },
            targets: BTreeMap::from([(
                "main".to_string(),
                main.iter().map(|s| s.to_string()).collect(),
            )]),
            parameters: BTreeMap::new(),
        }
    }

    #[test]
    fn only_binding_versions_decide_the_exit_code() {
        let testcases = [("a", Status::Pass), ("b", Status::Fail)];
        let versions = summarise_versions(
            &[
                version("v1", true, &["a"]),
                version("next", false, &["a", "b"]),
            ],
            statuses(&testcases),
            |_| false,
        );
        assert_eq!(versions[1].result, Status::Fail);
        assert_eq!(overall(&versions, false), (Status::Pass, exit::PASS));
    }

    #[test]
    fn exit_codes_per_result() {
        let cases = [
            (Status::Fail, exit::FAIL),
            (Status::Abort, exit::ABORT),
            (Status::Missing, exit::MISSING),
            (Status::Pass, exit::PASS),
        ];
        for (status, code) in cases {
            let versions = summarise_versions(
                &[version("v", true, &["a"])],
                statuses(&[("a", status)]),
                |_| false,
            );
            assert_eq!(overall(&versions, false).1, code, "{status:?}");
        }
    }

    #[test]
    fn an_abort_beside_missing_testcases_exits_3_though_the_result_is_missing() {
        let mut version = version("v", true, &["a", "b"]);
        version.version.binding = true;
        let versions = summarise_versions(
            &[version],
            statuses(&[("a", Status::Abort), ("b", Status::Missing)]),
            |_| false,
        );
        assert_eq!(overall(&versions, false), (Status::Missing, exit::ABORT));
    }

    #[test]
    fn critical_only_counts_aborts_alone() {
        let fail = summarise_versions(
            &[version("v", true, &["a"])],
            statuses(&[("a", Status::Fail)]),
            |_| false,
        );
        assert_eq!(overall(&fail, true).1, exit::PASS);
        let abort = summarise_versions(
            &[version("v", true, &["a"])],
            statuses(&[("a", Status::Abort)]),
            |_| false,
        );
        assert_eq!(overall(&abort, true).1, exit::ABORT);
    }

    #[test]
    fn a_waived_failure_counts_as_passed_but_not_an_abort() {
        let testcases = [
            ("a", Status::Fail),
            ("b", Status::Pass),
            ("c", Status::Abort),
        ];
        let waived = |id: &str| id != "b";
        let passing = summarise_versions(
            &[version("v", true, &["a", "b"])],
            statuses(&testcases),
            waived,
        );
        let counts = &passing[0].targets[0].counts;
        assert_eq!((counts.pass, counts.fail, counts.waived), (1, 0, 1));
        assert_eq!(overall(&passing, false), (Status::Pass, exit::PASS));
        let aborted = summarise_versions(
            &[version("v", true, &["a", "c"])],
            statuses(&testcases),
            waived,
        );
        assert_eq!(overall(&aborted, false), (Status::Abort, exit::ABORT));
    }

    #[test]
    fn target_narrowed_away_entirely_is_not_selected() {
        let versions = summarise_versions(
            &[version("v", true, &["a"])],
            statuses(&[("a", Status::NotSelected)]),
            |_| false,
        );
        assert_eq!(versions[0].result, Status::NotSelected);
        assert_eq!(overall(&versions, false), (Status::Pass, exit::PASS));
    }
}
