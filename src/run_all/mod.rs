//! The `run-all` command: every scope × subject of a preset, concurrently (at most `--jobs` at
//! a time), each an in-process `run` (`run::execute`); then one combined upstream report, the
//! per-run JSON and JUnit, a summary table, and optionally the signed upload of the combined
//! report. A subject that cannot be run is an error of that subject only. The runs tell their
//! states to the progress view (`progress`), which alone decides how they are shown.

mod config;
mod progress;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::cli::{
    RunAllArgs, RunArgs, Selection, DEFAULT_CONCURRENCY, DEFAULT_E2E_TIMEOUT_MINUTES,
};
use crate::report::{self, exit, RunReport};
use crate::report_command::{upload_reports, UploadSettings};
use crate::run::{self, Output};
use crate::scope;
use crate::waivers::Waivers;
use config::Job;
use progress::{Reporter, State};

/// Runs at the same time when neither `--jobs` nor the preset's `workers` say.
const DEFAULT_JOBS: u64 = 4;
/// The combined report's name in the output directory.
const COMBINED: &str = "report.yaml";
/// Mapping variables that are options of a run rather than scope variables.
const SNAPSHOT: &str = "snapshot";
const CONTEXT: &str = "context";
/// The upload of the combined report did not land (exit code of `run-all` only).
const NOT_UPLOADED: i32 = 5;

/// How one run ended.
struct Finished {
    job: Job,
    outcome: Result<RunReport, String>,
    took: Duration,
}

impl Finished {
    fn exit_code(&self) -> i32 {
        self.outcome.as_ref().map_or(exit::USAGE, |r| r.exit_code)
    }

    fn state(&self) -> State {
        match &self.outcome {
            Ok(report) => State::Done {
                result: report.result.as_str().to_owned(),
                exit_code: report.exit_code,
            },
            Err(error) => State::Error(error.clone()),
        }
    }

    fn result(&self) -> String {
        match &self.outcome {
            Ok(report) => report.result.as_str().to_owned(),
            Err(_) => "ERROR".to_owned(),
        }
    }
}

/// The worst of two exit codes of runs: usage error, failure, abort, missing, pass.
fn worse(a: i32, b: i32) -> i32 {
    let severity = |code| match code {
        exit::USAGE => 4,
        exit::FAIL => 3,
        exit::ABORT => 2,
        exit::MISSING => 1,
        _ => 0,
    };
    if severity(b) > severity(a) {
        b
    } else {
        a
    }
}

/// The `run` arguments of a job, and the command line that does the same (for the report).
fn run_args(job: &Job, args: &RunAllArgs, allowed_failures: &[PathBuf]) -> (RunArgs, Vec<String>) {
    let mut argv = vec![
        "run".to_owned(),
        job.spec.display().to_string(),
        "-s".to_owned(),
        job.subject.clone(),
    ];
    let mut assign = Vec::new();
    for (key, value) in &job.variables {
        match key.as_str() {
            SNAPSHOT => argv.extend(["--snapshot".to_owned(), value.clone()]),
            CONTEXT => argv.extend(["--context".to_owned(), value.clone()]),
            _ => {
                assign.push(format!("{key}={value}"));
                argv.extend(["-a".to_owned(), format!("{key}={value}")]);
            }
        }
    }
    if let Some(date) = args.date {
        argv.extend(["-d".to_owned(), date.to_string()]);
    }
    if let Some(sections) = &args.sections {
        argv.extend(["-S".to_owned(), sections.join(",")]);
    }
    for file in allowed_failures {
        argv.extend(["--allowed-failures".to_owned(), file.display().to_string()]);
    }
    // What changes what a run does to the cloud or cluster, so the recorded command does the same.
    argv.extend(args.probes.argv());
    let run = RunArgs {
        selection: Selection {
            scope: job.spec.clone(),
            version: None,
            date: args.date,
        },
        subject: Some(job.subject.clone()),
        assign,
        os_cloud: None,
        kubeconfig: None,
        context: job.variables.get(CONTEXT).cloned(),
        tests: None,
        sections: args.sections.clone(),
        critical_only: false,
        allowed_failures: allowed_failures.to_vec(),
        output: None,
        junit: None,
        json: None,
        snapshot: job.variables.get(SNAPSHOT).map(PathBuf::from),
        record: None,
        timeout: args.timeout,
        concurrency: DEFAULT_CONCURRENCY,
        e2e_timeout: DEFAULT_E2E_TIMEOUT_MINUTES,
        probes: args.probes.clone(),
    };
    (run, argv)
}

