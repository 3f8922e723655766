//! The `run-all` command: every scope × subject of a preset, concurrently (at most `--jobs` at
//! a time), each an in-process `run` (`run::execute`); then one combined upstream report, the
//! per-run JSON and JUnit, a summary table, and optionally the signed upload of the combined
//! report. A subject that cannot be run is an error of that subject only.

mod config;

use std::collections::BTreeMap;
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
use config::Job;

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
fn run_args(job: &Job, args: &RunAllArgs) -> (RunArgs, Vec<String>) {
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
        output: None,
        junit: None,
        json: None,
        snapshot: job.variables.get(SNAPSHOT).map(PathBuf::from),
        record: None,
        timeout: args.timeout,
        concurrency: DEFAULT_CONCURRENCY,
        e2e_timeout: DEFAULT_E2E_TIMEOUT_MINUTES,
        read_only: args.read_only,
        probe_timeout: args.probe_timeout,
        probe_image: args.probe_image.clone(),
        probe_flavor: args.probe_flavor.clone(),
    };
    (run, argv)
}

/// Progress lines on stderr, one when a run starts and one when it ends.
struct Progress {
    quiet: bool,
    total: usize,
    done: AtomicUsize,
}

impl Progress {
    fn started(&self, job: &Job) {
        if !self.quiet {
            eprintln!("[{}] {}: running", job.subject, job.scope);
        }
    }

    fn finished(&self, finished: &Finished) {
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        if self.quiet {
            return;
        }
        let job = &finished.job;
        let how = match &finished.outcome {
            Ok(report) => format!(
                "{} (exit code {})",
                report.result.as_str(),
                report.exit_code
            ),
            Err(error) => format!("ERROR (exit code {}): {error}", exit::USAGE),
        };
        eprintln!(
            "[{}] {}: {how}, {:.1} s ({done}/{} done)",
            job.subject,
            job.scope,
            finished.took.as_secs_f64(),
            self.total
        );
    }
}

/// Runs the jobs on `workers` threads; results in the order of `jobs`.
fn run_jobs(jobs: &[Job], workers: usize, args: &RunAllArgs, progress: &Progress) -> Vec<Finished> {
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
                progress.started(job);
                let started = Instant::now();
                let (run_args, argv) = run_args(job, args);
                // A bug in one run (a panic) is that run's error, not the end of the others.
                let outcome = std::panic::catch_unwind(|| run::execute(&run_args, argv, &silent))
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
                progress.finished(&finished);
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
            Ok(report) => format!("{} run {}", report.source.kind, report.run.uuid),
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

pub fn run(args: &RunAllArgs, output: &Output) -> Result<i32> {
    let batch = config::load(&args.config, &args.preset, &args.subjects)?;
    std::fs::create_dir_all(&args.output).with_context(|| {
        format!(
            "cannot create the output directory {}",
            args.output.display()
        )
    })?;
    let workers = args.jobs.or(batch.workers).unwrap_or(DEFAULT_JOBS) as usize;
    let progress = Progress {
        quiet: output.quiet,
        total: batch.jobs.len(),
        done: AtomicUsize::new(0),
    };
    let finished = run_jobs(&batch.jobs, workers, args, &progress);
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
