//! Allowed failures (`--allowed-failures`, run-all's `allowed_failures`) with the real binary
//! on the fixture snapshots: exit codes, what every report shows, expiry, ABORTs that stay
//! ABORTs, e2e entries for the KaaS suites, usage errors with their place, run-all.

mod common;

use std::path::{Path, PathBuf};

use common::{assert_valid_junit, path, scs_check, status_of, testcase, text};
use serde_json::Value;

const IAAS: &str = "scopes/scs-compatible-iaas.yaml";
const KAAS: &str = "scopes/scs-compatible-kaas.yaml";
/// The testcases scs-check decides natively from a snapshot (no probes, no missing ones), so
/// that only failures decide the exit code.
const NATIVE: &str =
    "scs-0100-|scs-0101-(flavor|image)-property|scs-0102-|scs-0103-flavor|scs-0104-|scs-011[45]|scs-0123-";
/// The reference date of every run here, so that expiry dates are fixed.
const DATE: &str = "2026-11-21";

/// `scs-check run SCOPE -d DATE ARGS…` in `dir`; the exit code, stdout and stderr.
fn run(dir: &Path, scope: &str, args: &[&str]) -> (i32, String, String) {
    let output = scs_check(dir)
        .args(["run", &path(scope), "-d", DATE])
        .args(args)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    (output.status.code().unwrap(), stdout, stderr)
}

