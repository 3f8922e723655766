//! Native checks: one module per SCS standard, each deciding a set of testcase ids.
//!
//! A check is a pure function from facts to an [`Outcome`]; it never does I/O, so every
//! rule is unit-testable on hand-made facts. The registry here is the one place that maps
//! testcase ids to checks: scope files are matched against it by id, and our own scope
//! files name the check explicitly (`implemented_by`), which must agree with it.

pub mod scs_0100_flavor_naming;
pub mod scs_0103_standard_flavors;
pub mod scs_0123_mandatory_services;

use serde::{Deserialize, Serialize};

use crate::facts::{FactKind, FactUnavailable, Facts};

/// The verdict of one decided testcase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Pass,
    Fail,
    Abort,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Info,
}

/// One observation behind a verdict: what is wrong (or noteworthy), and with which object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub level: Level,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
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
    /// FAIL when any finding is an error, else PASS.
    pub fn from_findings(findings: Vec<Finding>) -> Self {
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
}

impl From<FactUnavailable> for Outcome {
    fn from(missing: FactUnavailable) -> Self {
        Self::abort(missing.to_string())
    }
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
    pub evaluate: fn(&str, &Facts) -> Result<Outcome, FactUnavailable>,
}

impl Check {
    pub fn implements(&self, testcase: &str) -> bool {
        (self.testcases)().iter().any(|id| id == testcase)
    }

    pub fn run(&self, testcase: &str, facts: &Facts) -> Outcome {
        (self.evaluate)(testcase, facts).unwrap_or_else(Outcome::from)
    }
}

static CHECKS: &[Check] = &[
    scs_0100_flavor_naming::CHECK,
    scs_0103_standard_flavors::CHECK,
    scs_0123_mandatory_services::CHECK,
];

pub fn by_name(name: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.name == name)
}

/// The check deciding `testcase`, if we have one.
pub fn for_testcase(testcase: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.implements(testcase))
}

/// Whether the check called `check` exists and decides `testcase`.
pub fn implements(check: &str, testcase: &str) -> bool {
    by_name(check).is_some_and(|c| c.implements(testcase))
}

pub fn names() -> Vec<&'static str> {
    CHECKS.iter().map(|c| c.name).collect()
}
