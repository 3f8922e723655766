//! Runs the Kubernetes e2e tests in the cluster with `sonobuoy`, the way upstream's
//! `run_sonobuoy.py` does, and reads their results as facts:
//!
//! - conformance: `--mode=certified-conformance`; NetworkPolicy: `--e2e-focus NetworkPolicy`;
//!   both with `--plugin-env e2e.E2E_EXTRA_ARGS=--ginkgo.flake-attempts=2`; the scope variable
//!   `execution_mode` adds `--e2e-parallel=true` (`parallel`, the default) or
//!   `--plugin-env e2e.E2E_DRYRUN=true` (`dry`).
//! - `delete --wait`, `run --wait`, `retrieve --extract`, then `delete --wait` again; each run
//!   in its own namespace [`NAMESPACE`], so that deleting leftovers removes only scs-check's
//!   own runs: upstream's plain `sonobuoy delete` would remove anybody's run in the default
//!   `sonobuoy` namespace. The two suites run one after the other (they share the namespace).
//! - Results: the leaves of `plugins/e2e/sonobuoy_results.yaml` (status default `skipped`).
//!
//! Sonobuoy's own output (its progress) goes to our stderr. A step that fails, or a run that
//! outlasts its time, is the fact's error, so the testcase ABORTs with it.

use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::facts::{E2eResults, E2eTest, Fact, FactKind, Facts};

/// The namespace of scs-check's sonobuoy runs.
pub const NAMESPACE: &str = "scs-check-sonobuoy";
/// How long `delete --wait` and `retrieve` may take.
const STEP_TIME: Duration = Duration::from_secs(15 * 60);

/// What a run needs besides the suite.
pub struct Settings {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    /// The scope variable `execution_mode`: `parallel`, `serial` or `dry`.
    pub execution_mode: String,
    /// How long the e2e tests may run (`run --wait`).
    pub wait: Duration,
    /// Where results are kept (`<subject_root>/sono-results-…`, as upstream); else a
    /// temporary directory, removed afterwards.
    pub subject_root: Option<PathBuf>,
}

/// Where upstream finds `sonobuoy`: every `PATH` entry, then `~/.local/bin`.
pub fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let local_bin = std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/bin"));
    std::env::split_paths(&path)
        .chain(local_bin)
        .map(|dir| dir.join("sonobuoy"))
        .find(|candidate| candidate.is_file())
}

/// The e2e suites scs-check runs.
#[derive(Clone, Copy)]
enum Suite {
    Conformance,
    NetworkPolicy,
}

/// Runs the suites `kinds` asks for (other kinds are not sonobuoy's), one after the other.
pub fn gather(kinds: &[FactKind], settings: &Settings) -> Facts {
    let result = |suite| {
        Some(match run_suite(suite, settings) {
            Ok(results) => Fact::Ok(results),
            Err(reason) => Fact::Error(reason),
        })
    };
    let mut facts = Facts::default();
    if kinds.contains(&FactKind::E2eConformance) {
        facts.e2e_conformance = result(Suite::Conformance);
    }
    if kinds.contains(&FactKind::E2eNetworkPolicy) {
        facts.e2e_network_policy = result(Suite::NetworkPolicy);
    }
    facts
}

fn run_suite(suite: Suite, settings: &Settings) -> Result<E2eResults, String> {
    let sonobuoy = find().ok_or(
        "sonobuoy not found (neither on PATH nor in ~/.local/bin): install it from \
         https://github.com/vmware-tanzu/sonobuoy/releases; it needs cluster-admin rights",
    )?;
    let (suite_args, results_name): (&[&str], &str) = match suite {
        Suite::NetworkPolicy => (&["--e2e-focus", "NetworkPolicy"], "sono-results-0219"),
        Suite::Conformance => (&["--mode=certified-conformance"], "sono-results-e2e"),
    };
    let mode_args: &[&str] = match settings.execution_mode.as_str() {
        "parallel" => &["--e2e-parallel=true"],
        "serial" => &[],
        "dry" => &["--plugin-env", "e2e.E2E_DRYRUN=true"],
        other => {
            return Err(format!(
                "execution_mode `{other}` is none of parallel, serial, dry: fix -a execution_mode"
            ))
        }
    };
    let (results, temporary) = match &settings.subject_root {
        Some(root) => (root.join(results_name), false),
        None => (
            std::env::temp_dir().join(format!("scs-check-{results_name}-{}", std::process::id())),
            true,
        ),
    };
    let runner = Runner {
        sonobuoy: &sonobuoy,
        settings,
    };
    runner.step("delete", &["--wait"], STEP_TIME)?;
    let wait_minutes = settings.wait.as_secs().div_ceil(60).max(1);
    let mut run_args = vec![
        format!("--wait={wait_minutes}"),
        "--wait-output=progress".to_owned(),
        "--plugin-env".to_owned(),
        "e2e.E2E_EXTRA_ARGS=--ginkgo.flake-attempts=2".to_owned(),
    ];
    run_args.extend(suite_args.iter().chain(mode_args).map(|a| (*a).to_owned()));
    let run_args: Vec<&str> = run_args.iter().map(String::as_str).collect();
    let outcome = runner
        .step(
            "run",
            &run_args,
            settings.wait + Duration::from_secs(5 * 60),
        )
        .and_then(|()| {
            let _ = std::fs::remove_dir_all(&results);
            std::fs::create_dir_all(&results)
                .map_err(|e| format!("cannot create {}: {e}", results.display()))?;
            let dir = results.to_string_lossy();
            runner.step("retrieve", &[&dir, "--extract"], STEP_TIME)
        })
        .and_then(|()| read_results(&results, settings.execution_mode == "dry"));
    if let Err(reason) = runner.step("delete", &["--wait"], STEP_TIME) {
        tracing::warn!("{reason}; delete namespace {NAMESPACE} by hand");
    }
    if temporary {
        let _ = std::fs::remove_dir_all(&results);
    }
    outcome
}

