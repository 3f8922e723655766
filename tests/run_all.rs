//! `run-all` (the real binary): several subjects from recorded snapshots in parallel, one of
//! them broken; the combined multi-document report, the per-run files, the summary and the
//! exit code; the signed upload of the combined report to the fake compliance monitor.

mod common;
#[path = "common/monitor.rs"]
mod monitor;

use std::path::Path;

use common::{assert_valid_junit, path, scs_check, text};
use monitor::{Setup, ACCOUNT, PASSWORD};
use serde_json::Value;

/// Three subjects replaying snapshots (exit codes 4, 1, 1) and, in preset `with-broken`, one
/// whose cloud is in no clouds.yaml.
fn write_config(dir: &Path) -> std::path::PathBuf {
    let config = format!(
        r#"
[presets.default]
scopes = ["scs-compatible-iaas"]
subjects = ["delegated-good", "delegated-demo", "{ACCOUNT}"]
workers = 2

[presets.with-broken]
scopes = ["scs-compatible-iaas"]
subjects = ["delegated-good", "broken", "delegated-demo", "{ACCOUNT}"]

[presets.broken-only]
scopes = ["scs-compatible-iaas"]
subjects = ["broken"]

[scopes.scs-compatible-iaas]
spec = "{scope}"

[subjects._.mapping]
os_cloud = "{{subject}}"
snapshot = "{fixtures}/{{subject}}.json"

[subjects.delegated-good.mapping]
snapshot = "{fixtures}/compliant-cloud.json"

[subjects.delegated-demo.mapping]
snapshot = "{fixtures}/demo-cloud.json"

[subjects.{ACCOUNT}.mapping]
snapshot = "{fixtures}/noncompliant-images.json"

[subjects.broken.mapping]
os_cloud = "no-such-cloud"
snapshot = ""
"#,
        scope = path("scopes/scs-compatible-iaas.yaml"),
        fixtures = path("fixtures"),
    );
    let file = dir.join("config.toml");
    std::fs::write(&file, config).unwrap();
    file
}

fn documents(file: &Path) -> Vec<Value> {
    serde_saphyr::from_multiple(&std::fs::read_to_string(file).unwrap()).unwrap()
}