fn json(file: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

/// The ids of the selected testcases of a JSON report with `status`.
fn with_status(report: &Value, status: &str) -> Vec<String> {
    report["testcases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == status)
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

/// An allowed-failures file waiving `ids`, each until `expires` except where `special` says.
fn waiver_file(dir: &Path, ids: &[String], expires: &str, special: &[(&str, &str)]) -> PathBuf {
    let mut text = String::from("# waivers of the demo cloud\nallowed_failures:\n");
    for id in ids {
        let expires = special
            .iter()
            .find(|(special, _)| special == id)
            .map_or(expires, |(_, date)| date);
        text.push_str(&format!(
            "  - testcase: {id}\n    reason: ticket OPS-{}\n    expires: {expires}\n",
            id.len()
        ));
    }
    let file = dir.join("waivers.yaml");
    std::fs::write(&file, text).unwrap();
    file
}

/// The failing testcases of the demo cloud's native testcases, from a run without waivers,
/// those of a binding version's main target first.
fn demo_failures(dir: &Path) -> Vec<String> {
    let (code, _, _) = run(
        dir,
        IAAS,
        &[
            "--snapshot",
            &path("fixtures/demo-cloud.json"),
            "-t",
            NATIVE,
            "--json",
            "plain.json",
        ],
    );
    assert_eq!(code, 1);
    let report = json(&dir.join("plain.json"));
    let mut failures = with_status(&report, "FAIL");
    assert!(failures.len() >= 5, "{failures:?}");
    let binding_main: Vec<&Value> = report["versions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["binding"] == true)
        .flat_map(|v| v["targets"].as_array().unwrap())
        .filter(|t| t["name"] == "main")
        .flat_map(|t| t["testcases"].as_array().unwrap())
        .collect();
    failures.sort_by_key(|id| !binding_main.iter().any(|t| *t == id.as_str()));
    failures
}

#[test]
fn a_noncompliant_cloud_with_every_failure_waived_exits_0_and_every_report_says_why() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let failures = demo_failures(dir);
    let waivers = waiver_file(dir, &failures, "2026-12-31", &[]);
    let (code, table, stderr) = run(
        dir,
        IAAS,
        &[
            "--snapshot",
            &path("fixtures/demo-cloud.json"),
            "-t",
            NATIVE,
            "--allowed-failures",
            &waivers.display().to_string(),
            "--json",
            "result.json",
            "--junit",
            "run.xml",
            "-o",
            "run.yaml",
        ],
    );
    assert_eq!(code, 0, "{table}{stderr}");

    // The facts stay: every failure is still FAIL, marked waived.
    let report = json(&dir.join("result.json"));
    assert_eq!(report["result"], "PASS");
    let mut failed = with_status(&report, "FAIL");
    failed.sort();
    let mut waived = failures.clone();
    waived.sort();
    assert_eq!(failed, waived);
    for id in &failures {
        let testcase = testcase(&report, id);
        assert_eq!(testcase["waived"], true, "{id}");
        assert_eq!(testcase["waivers"][0]["expires"], "2026-12-31");
        assert_eq!(testcase["waivers"][0]["expired"], false);
    }
    let v51 = report["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "v5.1")
        .unwrap();
    assert_eq!(v51["result"], "PASS");
    assert_eq!(v51["targets"][0]["counts"]["fail"], 0);
    assert!(v51["targets"][0]["counts"]["waived"].as_u64().unwrap() > 0);

    // The table marks them and says until when and why.
    let first = &failures[0];
    let row = table
        .lines()
        .find(|l| l.contains(first.as_str()))
        .unwrap_or_else(|| panic!("no row for {first}: {table}"));
    assert!(row.contains("FAIL (waived)"), "{row}");
    assert!(
        row.contains(&format!(
            "waived until 2026-12-31: ticket OPS-{} [{}:",
            first.len(),
            waivers.display()
        )),
        "{row}"
    );
    assert!(table.contains("Waived"), "{table}");
    assert!(table.contains("Result: PASS (exit code 0)"), "{table}");

    // The compliance monitor gets the true result: -1, with the waiver as an INFO line.
    let yaml: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(dir.join("run.yaml")).unwrap()).unwrap();
    let invocations = yaml["run"]["invocations"].as_object().unwrap();
    let results: Vec<(&String, &Value)> = invocations
        .values()
        .flat_map(|i| i["results"].as_object().unwrap())
        .collect();
    for id in &failures {
        let result = results.iter().find(|(k, _)| *k == id).unwrap().1;
        assert_eq!(result.as_i64(), Some(-1), "{id} stays FAIL for the monitor");
    }
    let info = format!(
        "INFO: {first}: local allowed failure, the result here stays FAIL: waived until 2026-12-31"
    );
    assert!(
        invocations
            .values()
            .flat_map(|i| i["stderr"].as_array().unwrap())
            .any(|line| line.as_str().unwrap().starts_with(&info)),
        "{invocations:?}"
    );

    // JUnit keeps a failure, of type WAIVED_FAIL, and stays valid.
    assert_valid_junit(&dir.join("run.xml"));
    let junit = std::fs::read_to_string(dir.join("run.xml")).unwrap();
    assert!(
        junit.contains(
            "<failure type=\"WAIVED_FAIL\" message=\"FAIL (waived until 2026-12-31: ticket OPS-"
        ),
        "{junit}"
    );
    assert!(
        junit.contains(&format!("<property name=\"waived.{first}\"")),
        "{junit}"
    );

    // `report render` reproduces all of it from the saved result.
    let render = |format: &str| {
        let output = scs_check(dir)
            .args(["report", "render", "result.json", "--format", format])
            .output()
            .unwrap();
        assert!(output.status.success());
        text(&output).0
    };
    assert_eq!(render("table"), table);
    assert_eq!(render("junit"), junit);
    let markdown = render("markdown");
    assert!(!markdown.contains("### Failures"), "{markdown}");
    assert!(
        markdown.contains("### Waived failures (allowed until their expiry) ("),
        "{markdown}"
    );
    assert!(markdown.contains("| waived |"), "{markdown}");
    assert!(
        markdown.contains("**FAIL (waived until 2026-12-31: ticket OPS-"),
        "{markdown}"
    );
    let html = render("html");
    std::fs::write(dir.join("page.html"), &html).unwrap();
    let check = std::process::Command::new("xmllint")
        .args(["--html", "--noout"])
        .arg(dir.join("page.html"))
        .output()
        .expect("xmllint is installed (Debian package libxml2-utils)");
    assert!(
        check.status.success() && check.stderr.is_empty(),
        "{check:?}"
    );
    assert!(
        html.contains(
            "<td class=\"verdict FAIL waived\">FAIL (waived until 2026-12-31: ticket OPS-"
        ),
        "{html}"
    );
    let rendered_yaml: Value = serde_saphyr::from_str(&render("yaml")).unwrap();
    assert_eq!(
        rendered_yaml["run"]["invocations"]
            .as_object()
            .unwrap()
            .len(),
        invocations.len()
    );
}

#[test]
fn an_expired_waiver_stops_applying_after_its_day_and_says_so() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let failures = demo_failures(dir);
    let snapshot = path("fixtures/demo-cloud.json");
    // A failure of a binding main target: its waiver decides the exit code.
    let (last, day_before) = (&failures[0], "2026-11-20");

    // Expiring on the reference date itself: still applies.
    let waivers = waiver_file(dir, &failures, "2026-12-31", &[(last, DATE)]);
    let waivers = waivers.display().to_string();
    let args = [
        "--snapshot",
        &snapshot,
        "-t",
        NATIVE,
        "--allowed-failures",
        &waivers,
    ];
    let (code, table, _) = run(dir, IAAS, &args);
    assert_eq!(code, 0, "{table}");

    // Expired the day before: the FAIL counts again, and every report says so.
    waiver_file(dir, &failures, "2026-12-31", &[(last, day_before)]);
    let (code, table, _) = run(dir, IAAS, &[&args[..], &["--json", "result.json"]].concat());
    assert_eq!(code, 1, "{table}");
    let row = table.lines().find(|l| l.contains(last.as_str())).unwrap();
    assert!(row.contains("FAIL (waiver expired)"), "{row}");
    assert!(
        row.contains(&format!(
            "waiver expired on {day_before} (ticket OPS-{}); the FAIL counts",
            last.len()
        )),
        "{row}"
    );
    let report = json(&dir.join("result.json"));
    assert_eq!(report["result"], "FAIL");
    assert_eq!(testcase(&report, last)["waived"], false);
    assert_eq!(testcase(&report, last)["waivers"][0]["expired"], true);
    let markdown = scs_check(dir)
        .args(["report", "render", "result.json", "--format", "markdown"])
        .output()
        .unwrap();
    let markdown = text(&markdown).0;
    assert!(
        markdown.contains(&format!("**FAIL (waiver expired on {day_before})**")),
        "{markdown}"
    );
}

#[test]
fn an_abort_is_never_waived_and_the_entry_is_reported_unused() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    // From a snapshot the probe testcase cannot run: ABORT.
    let probe = "scs-0116-permissions".to_owned();
    let waivers = waiver_file(dir, std::slice::from_ref(&probe), "2026-12-31", &[]);
    let (code, table, _) = run(
        dir,
        IAAS,
        &[
            "--snapshot",
            &path("fixtures/compliant-cloud.json"),
            "-t",
            &format!("{NATIVE}|{probe}"),
            "--allowed-failures",
            &waivers.display().to_string(),
            "--json",
            "result.json",
        ],
    );
    assert_eq!(code, 3, "{table}");
    let report = json(&dir.join("result.json"));
    assert_eq!(status_of(&report, &probe), "ABORT");
    assert_eq!(testcase(&report, &probe)["waived"], false);
    let unused = &report["unused_waivers"][0];
    assert_eq!(unused["testcase"], probe.as_str());
    assert!(
        unused["note"].as_str().unwrap().contains("ABORT"),
        "{unused}"
    );
    assert!(
        table.contains(&format!("note: unused waiver testcase {probe} [")),
        "{table}"
    );
}

#[test]
fn mistakes_in_an_allowed_failures_file_are_usage_errors_naming_the_place() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let snapshot = path("fixtures/demo-cloud.json");
    let cases = [
        (
            "allowed_failures:\n  - testcase: scs-0103-flavor-4v-8\n    reason: r\n    expires: 2026-12-31\n  - testcase: scs-0103-flavor-4v-9\n    reason: r\n    expires: 2026-12-31\n",
            "w.yaml:5:5: testcase scs-0103-flavor-4v-9 is not a testcase of SCS-compatible IaaS",
        ),
        (
            "allowed_failures:\n  - testcase: scs-0103-flavor-4v-8\n    reason: r\n",
            "w.yaml:2:5: the entry has no expiry date",
        ),
        (
            "allowed_failures:\n  - testcase: scs-0103-flavor-4v-8\n    reason: r\n    expires: 2026-02-30\n",
            "w.yaml:4:14: expires `2026-02-30` is not a date",
        ),
    ];
    for (text, error) in cases {
        std::fs::write(dir.join("w.yaml"), text).unwrap();
        let (code, stdout, stderr) = run(
            dir,
            IAAS,
            &["--snapshot", &snapshot, "--allowed-failures", "w.yaml"],
        );
        assert_eq!(code, 2, "{stdout}{stderr}");
        assert!(stderr.contains(&format!("error: {error}")), "{stderr}");
        assert!(stderr.contains("hint: "), "{stderr}");
    }
}

