//! Native checks: one module per SCS standard (OpenStack and Kubernetes alike), each deciding a set of testcase ids.
//!
//! A check is a function from facts and a [`Context`] to an [`Outcome`]; it never talks to
//! the cloud, so every rule is unit-testable on hand-made facts. (The one thing a check may
//! read besides is a local file a scope parameter names, such as scs-0104's image spec.) The
//! registry here is the one place that maps testcase ids to checks: scope files are matched
//! against it by id, and our own scope files name the check explicitly (`implemented_by`),
//! which must agree with it.

pub mod scs_0100_flavor_naming;
pub mod scs_0101_entropy;
pub mod scs_0102_image_metadata;
pub mod scs_0103_standard_flavors;
pub mod scs_0104_standard_images;
pub mod scs_0114_volume_types;
pub mod scs_0115_security_groups;
pub mod scs_0116_key_manager;
pub mod scs_0123_mandatory_services;
pub mod scs_0201_0219_sonobuoy;
pub mod scs_0210_version_policy;
pub mod scs_0211_default_storage_class;
pub mod scs_0214_node_distribution;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::facts::{FactKind, FactUnavailable, Facts};
use crate::scope::Parameters;

/// The verdict of one decided testcase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Pass,
    Fail,
    Abort,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Info,
}

/// One observation behind a verdict: what is wrong (or noteworthy), and with which object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    pub level: Level,
    /// What is wrong and what to change.
    pub message: String,
    /// The offending object (flavor, image, service type, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }
}

/// A property or extra spec value as findings quote it.
pub fn shown(value: Option<&str>) -> String {
    value.map_or_else(|| "missing".to_owned(), |v| format!("`{v}`"))
}

impl Finding {
    pub fn error(object: Option<&str>, message: impl Into<String>) -> Self {
        Self::new(Level::Error, object, message)
    }

    pub fn warning(object: Option<&str>, message: impl Into<String>) -> Self {
        Self::new(Level::Warning, object, message)
    }

    pub fn info(object: Option<&str>, message: impl Into<String>) -> Self {
        Self::new(Level::Info, object, message)
    }

    fn new(level: Level, object: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            level,
            message: message.into(),
            object: object.map(str::to_owned),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
}

impl Outcome {
    /// FAIL when any finding is an error, else PASS. Errors come first: reports use the
    /// first finding as the headline of a failure.
    pub fn from_findings(mut findings: Vec<Finding>) -> Self {
        findings.sort_by_key(|f| f.level);
        let verdict = if findings.iter().any(|f| f.level == Level::Error) {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
        Self { verdict, findings }
    }

    pub fn abort(reason: impl Into<String>) -> Self {
        Self {
            verdict: Verdict::Abort,
            findings: vec![Finding::error(None, reason)],
        }
    }

    /// Both outcomes as one, for a testcase decided in two parts (a check and its active
    /// part): the worse verdict, all findings.
    pub fn and(mut self, other: Outcome) -> Self {
        if other.verdict.severity() > self.verdict.severity() {
            self.verdict = other.verdict;
        }
        self.findings.extend(other.findings);
        self.findings.sort_by_key(|f| f.level);
        self
    }
}

impl Verdict {
    /// FAIL outranks ABORT outranks PASS, as in scs-0003's aggregation.
    fn severity(self) -> u8 {
        match self {
            Self::Fail => 2,
            Self::Abort => 1,
            Self::Pass => 0,
        }
    }
}

impl From<FactUnavailable> for Outcome {
    fn from(missing: FactUnavailable) -> Self {
        Self::abort(missing.to_string())
    }
}

/// What a check knows besides the facts.
#[derive(Debug, Clone)]
#[cfg_attr(test, derive(Default))]
pub struct Context {
    /// The module parameters the scope version gives the testcase (e.g. `image_spec`).
    pub parameters: Parameters,
    /// When the facts were read: the moment of a live run, the recording time of a snapshot.
    /// Rules about age and dates are judged as of then, so a replayed snapshot gets the
    /// verdicts its live run got, however much later it is replayed.
    pub observed_at: DateTime<Utc>,
}

/// A native check module.
pub struct Check {
    /// Stable name used in scope files (`implemented_by`) and reports.
    pub name: &'static str,
    /// The standard (and version) whose text the rules follow.
    pub standard: &'static str,
    /// What the check reads; these facts are fetched before it runs.
    pub reads: &'static [FactKind],
    /// Testcase ids this check decides.
    pub testcases: fn() -> Vec<String>,
    /// Decides one testcase; `Err` means a fact was unavailable, which is an ABORT.
    pub evaluate: fn(&str, &Context, &Facts) -> Result<Outcome, FactUnavailable>,
}

impl Check {
    pub fn implements(&self, testcase: &str) -> bool {
        (self.testcases)().iter().any(|id| id == testcase)
    }

