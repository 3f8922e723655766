//! Probes: testcases decided by acting on the cloud — creating, using and deleting resources —
//! instead of reading it.
//!
//! Checks stay pure functions of facts. A probe is its own kind of implementation
//! ([`crate::plan::Implementation::Probe`]): `run.rs` runs the selected probes after the facts,
//! on the same authenticated session, one after another, each under its own deadline. One
//! probe may decide several testcases with the same resources (one VM answers all three
//! scs-0101 guest testcases): it runs once for all of its selected testcases and returns an
//! outcome for each. A probe
//! is not a fact because it has side effects: it must not run under `--read-only`, cannot be
//! replayed from a snapshot, and needs the cleanup guarantees below.
//!
//! Every resource a probe creates is named `scs-check-<run id>-<what>` ([`naming`]) and put
//! in the [`ledger::Ledger`] as soon as the cloud returns its id. After every probe, whatever
//! its outcome (pass, fail, timeout, HTTP error), and on SIGINT/SIGTERM, the ledger is emptied
//! in reverse order, each deletion waited for ([`runner`]); what cannot be deleted is listed.
//! `scs-check cleanup` finds what a killed run left, by the name prefix ([`cleanup`]). Nothing
//! without the prefix is ever deleted.
//!
//! Kubernetes checks may have an *active part* ([`cluster`]) that completes a native check by
//! acting on the cluster; it runs only with `--active`, with the same names, ledger and
//! cleanup guarantees.

pub mod cleanup;
pub mod cluster;
pub mod entropy;
pub mod entropy_guest;
pub mod key_manager;
pub mod ledger;
pub mod naming;
pub mod runner;
pub mod volume_backup;

use std::collections::BTreeMap;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::time::Instant;

use self::ledger::Ledger;
use self::naming::RunId;
use crate::checks::Outcome;
use crate::facts::openstack::Session;

/// A native probe module.
pub struct Probe {
    /// Stable name used in scope files (`implemented_by`) and reports.
    pub name: &'static str,
    /// The standard (and version) whose text the rules follow.
    pub standard: &'static str,
    /// What it creates in the cloud, for progress lines and `--read-only`.
    pub creates: &'static str,
    /// Testcase ids this probe decides.
    pub testcases: fn() -> Vec<String>,
    /// Decides the given testcases (the selected ones among its own, at least one) in one go,
    /// with an outcome for each; every resource it creates goes into the context's ledger.
    pub run: for<'a> fn(&'a [String], &'a ProbeContext<'a>) -> BoxFuture<'a, Outcomes>,
}

/// A probe's outcome per testcase id.
pub type Outcomes = BTreeMap<String, Outcome>;

/// The same outcome for each of `testcases`: a probe whose single result decides them all.
pub fn same_for_all(testcases: &[String], outcome: &Outcome) -> Outcomes {
    testcases
        .iter()
        .map(|testcase| (testcase.clone(), outcome.clone()))
        .collect()
}

/// What the user chose for the probes (`--probe-timeout`, `--probe-image`, `--probe-flavor`).
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// How long each probe may run, its cleanup excluded.
    pub timeout: Duration,
    /// Image (name or id) for probes that boot a server, instead of their own choice.
    pub image: Option<String>,
    /// Flavor (name or id) for probes that boot a server, instead of their own choice.
    pub flavor: Option<String>,
}

impl Probe {
    pub fn implements(&self, testcase: &str) -> bool {
        (self.testcases)().iter().any(|id| id == testcase)
    }
}

/// What a probe works with.
pub struct ProbeContext<'a> {
    pub session: &'a Session,
    pub ledger: &'a Ledger,
    pub run_id: &'a RunId,
    pub options: &'a ProbeOptions,
    /// When the runner stops the probe (`--probe-timeout` after its start).
    pub deadline: Instant,
    /// Progress lines go to stderr unless `-q`.
    pub quiet: bool,
    /// The probe's name, for progress lines.
    pub probe: &'a str,
}

impl ProbeContext<'_> {
    pub fn say(&self, message: &str) {
        if !self.quiet {
            eprintln!("probe {}: {message}", self.probe);
        }
    }

    /// When this probe should stop waiting to explain its own timeout ([`report_by`]).
    pub fn report_by(&self) -> Instant {
        report_by(self.deadline - self.options.timeout, self.options.timeout)
    }

    /// Test hook: with `SCS_CHECK_TEST_HOLD_PROBE=SECONDS`, waits that long after the
    /// probe's resources exist, so tests can interrupt or kill a run mid-probe.
    pub async fn hold_for_tests(&self) {
        hold_for_tests(|line| self.say(line)).await;
    }
}

/// The text at `path` in a JSON answer of the cloud (`["server", "id"]`), or why not.
pub fn field(answer: &[u8], path: &[&str]) -> Result<String, String> {
    let value: serde_json::Value =
        serde_json::from_slice(answer).map_err(|e| format!("the answer is not JSON: {e}"))?;
    path.iter()
        .fold(&value, |value, key| &value[key])
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("the answer has no {}", path.join(".")))
}

/// When a probe or active part started at `started` with `timeout` should stop waiting, so
/// that it can still say what it waited for and what it saw: shortly before the runner stops
/// it with a bare "did not finish".
pub fn report_by(started: Instant, timeout: Duration) -> Instant {
    let margin = (timeout / 10).min(Duration::from_secs(5));
    started + timeout - margin
}

/// The test hook of [`ProbeContext::hold_for_tests`], for any probe's progress lines.
pub async fn hold_for_tests(say: impl Fn(&str)) {
    let Some(seconds) = std::env::var("SCS_CHECK_TEST_HOLD_PROBE")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    else {
        return;
    };
    say(&format!(
        "holding for {seconds} s (SCS_CHECK_TEST_HOLD_PROBE is set)"
    ));
    tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
}

static PROBES: &[Probe] = &[entropy::PROBE, key_manager::PROBE, volume_backup::PROBE];

pub fn by_name(name: &str) -> Option<&'static Probe> {
    PROBES.iter().find(|p| p.name == name)
}

/// The probe deciding `testcase`, if we have one.
pub fn for_testcase(testcase: &str) -> Option<&'static Probe> {
    PROBES.iter().find(|p| p.implements(testcase))
}

pub fn names() -> Vec<&'static str> {
    PROBES.iter().map(|p| p.name).collect()
}
