//! Runs the selected probes one after another, each once for all of its selected testcases
//! and under its deadline, empties the ledger after each, and turns SIGINT/SIGTERM into a
//! cleanup before exit.
//!
//! The signal handlers are installed when the first probe starts (before that, nothing needs
//! cleaning up and the default handlers end the process). On a signal the running probe is
//! dropped — its request in flight is cancelled — and the ledger is emptied under its own
//! deadline; a second signal stops the cleanup and lists what is left. The handlers stay
//! installed after the probes (tokio cannot restore the defaults); what remains of the run,
//! writing the reports, takes milliseconds.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use tokio::signal::unix::{signal, Signal, SignalKind};

use super::ledger::{leftovers_line, Ledger, Leftover};
use super::naming::RunId;
use super::{same_for_all, Outcomes, Probe, ProbeContext, ProbeOptions};
use crate::checks::{Finding, Outcome};
use crate::facts::openstack::Session;

/// How long the cleanup after a probe, or after a signal, may take.
pub const CLEANUP_DEADLINE: Duration = Duration::from_secs(60);

/// A probe's outcome for one testcase, and how long the probe took, cleanup included.
pub struct ProbeResult {
    pub outcome: Outcome,
    pub duration_ms: f64,
}

impl ProbeResult {
    pub fn new(outcome: Outcome, duration_ms: f64) -> Self {
        Self {
            outcome,
            duration_ms,
        }
    }
}

/// The run was interrupted; the exit code is 128 + the signal number, as shells report it.
#[derive(Debug)]
pub struct Interrupted {
    pub signal: &'static str,
    pub exit_code: i32,
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "interrupted by {} during the probes; no report written",
            self.signal
        )
    }
}

impl std::error::Error for Interrupted {}

struct Signals {
    interrupt: Signal,
    terminate: Signal,
}

impl Signals {
    fn install() -> std::io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn next(&mut self) -> Interrupted {
        tokio::select! {
            _ = self.interrupt.recv() => Interrupted { signal: "SIGINT", exit_code: 130 },
            _ = self.terminate.recv() => Interrupted { signal: "SIGTERM", exit_code: 143 },
        }
    }
}

/// Runs each probe once for its testcases, in order; every resource they create is deleted
/// again before this returns, or listed (in each outcome's findings and on stderr).
pub async fn run_all(
    session: &Session,
    probes: &[(&'static Probe, Vec<String>)],
    run_id: &RunId,
    options: &ProbeOptions,
    quiet: bool,
) -> Result<BTreeMap<String, ProbeResult>, Interrupted> {
    let ledger = Ledger::default();
    let mut signals = match Signals::install() {
        Ok(signals) => signals,
        Err(e) => {
            let outcome = Outcome::abort(format!(
                "not run: cannot install the SIGINT/SIGTERM handlers that guarantee cleanup: {e}"
            ));
            return Ok(probes
                .iter()
                .flat_map(|(_, testcases)| testcases)
                .map(|testcase| (testcase.clone(), ProbeResult::new(outcome.clone(), 0.0)))
                .collect());
        }
    };
    let timeout = options.timeout;
    let mut results = BTreeMap::new();
    for (probe, testcases) in probes {
        let started = Instant::now();
        let context = ProbeContext {
            session,
            ledger: &ledger,
            run_id,
            options,
            deadline: tokio::time::Instant::from_std(started) + timeout,
            quiet,
            probe: probe.name,
        };
        context.say(&format!(
            "creates {} to decide {} (at most {} s)",
            probe.creates,
            testcases.join(", "),
            timeout.as_secs()
        ));
        let outcomes = tokio::select! {
            outcomes = tokio::time::timeout_at(context.deadline, (probe.run)(testcases, &context)) => {
                outcomes.unwrap_or_else(|_| same_for_all(testcases, &Outcome::abort(format!(
                    "the probe did not finish within {} s (--probe-timeout); what it created \
                     is deleted again",
                    timeout.as_secs()
                ))))
            }
            interrupted = signals.next() => {
                if !quiet {
                    eprintln!("{}: deleting what the probes created …", interrupted.signal);
                }
                let leftovers = tokio::select! {
                    leftovers = ledger.clean_up(session, CLEANUP_DEADLINE) => leftovers,
                    _ = signals.next() => ledger.remaining().into_iter().map(|resource| Leftover {
                        resource,
                        reason: "cleanup stopped by a second signal".to_owned(),
                    }).collect(),
                };
                eprintln!("{}", leftovers_line(&leftovers, session.cloud_name()));
                return Err(interrupted);
            }
        };
        let leftovers = ledger.clean_up(session, CLEANUP_DEADLINE).await;
        if !leftovers.is_empty() || !quiet {
            eprintln!("{}", leftovers_line(&leftovers, session.cloud_name()));
        }
        let not_left: Vec<Finding> = leftovers
            .iter()
            .map(|left| {
                Finding::warning(
                    Some(&left.resource.name),
                    format!(
                        "could not delete {left}; delete it with `scs-check cleanup --os-cloud {}`",
                        session.cloud_name()
                    ),
                )
            })
            .collect();
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        for (testcase, mut outcome) in complete(testcases, outcomes, probe.name) {
            outcome.findings.extend(not_left.iter().cloned());
            context.say(&format!(
                "{testcase}: {}",
                format!("{:?}", outcome.verdict).to_uppercase()
            ));
            results.insert(testcase, ProbeResult::new(outcome, duration_ms));
        }
    }
    Ok(results)
}

/// The outcomes of exactly `testcases`: one a probe did not give is an ABORT (a probe's
/// oversight must not read as a result), one it was not asked for is dropped.
fn complete(testcases: &[String], mut outcomes: Outcomes, probe: &str) -> Outcomes {
    testcases
        .iter()
        .map(|testcase| {
            let outcome = outcomes.remove(testcase).unwrap_or_else(|| {
                Outcome::abort(format!("the probe {probe} gave no result for {testcase}"))
            });
            (testcase.clone(), outcome)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Verdict;

    #[test]
    fn every_testcase_asked_for_gets_exactly_one_outcome() {
        let asked = ["a".to_owned(), "b".to_owned()];
        let given = Outcomes::from([
            ("a".to_owned(), Outcome::from_findings(Vec::new())),
            ("z".to_owned(), Outcome::from_findings(Vec::new())),
        ]);
        let outcomes = complete(&asked, given, "p");
        assert_eq!(outcomes.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(outcomes["a"].verdict, Verdict::Pass);
        assert_eq!(outcomes["b"].verdict, Verdict::Abort);
        assert!(outcomes["b"].findings[0]
            .message
            .contains("gave no result for b"));
    }
}