/// A copy of the demo cluster whose conformance run failed `failed` (and passed one test).
fn cluster_with_failed_e2e_tests(dir: &Path, failed: &[&str]) -> String {
    let mut snapshot = json(Path::new(&path("fixtures/demo-cluster.json")));
    let mut tests: Vec<Value> = failed
        .iter()
        .map(|name| serde_json::json!({"name": name, "status": "failed"}))
        .collect();
    tests.push(serde_json::json!({"name": "[sig-node] Pods should run", "status": "passed"}));
    snapshot["facts"]["e2e_conformance"] =
        serde_json::json!({"ok": {"dry_run": false, "tests": tests}});
    let file = dir.join("cluster.json");
    std::fs::write(&file, snapshot.to_string()).unwrap();
    file.display().to_string()
}

#[test]
fn e2e_entries_waive_the_conformance_testcase_when_they_cover_each_failed_test() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    // One failure upstream allows (shipped list: a warning), one the operator waives.
    let snapshot = cluster_with_failed_e2e_tests(
        dir,
        &[
            "[sig-network] Feature:SCTPConnectivity should create a Pod with SCTP HostPort",
            "[sig-storage] CSI mock volume should expand volume",
        ],
    );
    std::fs::write(
        dir.join("w.yaml"),
        "allowed_failures:\n  - e2e: 'CSI mock volume'\n    reason: CSI resize lands in 1.34\n    expires: 2026-12-31\n",
    )
    .unwrap();
    let base = ["--snapshot", &snapshot, "-t", "cncf-k8s-conformance"];
    let (code, table, _) = run(dir, KAAS, &base);
    assert_eq!(code, 1, "{table}");
    let (code, table, _) = run(
        dir,
        KAAS,
        &[
            &base[..],
            &["--allowed-failures", "w.yaml", "--json", "r.json"],
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{table}");
    assert!(
        table.contains("e2e `CSI mock volume`: waived until 2026-12-31: CSI resize lands in 1.34"),
        "{table}"
    );
    let report = json(&dir.join("r.json"));
    assert_eq!(status_of(&report, "cncf-k8s-conformance"), "FAIL");
    assert_eq!(testcase(&report, "cncf-k8s-conformance")["waived"], true);
}

#[test]
fn run_all_applies_the_configs_allowed_failures_to_the_subjects_they_name() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let failures = demo_failures(dir);
    let mut waivers = String::from("allowed_failures:\n");
    for id in &failures {
        waivers.push_str(&format!(
            "  - {{testcase: {id}, reason: known, expires: 2026-12-31, subject: demo}}\n"
        ));
    }
    std::fs::write(dir.join("waivers.yaml"), waivers).unwrap();
    let config = format!(
        r#"allowed_failures = ["waivers.yaml"]

[presets.default]
scopes = ["iaas"]
subjects = ["demo", "other"]

[scopes.iaas]
spec = "{scope}"

[subjects._.mapping]
snapshot = "{demo}"
"#,
        scope = path(IAAS),
        demo = path("fixtures/demo-cloud.json"),
    );
    std::fs::write(dir.join("config.toml"), config).unwrap();
    let output = scs_check(dir)
        .args([
            "run-all",
            "--config",
            "config.toml",
            "-d",
            DATE,
            "-o",
            "out",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    // `other` replays the same cloud, but the entries are `demo`'s only.
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("| demo | iaas | ABORT | 3 |"), "{stdout}");
    assert!(
        stdout.contains(&format!(", {} failures waived |", failures.len())),
        "{stdout}"
    );
    assert!(stdout.contains("| other | iaas | FAIL | 1 |"), "{stdout}");
    let demo = json(&dir.join("out/demo/iaas.json"));
    assert!(failures
        .iter()
        .all(|id| testcase(&demo, id)["waived"] == true));
    let argv = demo["run"]["argv"].as_array().unwrap();
    assert!(argv.iter().any(|a| a == "--allowed-failures"), "{argv:?}");
    let other = json(&dir.join("out/other/iaas.json"));
    assert!(other.get("unused_waivers").is_none(), "{other}");

    // An id of no scope of the batch stops run-all before anything runs.
    std::fs::write(
        dir.join("waivers.yaml"),
        "allowed_failures:\n- {testcase: no-such-testcase, reason: r, expires: 2026-12-31}\n",
    )
    .unwrap();
    let output = scs_check(dir)
        .args(["run-all", "--config", "config.toml", "-o", "out2"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).1.contains(
            "waivers.yaml:2:3: testcase no-such-testcase is not a testcase of SCS-compatible IaaS"
        ),
        "{}",
        text(&output).1
    );
    assert!(!dir.join("out2/report.yaml").exists());
}