struct Runner<'a> {
    sonobuoy: &'a Path,
    settings: &'a Settings,
}

impl Runner<'_> {
    /// `sonobuoy COMMAND ARGS --namespace … [--kubeconfig …] [--context …]`, its output on
    /// our stderr, stopped when it outlasts `time`.
    fn step(&self, command: &str, args: &[&str], time: Duration) -> Result<(), String> {
        let mut invocation = Command::new(self.sonobuoy);
        invocation
            .arg(command)
            .args(args)
            .args(["--namespace", NAMESPACE]);
        if let Some(kubeconfig) = &self.settings.kubeconfig {
            invocation.arg("--kubeconfig").arg(kubeconfig);
        }
        if let Some(context) = &self.settings.context {
            invocation.args(["--context", context]);
        }
        // Sonobuoy's stdout would disturb our reports there: to stderr, as upstream does.
        let stdout = std::io::stderr()
            .as_fd()
            .try_clone_to_owned()
            .map_or_else(|_| Stdio::null(), Stdio::from);
        let what = format!("`sonobuoy {command}`");
        let mut child = invocation
            .stdin(Stdio::null())
            .stdout(stdout)
            .spawn()
            .map_err(|e| format!("cannot start {what} ({}): {e}", self.sonobuoy.display()))?;
        let deadline = Instant::now() + time;
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => {
                    return Err(format!(
                        "{what} failed ({status}); its output is above (stderr)"
                    ))
                }
                Ok(None) if Instant::now() > deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!(
                        "{what} did not finish within {} minutes and was stopped; its tests may \
                         still run in namespace {NAMESPACE}: `sonobuoy status -n {NAMESPACE}`",
                        time.as_secs() / 60
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(200)),
                Err(e) => return Err(format!("{what}: {e}")),
            }
        }
    }
}

/// One node of `sonobuoy_results.yaml`: a plugin, a JUnit file, or a test (a leaf).
#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    name: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    items: Vec<Item>,
}

fn leaves(item: Item, tests: &mut Vec<E2eTest>) {
    if item.items.is_empty() {
        tests.push(E2eTest {
            name: item.name,
            status: item.status.unwrap_or_else(|| "skipped".to_owned()),
        });
    }
    for child in item.items {
        leaves(child, tests);
    }
}

fn read_results(dir: &Path, dry_run: bool) -> Result<E2eResults, String> {
    let file = dir.join("plugins/e2e/sonobuoy_results.yaml");
    let text = std::fs::read_to_string(&file).map_err(|e| {
        format!(
            "sonobuoy retrieved no e2e results: cannot read {}: {e}",
            file.display()
        )
    })?;
    let root: Item = serde_saphyr::from_str(&text)
        .map_err(|e| format!("{}: not sonobuoy results: {e}", file.display()))?;
    let mut tests = Vec::new();
    for child in root.items {
        leaves(child, &mut tests);
    }
    Ok(E2eResults { dry_run, tests })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_of_any_depth_are_tests_and_default_to_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plugins/e2e/sonobuoy_results.yaml");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(
            &file,
            "name: e2e\nstatus: failed\nmeta: {type: summary}\nitems:\n- name: junit_01.xml\n  \
             items:\n  - name: a\n    status: passed\n    details: {x: 1}\n  - name: b\n",
        )
        .unwrap();
        let results = read_results(dir.path(), false).unwrap();
        let got: Vec<(&str, &str)> = results
            .tests
            .iter()
            .map(|t| (t.name.as_str(), t.status.as_str()))
            .collect();
        assert_eq!(got, [("a", "passed"), ("b", "skipped")]);
    }
}