#[test]
fn a_broken_subject_stops_no_other_and_the_reports_combine() {
    let home = tempfile::tempdir().unwrap();
    let config = write_config(home.path());
    let output = scs_check(home.path())
        .args(["run-all", "--config"])
        .arg(&config)
        .args(["--preset", "with-broken", "--jobs", "3", "-o", "out"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    // The broken subject's usage error is the worst exit code.
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    let row = |subject: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("| {subject} |")))
            .unwrap_or_else(|| panic!("no row for {subject}: {stdout}"))
            .to_owned()
    };
    // Its probe testcases cannot run from a snapshot: undecided, exit 3.
    assert!(row("delegated-good").contains("| ABORT | 3 |"), "{stdout}");
    assert!(row("delegated-demo").contains("| FAIL | 1 |"), "{stdout}");
    assert!(row(ACCOUNT).contains("| FAIL | 1 |"), "{stdout}");
    let broken = row("broken");
    assert!(broken.contains("| ERROR | 2 |"), "{broken}");
    assert!(broken.contains("no-such-cloud"), "{broken}");
    assert!(stdout.contains("Exit code of run-all: 2"), "{stdout}");
    // Progress per run on stderr.
    assert!(
        stderr.contains("[broken] scs-compatible-iaas: ERROR"),
        "{stderr}"
    );
    assert!(stderr.contains("(4/4 done)"), "{stderr}");

    // One document per run that produced a report, in the preset's order.
    let out = home.path().join("out");
    let docs = documents(&out.join("report.yaml"));
    let subjects: Vec<&str> = docs
        .iter()
        .map(|d| d["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["delegated-good", "delegated-demo", ACCOUNT]);
    // Each document records the `run` command line that does the same.
    let argv = docs[1]["run"]["argv"].as_array().unwrap();
    assert_eq!(argv[0], "run");
    assert!(argv.iter().any(|a| a == "--snapshot"), "{argv:?}");
    for subject in ["delegated-good", "delegated-demo", ACCOUNT] {
        let json: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(subject).join("scs-compatible-iaas.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(json["subject"], subject);
        assert_valid_junit(&out.join(subject).join("scs-compatible-iaas.junit.xml"));
    }
    assert!(!out.join("broken").exists());
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("| broken | scs-compatible-iaas | ERROR | 2 |"));
}

#[test]
fn off_a_terminal_progress_is_one_plain_line_per_state_change_and_q_silences_it() {
    let home = tempfile::tempdir().unwrap();
    let config = write_config(home.path());
    let run_all = |extra: &[&str]| {
        scs_check(home.path())
            .args(["run-all", "--config"])
            .arg(&config)
            .args(["--preset", "with-broken", "--jobs", "2", "-o", "out"])
            .args(extra)
            .output()
            .unwrap()
    };
    let output = run_all(&[]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    assert!(!stderr.contains('\x1b'), "escape codes: {stderr:?}");
    let states = |subject: &str| -> Vec<String> {
        let prefix = format!("[{subject}] scs-compatible-iaas: ");
        stderr
            .lines()
            .filter_map(|l| l.strip_prefix(&prefix))
            .map(|rest| rest.split([',', ':']).next().unwrap().to_owned())
            .collect()
    };
    // Snapshot runs read their facts and end with the verdict; the broken subject fails while
    // starting. Each state once, in order.
    for subject in ["delegated-good", "delegated-demo", ACCOUNT] {
        assert_eq!(
            states(subject),
            ["queued", "starting", "reading facts", "done"],
            "{stderr}"
        );
    }
    assert_eq!(
        states("broken"),
        ["queued", "starting", "ERROR (exit code 2)"],
        "{stderr}"
    );
    assert!(
        stderr.contains("[delegated-demo] scs-compatible-iaas: done: FAIL (exit code 1), "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().filter(|l| l.ends_with("done)")).count(), 4);

    let output = run_all(&["-q"]);
    assert_eq!(output.status.code(), Some(2));
    let (stdout, stderr) = text(&output);
    assert!(stderr.is_empty(), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
}

#[test]
fn config_mistakes_are_usage_errors_before_anything_runs() {
    let home = tempfile::tempdir().unwrap();
    let config = write_config(home.path());
    let output = scs_check(home.path())
        .args(["run-all", "--config"])
        .arg(&config)
        .args(["--preset", "nightly"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let (_, stderr) = text(&output);
    assert!(
        stderr.contains("no preset \"nightly\"; the file has: broken-only, default, with-broken"),
        "{stderr}"
    );
    assert!(!home.path().join("reports").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_combined_report_is_signed_and_uploaded_once() {
    let setup = Setup::new();
    let server = setup.monitor(0).await;
    let config = write_config(setup.dir.path());
    let run_all = |password_file: &str, preset: &str| {
        let mut command = scs_check(setup.dir.path());
        command
            .args(["run-all", "--config"])
            .arg(&config)
            .args(["--preset", preset])
            .args(["-o", "out", "--upload", "--monitor", &server.uri()])
            .args(["--account", ACCOUNT, "--key"])
            .arg(setup.path("key"))
            .args(["--password-file", password_file]);
        async move {
            let output = tokio::task::spawn_blocking(move || command.output().unwrap())
                .await
                .unwrap();
            let (stdout, stderr) = text(&output);
            (output.status.code().unwrap(), stdout, stderr)
        }
    };

    let (code, stdout, stderr) = run_all(setup.path("password").to_str().unwrap(), "default").await;
    // The worst run failed; the upload landed.
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("report.yaml: accepted by"), "{stdout}");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let combined = std::fs::read(setup.path("out/report.yaml")).unwrap();
    assert!(requests[0].body.ends_with(&combined));
    assert_eq!(documents(&setup.path("out/report.yaml")).len(), 3);

    // A refused upload is exit code 5, whatever the runs said; the password is never shown.
    let wrong = setup.path("wrong-password");
    std::fs::write(&wrong, "Wr0ng-Secret-pw").unwrap();
    let (code, stdout, stderr) = run_all(wrong.to_str().unwrap(), "default").await;
    assert_eq!(code, 5, "{stdout}{stderr}");
    assert!(stderr.contains("NOT uploaded"), "{stderr}");
    for secret in ["Wr0ng-Secret-pw", PASSWORD] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
    }

    // No run produced a report: nothing is sent (the monitor would refuse an empty file).
    let before = server.received_requests().await.unwrap().len();
    let (code, _, stderr) = run_all(setup.path("password").to_str().unwrap(), "broken-only").await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("no run produced a report; nothing uploaded"),
        "{stderr}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), before);
}

#[test]
fn upload_options_need_upload_and_upload_needs_them() {
    let home = tempfile::tempdir().unwrap();
    let config = write_config(home.path());
    let config = config.to_str().unwrap();
    for args in [vec!["--upload"], vec!["--monitor", "https://m.example/"]] {
        let output = scs_check(home.path())
            .args(["run-all", "--config", config])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!home.path().join("reports").exists());
    }
}
