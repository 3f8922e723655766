//! The plan of a run: which versions, targets and testcases, and who decides each testcase.
//!
//! The union of the selected versions' testcases runs once; `-t` and `-S` narrow it the way
//! upstream's flags do (`-t` matches at the start of the id; `-S` keeps testcases whose
//! section is listed, so testcases without a section are dropped). Testcases narrowed away
//! stay in the plan as "not selected" so reports can say so instead of calling them missing.

use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;

use crate::checks::{self, Check};
use crate::facts::FactKind;
use crate::probes::cluster::{self, ActivePart};
use crate::probes::{self, Probe};
use crate::scope::select::SelectedVersion;
use crate::scope::{Parameters, Scope, Testcase};

/// Who decides a testcase.
#[derive(Clone, Copy)]
pub enum Implementation {
    Native(&'static Check),
    /// A probe decides it by creating, using and deleting resources (not with `--read-only`).
    Probe(&'static Probe),
    /// A manual testcase of the scope (a script without executable): no tool decides it.
    Manual,
    /// Automated upstream, but scs-check has no native check for it yet.
    Missing,
}

impl Implementation {
    /// The name and standard of the check or probe deciding it.
    pub fn decider(&self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::Native(check) => Some((check.name, check.standard)),
            Self::Probe(probe) => Some((probe.name, probe.standard)),
            Self::Manual | Self::Missing => None,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Self::Native(_) => "native",
            Self::Probe(_) => "probe",
            Self::Manual => "manual",
            Self::Missing => "missing",
        }
    }
}

pub struct PlannedTestcase {
    pub testcase: Testcase,
    pub implementation: Implementation,
    /// False when `-t` or `-S` narrowed it away.
    pub selected: bool,
    /// The distinct module parameters the selected versions give it (at least one set,
    /// maybe empty); the check decides it once per set.
    pub parameter_sets: Vec<Parameters>,
}

pub struct PlannedVersion {
    pub version: SelectedVersion,
    pub targets: BTreeMap<String, Vec<String>>,
    /// Testcase id → module parameters in this version.
    pub parameters: BTreeMap<String, Parameters>,
}

pub struct Plan {
    pub versions: Vec<PlannedVersion>,
    /// Every testcase of the selected versions, by id.
    pub testcases: BTreeMap<String, PlannedTestcase>,
}

/// Narrowing by `-t REGEX` and `-S SECTIONS`.
#[derive(Default)]
pub struct Filter {
    pub tests: Option<Regex>,
    pub sections: Option<Vec<String>>,
}

impl Filter {
    /// `-t` as upstream: the pattern must match at the start of the id.
    pub fn tests_pattern(pattern: &str) -> Result<Regex, regex::Error> {
        Regex::new(&format!("^(?:{pattern})"))
    }

    fn keeps(&self, testcase: &Testcase) -> bool {
        let by_id = self
            .tests
            .as_ref()
            .is_none_or(|re| re.is_match(&testcase.id));
        let by_section = self.sections.as_ref().is_none_or(|sections| {
            testcase
                .section
                .as_ref()
                .is_some_and(|s| sections.iter().any(|wanted| wanted == s))
        });
        by_id && by_section
    }
}

/// The check or probe called `name`.
fn by_name(name: &str) -> Option<Implementation> {
    checks::by_name(name)
        .map(Implementation::Native)
        .or_else(|| probes::by_name(name).map(Implementation::Probe))
}

/// Whether the check or probe called `name` exists and decides `testcase`.
pub fn implements(name: &str, testcase: &str) -> bool {
    match by_name(name) {
        Some(Implementation::Native(check)) => check.implements(testcase),
        Some(Implementation::Probe(probe)) => probe.implements(testcase),
        _ => false,
    }
}

/// The names scope files may give in `implemented_by`.
pub fn decider_names() -> Vec<&'static str> {
    let mut names = checks::names();
    names.extend(probes::names());
    names
}

pub fn implementation_of(testcase: &Testcase) -> Implementation {
    if let Some(name) = &testcase.implemented_by {
        // The scope loader already refused names that do not implement the testcase.
        return by_name(name).unwrap_or(Implementation::Missing);
    }
    if testcase.manual {
        return Implementation::Manual;
    }
    checks::for_testcase(&testcase.id)
        .map(Implementation::Native)
        .or_else(|| probes::for_testcase(&testcase.id).map(Implementation::Probe))
        .unwrap_or(Implementation::Missing)
}