    pub fn run(&self, testcase: &str, context: &Context, facts: &Facts) -> Outcome {
        (self.evaluate)(testcase, context, facts).unwrap_or_else(Outcome::from)
    }

    /// Decides `testcase` once per parameter set the tested versions give it (v4 and v5.1
    /// name different image specs); each version is then judged by its own outcome.
    pub fn run_each(
        &self,
        testcase: &str,
        parameter_sets: &[Parameters],
        observed_at: DateTime<Utc>,
        facts: &Facts,
    ) -> Vec<(Parameters, Outcome)> {
        parameter_sets
            .iter()
            .map(|parameters| {
                let context = Context {
                    parameters: parameters.clone(),
                    observed_at,
                };
                (parameters.clone(), self.run(testcase, &context, facts))
            })
            .collect()
    }
}

/// One outcome for reports that key results by testcase id (the compliance monitor does):
/// FAIL outranks ABORT outranks PASS, as in scs-0003's aggregation. With several parameter
/// sets, each finding says which one it comes from.
pub fn combine(outcomes: &[(Parameters, Outcome)]) -> Outcome {
    match outcomes {
        [(_, only)] => only.clone(),
        several => combine_labelled(
            several
                .iter()
                .map(|(parameters, outcome)| (describe(parameters), outcome.clone())),
        ),
    }
}

fn combine_labelled(labelled: impl Iterator<Item = (String, Outcome)>) -> Outcome {
    let mut verdict = Verdict::Pass;
    let mut findings = Vec::new();
    for (label, outcome) in labelled {
        if outcome.verdict.severity() > verdict.severity() {
            verdict = outcome.verdict;
        }
        findings.extend(outcome.findings.into_iter().map(|mut f| {
            f.message = format!("[{label}] {}", f.message);
            f
        }));
    }
    findings.sort_by_key(|f| f.level);
    Outcome { verdict, findings }
}

fn describe(parameters: &Parameters) -> String {
    if parameters.is_empty() {
        return "no parameters".to_owned();
    }
    parameters
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

static CHECKS: &[Check] = &[
    scs_0100_flavor_naming::CHECK,
    scs_0101_entropy::CHECK,
    scs_0102_image_metadata::CHECK,
    scs_0103_standard_flavors::CHECK,
    scs_0104_standard_images::CHECK,
    scs_0114_volume_types::CHECK,
    scs_0115_security_groups::CHECK,
    scs_0116_key_manager::CHECK,
    scs_0123_mandatory_services::CHECK,
    scs_0123_mandatory_services::SWIFT_S3,
    scs_0201_0219_sonobuoy::CONFORMANCE,
    scs_0201_0219_sonobuoy::NETWORKING,
    scs_0210_version_policy::CHECK,
    scs_0211_default_storage_class::CHECK,
    scs_0214_node_distribution::CHECK,
];

pub fn by_name(name: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.name == name)
}

/// The check deciding `testcase`, if we have one.
pub fn for_testcase(testcase: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.implements(testcase))
}

pub fn names() -> Vec<&'static str> {
    CHECKS.iter().map(|c| c.name).collect()
}
