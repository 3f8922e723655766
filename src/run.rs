//! The `run` and `plan` commands: scope → selection → plan → facts → checks → reports.

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::{DateTime, NaiveDate, Utc};

use crate::checks;
use crate::cli::{PlanArgs, RunArgs, Selection};
use crate::facts::kubernetes::{self, sonobuoy};
use crate::facts::snapshot::Snapshot;
use crate::facts::{openstack, FactKind, Facts, Platform};
use crate::plan::{self, Filter, Implementation, Plan};
use crate::probes::{
    self,
    naming::RunId,
    runner::{Interrupted, ProbeResult},
    ProbeOptions,
};
use crate::report::{self, table::TableOptions, RunReport, Status, TestcaseReport};
use crate::scope::{self, select::SelectedVersion, Parameters, Scope};
use crate::waivers::{self, Waivers};

/// How the run talks to the user; decided once in `main`.
pub struct Output {
    pub verbose: u8,
    pub quiet: bool,
}

fn select(selection: &Selection) -> Result<(Scope, NaiveDate, Vec<SelectedVersion>)> {
    let scope = scope::load(&selection.scope)?;
    let date = selection.date.unwrap_or_else(|| Utc::now().date_naive());
    let versions = scope::select::select(&scope, date, selection.version.as_deref())
        .with_context(|| format!("{}: cannot select versions", selection.scope.display()))?;
    Ok((scope, date, versions))
}

/// Scope variables that need no assignment (see [`check_required_variables`]).
const OPTIONAL_VARIABLES: &[&str] = &["os_cloud", "kubeconfig", "subject_root"];

/// `-a KEY=VALUE` pairs; like upstream, a key may be assigned once.
fn assignments(args: &RunArgs) -> Result<BTreeMap<String, String>> {
    let mut assigned = BTreeMap::new();
    let pairs = args.assign.iter().map(|a| {
        a.split_once('=')
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .with_context(|| format!("-a {a}: expected KEY=VALUE"))
    });
    let from_flags = [
        ("os_cloud", &args.os_cloud),
        ("kubeconfig", &args.kubeconfig),
    ]
    .into_iter()
    .filter_map(|(key, value)| Some(Ok((key.to_owned(), value.clone()?))));
    for pair in pairs.chain(from_flags) {
        let (key, value) = pair?;
        if assigned.insert(key.clone(), value).is_some() {
            bail!(
                "variable {key} is assigned twice (by -a, --os-cloud or --kubeconfig); assign it once"
            );
        }
    }
    Ok(assigned)
}

/// Variables the scope requires that nothing assigns. `os_cloud` and `kubeconfig` may also
/// come from the environment (`OS_CLOUD`, `OS_*`, `KUBECONFIG`, `~/.kube/config`) or be moot
/// (`--snapshot`): cloud and cluster resolution decide. `subject_root` (the KaaS scope's
/// directory for a subject's files) is only recorded: scs-check writes no per-subject files.
fn check_required_variables(scope: &Scope, assigned: &BTreeMap<String, String>) -> Result<()> {
    let unassigned: Vec<&str> = scope
        .variables
        .iter()
        .filter(|v| v.default.is_none() && !OPTIONAL_VARIABLES.contains(&v.name.as_str()))
        .filter(|v| !assigned.contains_key(&v.name))
        .map(|v| v.name.as_str())
        .collect();
    if !unassigned.is_empty() {
        bail!(
            "{}: the scope requires variables that are not assigned: {}; pass -a NAME=VALUE",
            scope.path.display(),
            unassigned.join(", ")
        );
    }
    Ok(())
}

fn progress(output: &Output, message: &str) -> Option<indicatif::ProgressBar> {
    if output.quiet {
        return None;
    }
    if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message(message.to_owned());
        bar.enable_steady_tick(Duration::from_millis(100));
        Some(bar)
    } else {
        if output.verbose > 0 {
            eprintln!("{message}");
        }
        None
    }
}

