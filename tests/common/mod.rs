//! Helpers shared by the integration tests: running the real binary in a clean home.

#![allow(dead_code)] // each test crate uses a different part

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn path(relative: &str) -> String {
    root().join(relative).display().to_string()
}

/// The binary with an empty HOME and no OS_* variables from the developer's shell, so
/// only what a test configures is seen (and anything written to HOME would show up).
pub fn scs_check(home: &Path) -> Command {
    Command::from_std(scs_check_process(home))
}

/// [`scs_check`] as a plain process, for tests that signal or kill it while it runs.
pub fn scs_check_process(home: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin!("scs-check"));
    for (key, _) in std::env::vars() {
        if key.starts_with("OS_") {
            command.env_remove(key);
        }
    }
    command
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("NO_COLOR", "1")
        // Wide enough that the table never wraps a message the tests look for.
        .env("COLUMNS", "1000")
        .current_dir(home);
    command
}

pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Files and directories below `dir` (relative paths, directories with a trailing `/`),
/// to show a run left nothing behind.
pub fn files_below(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.push(format!("{}/", path.strip_prefix(dir).unwrap().display()));
                stack.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    found.sort();
    found
}

/// Validates JUnit XML against the Jenkins/Ant schema with xmllint.
pub fn assert_valid_junit(file: &Path) {
    let output = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(root().join("tests/data/junit-10.xsd"))
        .arg(file)
        .output()
        .expect("xmllint is installed (Debian package libxml2-utils; .ci/run installs it)");
    assert!(
        output.status.success(),
        "JUnit XML does not validate: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `scs-check run SCOPE --json FILE ARGS…`; returns the exit code, the JSON report and
/// stdout.
pub fn run_report(scope: &str, args: &[&str]) -> (i32, Value, String) {
    let home = tempfile::tempdir().unwrap();
    let json = home.path().join("report.json");
    let output = scs_check(home.path())
        .args(["run", &path(scope), "--json"])
        .arg(&json)
        .args(args)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap_or_else(|e| {
            panic!("no JSON report ({e}); stdout: {stdout}\nstderr: {stderr}")
        }))
        .unwrap();
    (output.status.code().unwrap(), report, stdout)
}

/// One testcase of a JSON report.
pub fn testcase<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["testcases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in report"))
}

pub fn status_of<'a>(report: &'a Value, id: &str) -> &'a str {
    testcase(report, id)["status"].as_str().unwrap()
}

/// What the non-compliant project of the loopback tier breaks (tests/e2e/seed.py), checked
/// live in tests/e2e.rs and on its recording (fixtures/loopback-bad.json) in tests/cli.rs.
pub const LOOPBACK_BAD_FAILS: &[&str] = &[
    "scs-0103-flavor-1v-4",           // too little RAM
    "scs-0103-flavor-2v-8",           // no scs:cpu-type
    "scs-0103-flavor-4v-16",          // missing
    "scs-0103-flavor-2v-4-20s",       // scs:disk0-type network
    "scs-0100-semantics-check",       // bad-SCS-1V-4 claims SCS-1V-4 with half the RAM
    "scs-0114-syntax-check",          // aspect list not sorted
    "scs-0102-prop-architecture",     // its community image lacks most properties
    "scs-0104-source-ubuntu-2204",    // … and names a source Ubuntu does not publish from
    "scs-0123-service-load-balancer", // not in its catalog (endpoint filter)
];

/// What the non-compliant project still gets right.
pub const LOOPBACK_BAD_PASSES: &[&str] = &[
    "scs-0103-flavor-8v-32",
    "scs-0103-flavor-1l-1",
    "scs-0123-service-compute",
    "scs-0115-default-rules",
    "scs-0100-syntax-check",
];

/// Generates an ed25519 key pair with the real `ssh-keygen` (Debian package openssh-client)
/// as `dir/name` and `dir/name.pub`; returns the private key's path.
pub fn ssh_keygen_key(dir: &Path, name: &str, passphrase: Option<&str>) -> PathBuf {
    let key = dir.join(name);
    let status = std::process::Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-C",
            name,
            "-N",
            passphrase.unwrap_or(""),
            "-f",
        ])
        .arg(&key)
        .status()
        .expect("ssh-keygen is installed (Debian package openssh-client; .ci/run installs it)");
    assert!(status.success());
    key
}