/// What every run of a batch shares.
struct Shared<'a> {
    args: &'a RunAllArgs,
    allowed_failures: &'a [PathBuf],
    waivers: &'a Waivers,
}

/// Runs the jobs on `workers` threads; results in the order of `jobs`.
fn run_jobs(jobs: &[Job], workers: usize, shared: &Shared, reporter: &Reporter) -> Vec<Finished> {
    let next = AtomicUsize::new(0);
    let results: Mutex<BTreeMap<usize, Finished>> = Mutex::new(BTreeMap::new());
    // The runs print nothing themselves: the progress lines and the summary speak for them.
    let silent = Output {
        verbose: 0,
        quiet: true,
    };
    std::thread::scope(|scope| {
        for _ in 0..workers.min(jobs.len()) {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::SeqCst);
                let Some(job) = jobs.get(index) else { break };
                reporter.event(index, State::Starting);
                let started = Instant::now();
                let (run_args, argv) = run_args(job, shared.args, shared.allowed_failures);
                let observe = |phase| reporter.event(index, State::Running(phase));
                // A bug in one run (a panic) is that run's error, not the end of the others.
                let outcome = std::panic::catch_unwind(|| {
                    run::execute_observed(&run_args, argv, &silent, shared.waivers, &observe)
                })
                .unwrap_or_else(|_| {
                    Err(anyhow::anyhow!(
                        "scs-check crashed on this run (a bug: please report it with the \
                             message above)"
                    ))
                })
                .map_err(|e| format!("{e:#}"));
                let finished = Finished {
                    job: job.clone(),
                    outcome,
                    took: started.elapsed(),
                };
                reporter.event(index, finished.state());
                results
                    .lock()
                    .expect("no worker panics")
                    .insert(index, finished);
            });
        }
    });
    results
        .into_inner()
        .expect("no worker panics")
        .into_values()
        .collect()
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// The per-run JSON and JUnit files, and the combined report; returns its path.
fn write_reports(dir: &Path, finished: &[Finished]) -> Result<PathBuf> {
    let mut combined = String::new();
    for run in finished {
        let Ok(report) = &run.outcome else { continue };
        combined.push_str(&report::upstream_yaml::render(report));
        let subject_dir = dir.join(&run.job.subject);
        std::fs::create_dir_all(&subject_dir)
            .with_context(|| format!("cannot create {}", subject_dir.display()))?;
        write(
            &subject_dir.join(format!("{}.json", run.job.scope)),
            &run::to_json(report),
        )?;
        write(
            &subject_dir.join(format!("{}.junit.xml", run.job.scope)),
            &report::junit::render(report),
        )?;
    }
    let path = dir.join(COMBINED);
    write(&path, &combined)?;
    Ok(path)
}