/// Where the facts came from, for the report.
struct Source {
    facts: Facts,
    /// The cloud's session, kept for the probes when any are selected (or why there is none).
    session: Option<Result<openstack::Session, String>>,
    /// The cluster's session, kept for the active parts when they run (or why there is none).
    cluster: Option<Result<kubernetes::Session, String>>,
    /// When they were read: now, or the recording time of the snapshot.
    observed_at: DateTime<Utc>,
    cloud: String,
    snapshot: Option<String>,
}

/// Which platforms a run reads: those of the facts its checks need; when it needs none, a
/// scope declaring a `kubeconfig` variable is about a cluster, any other about a cloud.
fn platforms(scope: &Scope, kinds: &BTreeSet<FactKind>) -> (bool, bool) {
    let needs = |p: Platform| kinds.iter().any(|k| k.platform() == p);
    let kubernetes = needs(Platform::Kubernetes)
        || (kinds.is_empty() && scope.variables.iter().any(|v| v.name == "kubeconfig"));
    let openstack = needs(Platform::OpenStack) || !kubernetes;
    (openstack, kubernetes)
}

fn of_platform(kinds: &BTreeSet<FactKind>, platform: Platform) -> BTreeSet<FactKind> {
    kinds
        .iter()
        .copied()
        .filter(|k| k.platform() == platform)
        .collect()
}

/// Facts that could not be read at all: all fail for the same reason, and the run goes on.
fn unreachable(kinds: &BTreeSet<FactKind>, reason: &str, output: &Output) -> Facts {
    if !output.quiet {
        eprintln!("warning: {reason}; every testcase that reads it ABORTs");
    }
    Facts::all_failed(kinds.iter().copied(), reason)
}

