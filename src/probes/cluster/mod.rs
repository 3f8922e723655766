//! Active parts of Kubernetes checks: what a native KaaS check cannot decide by reading the
//! API, decided by creating objects in the cluster, using them and deleting them again.
//!
//! An active part completes a check (it is looked up by the check's name) rather than
//! replacing it: the testcase's verdict is the worse of the two, with the findings of both.
//! Unlike the OpenStack probes, which run unless `--read-only` is given, an active part runs
//! only with `--active` — a cluster is often shared and production, and the read-only part
//! already decides most of the standard — and never with `--read-only`, which always wins.
//! When it does not run, an info finding says what stayed untested and why.
//!
//! What it creates follows the probe rules ([`super::naming`], [`super::ledger`],
//! [`super::runner`]): names `scs-check-<run id>-<what>`, the labels [`MANAGED_BY`] and
//! [`RUN_LABEL`], a ledger entry as soon as the API server accepted the object, deletion in
//! reverse order after the part and on SIGINT/SIGTERM, and `scs-check cleanup --kubeconfig …`
//! ([`cleanup`]) for what a killed run left.

pub mod cleanup;
pub mod default_storage_class;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;

use super::ledger::{Endpoint, Ledger};
use super::naming::RunId;
use super::runner::{no_signal_handlers, not_run, supervise, Interrupted, ProbeResult, Signals};
use super::Outcomes;
use crate::checks::{Finding, Outcome};
use crate::facts::error_chain;
use crate::facts::kubernetes::Session;
use crate::facts::openstack::RequestError;

/// Label on everything an active part creates, with the value `scs-check`.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// Label with the run id (12 hex digits), so a leftover can be traced to its report.
pub const RUN_LABEL: &str = "scs-check/run";
const MANAGED_BY_US: &str = "scs-check";

/// The default of `--pod-image`: tiny, public, and runs as a non-root user.
pub const DEFAULT_POD_IMAGE: &str = "registry.k8s.io/pause:3.10";

/// The active part of a native Kubernetes check.
pub struct ActivePart {
    /// The check it completes.
    pub check: &'static str,
    /// Name in progress lines and docs.
    pub name: &'static str,
    /// What it creates, for progress lines.
    pub creates: &'static str,
    /// What stays untested without it, for the info finding then.
    pub decides: &'static str,
    pub run: for<'a> fn(&'a ClusterContext<'a>) -> BoxFuture<'a, Outcome>,
}

static PARTS: &[ActivePart] = &[default_storage_class::PART];

/// The active part completing the check called `check`, if it has one.
pub fn for_check(check: &str) -> Option<&'static ActivePart> {
    PARTS.iter().find(|p| p.check == check)
}

/// What an active part works with.
pub struct ClusterContext<'a> {
    pub session: &'a Session,
    pub ledger: &'a Ledger,
    pub run_id: &'a RunId,
    pub quiet: bool,
    pub testcase: &'a str,
    /// When the part should give its verdict: a little before `--probe-timeout` cuts it off,
    /// so that a wait that runs out can say what it saw.
    pub verdict_by: tokio::time::Instant,
    /// The image of pods it starts (`--pod-image`).
    pub pod_image: &'a str,
}

impl ClusterContext<'_> {
    pub fn say(&self, message: &str) {
        if !self.quiet {
            eprintln!("probe {}: {message}", self.testcase);
        }
    }

    /// The labels of everything this run creates.
    pub fn labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (MANAGED_BY.to_owned(), MANAGED_BY_US.to_owned()),
            (RUN_LABEL.to_owned(), self.run_id.short()),
        ])
    }
}

/// The label selector of everything any run created.
pub fn ours_selector() -> String {
    format!("{MANAGED_BY}={MANAGED_BY_US}")
}

/// A refused or failed request as an ABORT reason; with 403, which rights are missing.
pub fn refusal(error: &kube::Error, what: &str) -> String {
    match error {
        kube::Error::Api(status) => {
            let hint = if status.code == 403 {
                "; the active part needs to create, read and delete namespaces, \
                 PersistentVolumeClaims and pods, and read PersistentVolumes, storage classes \
                 and events (e.g. cluster-admin), or run without --active"
            } else {
                ""
            };
            format!(
                "cannot {what}: HTTP {} {}: {}{hint}",
                status.code, status.reason, status.message
            )
        }
        other => format!("cannot {what}: {}", error_chain(other)),
    }
}