/// Subject × scope → result and exit code, as a Markdown table (readable in logs too).
fn summary(finished: &[Finished], exit_code: i32) -> String {
    let cell = |text: &str| text.replace('|', "\\|").replace('\n', " ");
    let mut out = String::from(
        "| subject | scope | result | exit code | seconds | note |\n|---|---|---|---|---|---|\n",
    );
    for run in finished {
        let note = match &run.outcome {
            Ok(report) => {
                let waived = report.testcases.iter().filter(|t| t.waived).count();
                let waived = match waived {
                    0 => String::new(),
                    n => format!(", {n} failures waived"),
                };
                format!("{} run {}{waived}", report.source.kind, report.run.uuid)
            }
            Err(error) => error.clone(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.1} | {} |\n",
            cell(&run.job.subject),
            cell(&run.job.scope),
            run.result(),
            run.exit_code(),
            run.took.as_secs_f64(),
            cell(&note)
        ));
    }
    out.push_str(&format!("\nExit code of run-all: {exit_code}\n"));
    out
}

/// The allowed failures of every run, checked before anything runs: a testcase entry must
/// name a testcase of one of the batch's scopes (a scope that does not load is that run's
/// error, reported with it).
fn load_waivers(files: &[PathBuf], jobs: &[Job]) -> Result<Waivers> {
    let waivers = Waivers::load(files)?;
    if !waivers.is_empty() {
        let mut specs: Vec<&PathBuf> = jobs.iter().map(|j| &j.spec).collect();
        specs.sort();
        specs.dedup();
        let scopes: Vec<scope::Scope> = specs
            .into_iter()
            .filter_map(|s| scope::load(s).ok())
            .collect();
        waivers.check_testcases(&scopes.iter().collect::<Vec<_>>())?;
    }
    Ok(waivers)
}

pub fn run(args: &RunAllArgs, output: &Output) -> Result<i32> {
    let batch = config::load(&args.config, &args.preset, &args.subjects)?;
    let allowed_failures: Vec<PathBuf> = batch
        .allowed_failures
        .iter()
        .chain(&args.allowed_failures)
        .cloned()
        .collect();
    let waivers = load_waivers(&allowed_failures, &batch.jobs)?;
    std::fs::create_dir_all(&args.output).with_context(|| {
        format!(
            "cannot create the output directory {}",
            args.output.display()
        )
    })?;
    let workers = args.jobs.or(batch.workers).unwrap_or(DEFAULT_JOBS) as usize;
    let labels = batch
        .jobs
        .iter()
        .map(|job| format!("[{}] {}", job.subject, job.scope))
        .collect();
    let reporter = Reporter::new(labels, output.quiet, std::io::stderr().is_terminal());
    let shared = Shared {
        args,
        allowed_failures: &allowed_failures,
        waivers: &waivers,
    };
    let finished = run_jobs(&batch.jobs, workers, &shared, &reporter);
    // The live view's last line ends before anything else is printed.
    drop(reporter);
    let mut exit_code = finished
        .iter()
        .map(Finished::exit_code)
        .fold(exit::PASS, worse);
    let combined = write_reports(&args.output, &finished)?;
    let documents = finished.iter().filter(|f| f.outcome.is_ok()).count();
    if documents == 0 && args.upload {
        eprintln!(
            "{}: no run produced a report; nothing uploaded",
            combined.display()
        );
    } else if let Some(monitor) = args.monitor() {
        let settings = UploadSettings {
            timeout: Duration::from_secs(60),
            tries: 3,
            quiet: output.quiet,
        };
        if !upload_reports(&monitor, &[combined], &settings)? {
            exit_code = NOT_UPLOADED;
        }
    }
    let summary = summary(&finished, exit_code);
    write(&args.output.join("summary.md"), &summary)?;
    if !output.quiet {
        print!("{summary}");
    }
    Ok(exit_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_exit_code_wins() {
        let worst = |codes: &[i32]| codes.iter().copied().fold(exit::PASS, worse);
        assert_eq!(worst(&[0, 4, 3]), exit::ABORT);
        assert_eq!(worst(&[3, 1, 4]), exit::FAIL);
        assert_eq!(worst(&[1, 2, 0]), exit::USAGE);
        assert_eq!(worst(&[0, 4]), exit::MISSING);
        assert_eq!(worst(&[]), exit::PASS);
    }
}