fn gather(
    args: &RunArgs,
    scope: &Scope,
    plan: &Plan,
    assigned: &BTreeMap<String, String>,
    output: &Output,
    runtime: &tokio::runtime::Runtime,
    observe: Observer,
) -> Result<Source> {
    let kinds = plan.facts_needed();
    if let Some(path) = &args.snapshot {
        observe(Phase::ReadingFacts);
        let snapshot = Snapshot::load(path).map_err(anyhow::Error::msg)?;
        return Ok(Source {
            facts: snapshot.facts,
            session: None,
            cluster: None,
            observed_at: snapshot.recorded_at,
            cloud: snapshot.cloud,
            snapshot: Some(path.display().to_string()),
        });
    }
    // Probes run only on OpenStack; under --read-only they do not run, so need no session.
    let probing = !args.probes.read_only && !plan.probes_needed().is_empty();
    let acting =
        args.probes.active && !args.probes.read_only && !plan.active_parts_needed().is_empty();
    let (uses_openstack, uses_kubernetes) = platforms(scope, &kinds);
    let uses_openstack = uses_openstack || probing;
    let cloud = uses_openstack
        .then(|| openstack::config::resolve(assigned.get("os_cloud").map(String::as_str)))
        .transpose()?;
    let cluster = uses_kubernetes
        .then(|| {
            runtime.block_on(kubernetes::config::resolve(
                assigned.get("kubeconfig").map(Path::new),
                args.context.as_deref(),
            ))
        })
        .transpose()?;
    let name = [
        cloud.as_ref().map(|c| c.name.clone()),
        cluster.as_ref().map(|c| c.name.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" + ");
    if kinds.is_empty() && !probing && !acting {
        return Ok(Source {
            facts: Facts::default(),
            session: None,
            cluster: None,
            observed_at: Utc::now(),
            cloud: name,
            snapshot: None,
        });
    }
    let timeout = Duration::from_secs(args.timeout);
    let what = kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let spinner = progress(
        output,
        &if kinds.is_empty() {
            format!("Connecting to {name} …")
        } else {
            format!("Reading {what} from {name} …")
        },
    );
    let observed_at = Utc::now();
    observe(if cloud.is_some() {
        Phase::Connecting
    } else {
        Phase::ReadingFacts
    });
    let (facts, session, cluster) = runtime.block_on(async {
        let from_cloud = async {
            let Some(cloud) = &cloud else {
                return (Facts::default(), None);
            };
            let kinds = of_platform(&kinds, Platform::OpenStack);
            match openstack::connect(cloud, timeout, args.concurrency as usize).await {
                Ok(session) => {
                    observe(Phase::ReadingFacts);
                    let facts = session.gather(&kinds, timeout).await;
                    (facts, probing.then_some(Ok(session)))
                }
                Err(reason) => {
                    let facts = unreachable(&kinds, &reason, output);
                    (facts, probing.then_some(Err(reason)))
                }
            }
        };
        let from_cluster = async {
            let Some(cluster) = cluster else {
                return (Facts::default(), None);
            };
            let kinds = of_platform(&kinds, Platform::Kubernetes);
            let session = match kubernetes::connect(cluster, timeout) {
                Ok(session) => session,
                Err(reason) => {
                    let facts = unreachable(&kinds, &reason, output);
                    return (facts, acting.then_some(Err(reason)));
                }
            };
            let facts = session.gather(&kinds, timeout).await;
            let session = acting.then_some(Ok(session));
            let e2e: Vec<FactKind> = kinds.iter().copied().filter(FactKind::is_e2e).collect();
            if e2e.is_empty() {
                return (facts, session);
            }
            let settings = sonobuoy::Settings {
                kubeconfig: assigned.get("kubeconfig").map(PathBuf::from),
                context: args.context.clone(),
                execution_mode: assigned
                    .get("execution_mode")
                    .map_or("parallel", String::as_str)
                    .to_owned(),
                wait: Duration::from_secs(args.e2e_timeout * 60),
                subject_root: assigned.get("subject_root").map(PathBuf::from),
            };
            let e2e_facts = tokio::task::spawn_blocking(move || sonobuoy::gather(&e2e, &settings))
                .await
                .unwrap_or_else(|e| Facts::all_failed(kinds.clone(), &e.to_string()));
            (facts.merge(e2e_facts), session)
        };
        let ((cloud_facts, session), (cluster_facts, cluster)) =
            tokio::join!(from_cloud, from_cluster);
        (cloud_facts.merge(cluster_facts), session, cluster)
    });
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    Ok(Source {
        facts,
        session,
        cluster,
        observed_at,
        cloud: name,
        snapshot: None,
    })
}

/// Runs the selected probes (see `src/probes/`), or says for each why it cannot run.
/// `Err` when a signal interrupted them: their resources are deleted, no report is written.
fn probe(
    args: &RunArgs,
    plan: &Plan,
    source: &Source,
    run_id: &RunId,
    output: &Output,
    runtime: &tokio::runtime::Runtime,
    observe: Observer,
) -> Result<BTreeMap<String, ProbeResult>, Interrupted> {
    let wanted = plan.probes_needed();
    let cannot = |reason: String| {
        probes::runner::not_run(wanted.iter().flat_map(|(_, testcases)| testcases), &reason)
    };
    if wanted.is_empty() {
        return Ok(BTreeMap::new());
    }
    if args.probes.read_only {
        return Ok(cannot(
            "not run: --read-only forbids the probe deciding it (it creates and deletes \
             resources, see docs/probes.md)"
                .to_owned(),
        ));
    }
    match &source.session {
        Some(Ok(session)) => runtime.block_on(probes::runner::run_all(
            session,
            &wanted,
            run_id,
            &ProbeOptions {
                timeout: Duration::from_secs(args.probes.probe_timeout),
                image: args.probes.probe_image.clone(),
                flavor: args.probes.probe_flavor.clone(),
            },
            output.quiet,
            &|testcase| observe(Phase::Probing(testcase.to_owned())),
        )),
        Some(Err(reason)) => Ok(cannot(reason.clone())),
        None => Ok(cannot(
            "not run: a probe acts on a live cloud, and a snapshot holds no probe results"
                .to_owned(),
        )),
    }
}

/// Results of the checks: one per testcase for reports keyed by id, and, where versions
/// give a testcase different parameters, the status each version gets.
struct Evaluation {
    testcases: Vec<TestcaseReport>,
    per_version: BTreeMap<(String, String), Status>,
}

fn evaluate(plan: &Plan, source: &Source, probed: &BTreeMap<String, ProbeResult>) -> Evaluation {
    let mut per_version = BTreeMap::new();
    let testcases = plan
        .testcases
        .values()
        .map(|planned| {
            let testcase = &planned.testcase;
            let decided = match planned.implementation {
                _ if !planned.selected => None,
                Implementation::Native(check) => {
                    let started = Instant::now();
                    let mut each = check.run_each(
                        &testcase.id,
                        &planned.parameter_sets,
                        source.observed_at,
                        &source.facts,
                    );
                    let mut ms = started.elapsed().as_secs_f64() * 1000.0;
                    // The check's active part (`--active`), or why it did not run.
                    if let Some(active) = probed.get(&testcase.id) {
                        for (_, outcome) in &mut each {
                            *outcome = outcome.clone().and(active.outcome.clone());
                        }
                        ms += active.duration_ms;
                    }
                    Some((each, ms))
                }
                // A probe acts once; its outcome holds for every parameter set, and its duration
                // is that of the whole probe, shared by the testcases it decided.
                Implementation::Probe(_) => probed.get(&testcase.id).map(|result| {
                    let each = planned
                        .parameter_sets
                        .iter()
                        .map(|parameters| (parameters.clone(), result.outcome.clone()))
                        .collect();
                    (each, result.duration_ms)
                }),
                Implementation::Manual | Implementation::Missing => None,
            };
            let (status, findings, duration_ms) = match decided {
                None if !planned.selected => (Status::NotSelected, Vec::new(), None),
                None => (Status::Missing, Vec::new(), None),
                Some((each, ms)) => {
                    let status_for = |parameters: &Parameters| {
                        each.iter()
                            .find(|(p, _)| p == parameters)
                            .map_or(Status::Missing, |(_, o)| Status::from_verdict(o.verdict))
                    };
                    for version in &plan.versions {
                        if let Some(parameters) = version.parameters.get(&testcase.id) {
                            let key = (version.version.name.clone(), testcase.id.clone());
                            per_version.insert(key, status_for(parameters));
                        }
                    }
                    // The headline result: that of the binding versions, if any tests it.
                    let binding: Vec<(Parameters, checks::Outcome)> = each
                        .iter()
                        .filter(|(p, _)| {
                            plan.versions.iter().any(|v| {
                                v.version.binding && v.parameters.get(&testcase.id) == Some(p)
                            })
                        })
                        .cloned()
                        .collect();
                    let outcome =
                        checks::combine(if binding.is_empty() { &each } else { &binding });
                    (
                        Status::from_verdict(outcome.verdict),
                        outcome.findings,
                        Some(ms),
                    )
                }
            };
            // Reports name the check or probe only of the testcases that ran.
            let decider = planned
                .selected
                .then(|| planned.implementation.decider())
                .flatten();
            TestcaseReport {
                id: testcase.id.clone(),
                description: testcase.description.clone(),
                url: testcase.url.clone(),
                section: testcase.section.clone(),
                lifetime: testcase.lifetime,
                implementation: planned.implementation.label().to_owned(),
                check: decider.map(|(name, _)| name.to_owned()),
                standard: decider.map(|(_, standard)| standard.to_owned()),
                status,
                findings,
                duration_ms,
                waivers: Vec::new(),
                waived: false,
            }
        })
        .collect();
    Evaluation {
        testcases,
        per_version,
    }
}

/// Refuses, before any request is sent, output paths that cannot be written: a run must
/// not read a cloud for minutes and then lose the result. Nothing is created or truncated.
fn check_writable(outputs: &[(&Option<std::path::PathBuf>, &str)]) -> Result<()> {
    for (path, what) in outputs {
        let Some(path) = path else { continue };
        if path.exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| format!("cannot write {what} to {}", path.display()))?;
        } else {
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            if !parent.is_dir() {
                bail!(
                    "cannot write {what} to {}: directory {} does not exist",
                    path.display(),
                    parent.display()
                );
            }
        }
    }
    Ok(())
}