/// The ledger deletes objects by their API URL, through the cluster's client (which adds
/// the credentials and any path prefix of the server URL).
impl Endpoint for Session {
    fn call<'a>(
        &'a self,
        method: http::Method,
        url: &'a url::Url,
    ) -> BoxFuture<'a, Result<(), RequestError>> {
        Box::pin(async move {
            let request = http::Request::builder()
                .method(method.clone())
                .uri(self.api_path(url))
                .body(Vec::new())
                .map_err(|e| RequestError::Other(format!("{method} {url}: {e}")))?;
            match self.client().request_text(request).await {
                Ok(_) => Ok(()),
                Err(kube::Error::Api(status)) => Err(RequestError::Status(
                    status.code,
                    format!(
                        "{method} {url}: HTTP {} {}: {}",
                        status.code, status.reason, status.message
                    ),
                )),
                Err(other) => Err(RequestError::Other(format!(
                    "{method} {url}: {}",
                    error_chain(&other)
                ))),
            }
        })
    }

    fn cleanup_command(&self) -> String {
        Session::cleanup_command(self)
    }
}

/// How the command line asks for active parts.
pub struct Settings<'a> {
    pub active: bool,
    pub read_only: bool,
    /// The facts come from a snapshot: nothing can act on the cluster.
    pub snapshot: bool,
    pub timeout: Duration,
    pub pod_image: &'a str,
    pub quiet: bool,
}

/// Runs the active parts of the selected checks, or says for each why it does not run.
/// `Err` when a signal interrupted them: what they created is deleted, no report is written.
pub async fn run_all(
    parts: &[(&'static ActivePart, String)],
    session: Option<&Result<Session, String>>,
    settings: &Settings<'_>,
    run_id: &RunId,
) -> Result<BTreeMap<String, ProbeResult>, Interrupted> {
    let untested = |why: &str| {
        parts
            .iter()
            .map(|(part, testcase)| {
                let finding = Finding::info(None, format!("not tested: {}; {why}", part.decides));
                let result = ProbeResult {
                    outcome: Outcome::from_findings(vec![finding]),
                    duration_ms: 0.0,
                };
                (testcase.clone(), result)
            })
            .collect()
    };
    if !settings.active {
        return Ok(untested(
            "`--active` tests it by creating a namespace, a PersistentVolumeClaim and maybe a \
             pod (deleted again, see docs/probes.md)",
        ));
    }
    if settings.read_only {
        return Ok(untested("--read-only wins over --active"));
    }
    let session = match session {
        _ if settings.snapshot => {
            return Ok(untested(
                "--active acts on a live cluster, and a snapshot holds no results of it",
            ))
        }
        Some(Ok(session)) => session,
        Some(Err(reason)) => return Ok(not_run(parts.iter().map(|(_, t)| t), reason)),
        None => {
            return Ok(not_run(
                parts.iter().map(|(_, t)| t),
                "not run: no cluster was connected",
            ))
        }
    };
    let ledger = Ledger::default();
    let mut signals = match Signals::install() {
        Ok(signals) => signals,
        Err(e) => {
            return Ok(not_run(
                parts.iter().map(|(_, t)| t),
                &no_signal_handlers(&e),
            ))
        }
    };
    let mut results = BTreeMap::new();
    for (part, testcase) in parts {
        let started = Instant::now();
        let context = ClusterContext {
            session,
            ledger: &ledger,
            run_id,
            quiet: settings.quiet,
            testcase,
            verdict_by: super::report_by(tokio::time::Instant::now(), settings.timeout),
            pod_image: settings.pod_image,
        };
        context.say(&format!(
            "{} creates {} (at most {} s)",
            part.name,
            part.creates,
            settings.timeout.as_secs()
        ));
        let testcases = [testcase.clone()];
        let run = async { Outcomes::from([(testcase.clone(), (part.run)(&context).await)]) };
        let mut outcomes = supervise(
            session,
            &ledger,
            &mut signals,
            settings.timeout,
            settings.quiet,
            &testcases,
            run,
        )
        .await?;
        let outcome = outcomes
            .remove(testcase)
            .expect("supervise gives every testcase");
        context.say(&format!("{:?}", outcome.verdict).to_uppercase());
        let result = ProbeResult {
            outcome,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        };
        results.insert(testcase.clone(), result);
    }
    Ok(results)
}
