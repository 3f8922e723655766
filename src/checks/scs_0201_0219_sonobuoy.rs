//! scs-0201-v1 "CNCF Kubernetes conformance" (testcase `cncf-k8s-conformance`) and scs-0219-v1
//! "KaaS networking" (testcase `kaas-networking-check`): both are decided by Kubernetes e2e
//! tests that upstream runs in the cluster with `sonobuoy` (certified-conformance mode, and
//! the `NetworkPolicy` focus).
//!
//! scs-check does not drive sonobuoy yet, so these testcases always ABORT, never PASS: with
//! "sonobuoy not found" when the binary is neither on `PATH` nor in `~/.local/bin` (where
//! upstream also looks), else with what to run instead.

use std::path::PathBuf;

use super::{Check, Context, Outcome};
use crate::facts::{FactUnavailable, Facts};

pub const CONFORMANCE: Check = Check {
    name: "scs-0201-cncf-conformance",
    standard: "scs-0201-v1",
    reads: &[],
    testcases: || vec!["cncf-k8s-conformance".to_owned()],
    evaluate,
};

pub const NETWORKING: Check = Check {
    name: "scs-0219-kaas-networking",
    standard: "scs-0219-v1",
    reads: &[],
    testcases: || vec!["kaas-networking-check".to_owned()],
    evaluate,
};

/// Where upstream finds `sonobuoy`: every `PATH` entry, then `~/.local/bin`.
fn find_sonobuoy() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let local_bin = std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/bin"));
    std::env::split_paths(&path)
        .chain(local_bin)
        .map(|dir| dir.join("sonobuoy"))
        .find(|candidate| candidate.is_file())
}

fn evaluate(testcase: &str, _: &Context, _: &Facts) -> Result<Outcome, FactUnavailable> {
    let run = "upstream's Tests/kaas/sonobuoy_handler/run_sonobuoy.py";
    Ok(Outcome::abort(match find_sonobuoy() {
        None => format!(
            "sonobuoy not found (neither on PATH nor in ~/.local/bin); {testcase} needs the \
             Kubernetes e2e tests run in the cluster: install sonobuoy and run {run}"
        ),
        Some(path) => format!(
            "scs-check does not run sonobuoy ({}) yet; decide {testcase} with {run}",
            path.display()
        ),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Verdict;

    #[test]
    fn never_passes() {
        for check in [CONFORMANCE, NETWORKING] {
            let testcase = &(check.testcases)()[0];
            let outcome = check.run(testcase, &Context::default(), &Facts::default());
            assert_eq!(outcome.verdict, Verdict::Abort);
            assert!(outcome.findings[0].message.contains("sonobuoy"));
        }
    }
}