fn write_file(path: &Path, text: &str, what: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {what} to {}", path.display()))
}

/// The command line of this process, as the reports record it.
fn own_argv() -> Vec<String> {
    std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// The `run` command: runs the checks, writes the reports, prints the table; returns the
/// exit code.
pub fn run(args: &RunArgs, output: &Output) -> Result<i32> {
    let waivers = Waivers::load(&args.allowed_failures)?;
    if !waivers.is_empty() {
        waivers.check_testcases(&[&scope::load(&args.selection.scope)?])?;
    }
    let report = match execute(args, own_argv(), output, &waivers) {
        Ok(report) => report,
        Err(error) => match error.downcast_ref::<Interrupted>() {
            Some(interrupted) => {
                eprintln!("error: {interrupted}");
                return Ok(interrupted.exit_code);
            }
            None => return Err(error),
        },
    };
    if let Some(path) = &args.output {
        write_file(
            path,
            &report::upstream_yaml::render(&report),
            "the YAML report",
        )?;
    }
    if let Some(path) = &args.junit {
        write_file(path, &report::junit::render(&report), "the JUnit report")?;
    }
    if let Some(path) = &args.json {
        write_file(path, &to_json(&report), "the JSON report")?;
    }
    if !output.quiet {
        print!(
            "{}",
            report::table::render(&report, &TableOptions::for_stdout(output.verbose > 0))
        );
    }
    Ok(report.exit_code)
}

/// The JSON result (`--json`), as `report render` reads it back.
pub fn to_json(report: &RunReport) -> String {
    let mut json = serde_json::to_string_pretty(report).expect("report serialises");
    json.push('\n');
    json
}

/// Where a run is, for whoever shows progress of many runs (`run-all`); the run itself only
/// announces, it does not render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Authenticating to the cloud.
    Connecting,
    /// Reading the facts the checks need (from the cloud, cluster or snapshot).
    ReadingFacts,
    /// Running the probe that decides this testcase.
    Probing(String),
}

