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

use super::ledger::{leftovers_line, Endpoint, Ledger, Leftover};
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

pub(crate) struct Signals {
    interrupt: Signal,
    terminate: Signal,
}

impl Signals {
    pub(crate) fn install() -> std::io::Result<Self> {
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

/// Every testcase ABORTed with `reason`, for probes that cannot start at all.
pub(crate) fn not_run<'a>(
    testcases: impl Iterator<Item = &'a String>,
    reason: &str,
) -> BTreeMap<String, ProbeResult> {
    testcases
        .map(|testcase| {
            let result = ProbeResult::new(Outcome::abort(reason), 0.0);
            (testcase.clone(), result)
        })
        .collect()
}

/// The reason when the signal handlers that guarantee cleanup cannot be installed.
pub(crate) fn no_signal_handlers(error: &std::io::Error) -> String {
    format!("not run: cannot install the SIGINT/SIGTERM handlers that guarantee cleanup: {error}")
}

/// Runs each probe once for its testcases, in order; every resource they create is deleted
/// again before this returns, or listed (in each outcome's findings and on stderr).
pub async fn run_all(
    session: &Session,
    probes: &[(&'static Probe, Vec<String>)],
    run_id: &RunId,
    options: &ProbeOptions,
    quiet: bool,
    starting: &(dyn Fn(&str) + Sync),
) -> Result<BTreeMap<String, ProbeResult>, Interrupted> {
    let ledger = Ledger::default();
    let mut signals = match Signals::install() {
        Ok(signals) => signals,
        Err(e) => {
            return Ok(not_run(
                probes.iter().flat_map(|(_, testcases)| testcases),
                &no_signal_handlers(&e),
            ))
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
        for testcase in testcases {
            starting(testcase);
        }
        context.say(&format!(
            "creates {} to decide {} (at most {} s)",
            probe.creates,
            testcases.join(", "),
            timeout.as_secs()
        ));
        let run = (probe.run)(testcases, &context);
        let outcomes = supervise(
            session,
            &ledger,
            &mut signals,
            timeout,
            quiet,
            testcases,
            run,
        )
        .await?;
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        for (testcase, outcome) in outcomes {
            context.say(&format!(
                "{testcase}: {}",
                format!("{:?}", outcome.verdict).to_uppercase()
            ));
            results.insert(testcase, ProbeResult::new(outcome, duration_ms));
        }
    }
    Ok(results)
}

/// Runs one probe deciding `testcases` under `timeout`, then empties the ledger; what could
/// not be deleted is added to every outcome's findings. On a signal the probe is dropped, the
/// ledger emptied, and the interruption returned.
pub(crate) async fn supervise(
    endpoint: &(impl Endpoint + ?Sized),
    ledger: &Ledger,
    signals: &mut Signals,
    timeout: Duration,
    quiet: bool,
    testcases: &[String],
    probe: impl std::future::Future<Output = Outcomes>,
) -> Result<Outcomes, Interrupted> {
    let outcomes = tokio::select! {
        outcomes = tokio::time::timeout(timeout, probe) => {
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
                leftovers = ledger.clean_up(endpoint, CLEANUP_DEADLINE) => leftovers,
                _ = signals.next() => ledger.remaining().into_iter().map(|resource| Leftover {
                    resource,
                    reason: "cleanup stopped by a second signal".to_owned(),
                }).collect(),
            };
            eprintln!("{}", leftovers_line(&leftovers, endpoint));
            return Err(interrupted);
        }
    };
    let leftovers = ledger.clean_up(endpoint, CLEANUP_DEADLINE).await;
    if !leftovers.is_empty() || !quiet {
        eprintln!("{}", leftovers_line(&leftovers, endpoint));
    }
    let not_deleted: Vec<Finding> = leftovers
        .iter()
        .map(|left| {
            Finding::warning(
                Some(&left.resource.name),
                format!(
                    "could not delete {left}; delete it with `{}`",
                    endpoint.cleanup_command()
                ),
            )
        })
        .collect();
    let mut outcomes = complete(testcases, outcomes);
    for outcome in outcomes.values_mut() {
        outcome.findings.extend(not_deleted.iter().cloned());
    }
    Ok(outcomes)
}

/// The outcomes of exactly `testcases`: one a probe did not give is an ABORT (a probe's
/// oversight must not read as a result), one it was not asked for is dropped.
fn complete(testcases: &[String], mut outcomes: Outcomes) -> Outcomes {
    testcases
        .iter()
        .map(|testcase| {
            let outcome = outcomes.remove(testcase).unwrap_or_else(|| {
                Outcome::abort(format!("the probe gave no result for {testcase}"))
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
        let outcomes = complete(&asked, given);
        assert_eq!(outcomes.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(outcomes["a"].verdict, Verdict::Pass);
        assert_eq!(outcomes["b"].verdict, Verdict::Abort);
        assert!(outcomes["b"].findings[0]
            .message
            .contains("gave no result for b"));
    }
}