pub fn build(scope: &Scope, versions: Vec<SelectedVersion>, filter: &Filter) -> Plan {
    let mut testcases = BTreeMap::new();
    let mut planned = Vec::new();
    for selected in versions {
        let version = scope
            .version(&selected.name)
            .expect("selection only names versions of the scope");
        for id in version.targets.values().flatten() {
            let planned = testcases.entry(id.clone()).or_insert_with(|| {
                let testcase = scope.testcases[id].clone();
                PlannedTestcase {
                    implementation: implementation_of(&testcase),
                    selected: filter.keeps(&testcase),
                    testcase,
                    parameter_sets: Vec::new(),
                }
            });
            let parameters = version.parameters_of(id);
            if !planned.parameter_sets.contains(parameters) {
                planned.parameter_sets.push(parameters.clone());
            }
        }
        planned.push(PlannedVersion {
            version: selected,
            targets: version.targets.clone(),
            parameters: version.parameters.clone(),
        });
    }
    Plan {
        versions: planned,
        testcases,
    }
}

impl Plan {
    /// The facts the selected native testcases read.
    pub fn facts_needed(&self) -> BTreeSet<FactKind> {
        self.testcases
            .values()
            .filter(|t| t.selected)
            .filter_map(|t| match t.implementation {
                Implementation::Native(check) => Some(check.reads),
                _ => None,
            })
            .flatten()
            .copied()
            .collect()
    }

    /// The selected testcases whose check has an active part (`--active`), with that part.
    pub fn active_parts_needed(&self) -> Vec<(&'static ActivePart, String)> {
        self.testcases
            .values()
            .filter(|t| t.selected)
            .filter_map(|t| match t.implementation {
                Implementation::Native(check) => {
                    Some((cluster::for_check(check.name)?, t.testcase.id.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// The probes the selected testcases need, each with the testcases it decides (a probe
    /// runs once for all of them), in the order of their first testcase.
    pub fn probes_needed(&self) -> Vec<(&'static Probe, Vec<String>)> {
        let mut needed: Vec<(&'static Probe, Vec<String>)> = Vec::new();
        for planned in self.testcases.values().filter(|t| t.selected) {
            let Implementation::Probe(probe) = planned.implementation else {
                continue;
            };
            let id = planned.testcase.id.clone();
            match needed.iter_mut().find(|(p, _)| p.name == probe.name) {
                Some((_, testcases)) => testcases.push(id),
                None => needed.push((probe, vec![id])),
            }
        }
        needed
    }
}

fn who_decides(planned: &PlannedTestcase) -> String {
    match planned.implementation.decider() {
        Some((name, _)) => format!("{} ({name})", planned.implementation.label()),
        None => planned.implementation.label().to_owned(),
    }
}

/// The plan as text: per version and target, every testcase and who decides it.
pub fn render(scope: &Scope, date: chrono::NaiveDate, plan: &Plan) -> String {
    use std::fmt::Write;
    let mut out = format!("{} ({}) on {date}\n", scope.name, scope.path.display());
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for version in &plan.versions {
        let binding = if version.version.binding {
            "binding"
        } else {
            "informational"
        };
        let _ = writeln!(
            out,
            "\nversion {} ({}, {binding})",
            version.version.name,
            version.version.state.as_str()
        );
        for (target, ids) in &version.targets {
            let _ = writeln!(out, "  target {target}: {} testcases", ids.len());
            for id in ids {
                let planned = &plan.testcases[id];
                let _ = write!(out, "    {id:<40} {}", who_decides(planned));
                for (name, value) in version.parameters.get(id).into_iter().flatten() {
                    let _ = write!(out, " {name}={value}");
                }
                out.push('\n');
            }
        }
    }
    for planned in plan.testcases.values() {
        *counts.entry(planned.implementation.label()).or_default() += 1;
    }
    let _ = writeln!(
        out,
        "\n{} distinct testcases: {} native, {} probe, {} manual, {} missing",
        plan.testcases.len(),
        counts.get("native").unwrap_or(&0),
        counts.get("probe").unwrap_or(&0),
        counts.get("manual").unwrap_or(&0),
        counts.get("missing").unwrap_or(&0)
    );
    out
}

/// The plan as JSON, for scripts.
pub fn to_json(scope: &Scope, date: chrono::NaiveDate, plan: &Plan) -> serde_json::Value {
    let versions: Vec<serde_json::Value> = plan
        .versions
        .iter()
        .map(|v| {
            let targets: serde_json::Map<String, serde_json::Value> = v
                .targets
                .iter()
                .map(|(target, ids)| {
                    let testcases = ids
                        .iter()
                        .map(|id| {
                            let planned = &plan.testcases[id];
                            serde_json::json!({
                                "id": id,
                                "implementation": planned.implementation.label(),
                                "check": planned.implementation.decider().map(|(name, _)| name),
                                "parameters": v.parameters.get(id).cloned().unwrap_or_default(),
                            })
                        })
                        .collect();
                    (target.clone(), serde_json::Value::Array(testcases))
                })
                .collect();
            serde_json::json!({
                "version": v.version.name,
                "state": v.version.state.as_str(),
                "binding": v.version.binding,
                "targets": targets,
            })
        })
        .collect();
    serde_json::json!({
        "scope": scope.name,
        "file": scope.path.display().to_string(),
        "reference_date": date.to_string(),
        "versions": versions,
    })
}