/// Receives a run's phases as they begin.
pub type Observer<'a> = &'a (dyn Fn(Phase) + Sync);

/// One run without writing or printing anything but progress: checks the output paths of
/// `args`, reads the facts (and records them with `--record`), decides every testcase.
/// `argv` is the command line the report records; `waivers` are the allowed failures
/// (validated by the caller; the entries of other scopes and subjects are ignored here).
/// `run` and `run-all` share it.
pub fn execute(
    args: &RunArgs,
    argv: Vec<String>,
    output: &Output,
    waivers: &Waivers,
) -> Result<RunReport> {
    execute_observed(args, argv, output, waivers, &|_| {})
}

/// `execute`, telling `observe` each phase as it begins.
pub fn execute_observed(
    args: &RunArgs,
    argv: Vec<String>,
    output: &Output,
    waivers: &Waivers,
    observe: Observer,
) -> Result<RunReport> {
    let assigned = assignments(args)?;
    let (scope, date, versions) = select(&args.selection)?;
    check_required_variables(&scope, &assigned)?;
    let tests = args
        .tests
        .as_deref()
        .map(Filter::tests_pattern)
        .transpose()
        .context("-t: not a valid regular expression")?;
    let filter = Filter {
        tests,
        sections: args.sections.clone(),
    };
    check_writable(&[
        (&args.output, "the YAML report"),
        (&args.junit, "the JUnit report"),
        (&args.json, "the JSON report"),
        (&args.record, "the snapshot"),
    ])?;
    let plan = plan::build(&scope, versions, &filter);
    if !plan.testcases.values().any(|t| t.selected) {
        bail!(
            "no testcase of the tested versions matches {}; `scs-check plan {}` lists them",
            match (&args.tests, &args.sections) {
                (Some(tests), Some(sections)) => {
                    format!("-t {tests} and -S {}", sections.join(","))
                }
                (Some(tests), None) => format!("-t {tests}"),
                (None, Some(sections)) => format!("-S {}", sections.join(",")),
                (None, None) => "the scope".to_owned(),
            },
            args.selection.scope.display()
        );
    }
    let checked_at = Utc::now();
    let run_id = RunId::new();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let source = gather(args, &scope, &plan, &assigned, output, &runtime, observe)?;
    if let Some(path) = &args.record {
        Snapshot::new(&source.cloud, source.facts.clone(), source.observed_at)
            .save(path)
            .map_err(anyhow::Error::msg)?;
    }
    let settings = probes::cluster::Settings {
        active: args.probes.active,
        read_only: args.probes.read_only,
        snapshot: source.snapshot.is_some(),
        timeout: Duration::from_secs(args.probes.probe_timeout),
        pod_image: &args.probes.pod_image,
        quiet: output.quiet,
    };
    let probed =
        probe(args, &plan, &source, &run_id, output, &runtime, observe).and_then(|mut probed| {
            probed.extend(runtime.block_on(probes::cluster::run_all(
                &plan.active_parts_needed(),
                source.cluster.as_ref(),
                &settings,
                &run_id,
            ))?);
            Ok(probed)
        });
    let probed = match probed {
        Ok(probed) => probed,
        // Carried up as an error so that `run` can exit with the signal's code.
        Err(interrupted) => return Err(anyhow::Error::new(interrupted)),
    };
    let Evaluation {
        mut testcases,
        per_version,
    } = evaluate(&plan, &source, &probed);
    let subject = args.subject.clone().unwrap_or_else(|| source.cloud.clone());
    let unused_waivers = waivers::apply(waivers, &scope, &subject, date, &mut testcases, |t| {
        t.status == Status::Fail
            || per_version
                .iter()
                .any(|((_, id), status)| *id == t.id && *status == Status::Fail)
    });
    let versions = report::summarise_versions(
        &plan.versions,
        |version, id| {
            per_version
                .get(&(version.to_owned(), id.to_owned()))
                .copied()
                .or_else(|| testcases.iter().find(|t| t.id == id).map(|t| t.status))
                .unwrap_or(Status::Missing)
        },
        |id| testcases.iter().any(|t| t.id == id && t.waived),
    );
    let (result, exit_code) = report::overall(&versions, args.critical_only);
    let report = RunReport {
        format: report::FORMAT.into(),
        format_version: report::FORMAT_VERSION,
        tool: report::ToolInfo {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        scope: report::ScopeInfo {
            name: scope.name.clone(),
            uuid: scope.uuid.clone(),
            url: scope.url.clone(),
            file: scope.path.display().to_string(),
        },
        subject,
        checked_at,
        reference_date: date,
        source: report::SourceInfo {
            kind: if source.snapshot.is_some() {
                "snapshot"
            } else {
                "live"
            }
            .into(),
            cloud: source.cloud.clone(),
            snapshot: source.snapshot.clone(),
        },
        run: report::RunInfo {
            uuid: run_id.uuid.to_string(),
            argv,
            assignment: assigned,
            sections: args.sections.clone(),
            forced_version: args.selection.version.clone(),
            forced_tests: args.tests.clone(),
            critical_only: args.critical_only,
        },
        testcases,
        versions,
        result,
        exit_code,
        unused_waivers,
    };
    Ok(report)
}

/// Prints the plan; returns the exit code.
pub fn plan(args: &PlanArgs) -> Result<i32> {
    let (scope, date, versions) = select(&args.selection)?;
    let plan = plan::build(&scope, versions, &Filter::default());
    if args.json {
        let json = plan::to_json(&scope, date, &plan);
        println!(
            "{}",
            serde_json::to_string_pretty(&json).expect("plan serialises")
        );
    } else {
        print!("{}", plan::render(&scope, date, &plan));
    }
    Ok(report::exit::PASS)
}
