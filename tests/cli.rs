//! The real binary on snapshots and scope files: verdicts, reports, exit codes, usage errors.

mod common;

use common::{assert_valid_junit, path, run_report, scs_check, status_of, text};
use serde_json::Value;

const IAAS: &str = "scopes/scs-compatible-iaas.yaml";
/// The testcases scs-check decides natively so far (the read-only ones).
const NATIVE: &str =
    "scs-0100-|scs-0101-(flavor|image)-property|scs-0102-|scs-0103-flavor|scs-0104-|scs-011[45]|scs-0123-";

fn run_json(args: &[&str]) -> (i32, Value, String) {
    run_report(IAAS, args)
}

#[test]
fn demo_cloud_fails_where_it_breaks_the_standards() {
    let (code, report, stdout) = run_json(&["--snapshot", &path("fixtures/demo-cloud.json")]);
    assert_eq!(code, 1, "a failing main target exits 1");
    for failing in [
        "scs-0103-flavor-1l-1",
        "scs-0103-flavor-2v-4-20s",
        "scs-0103-flavor-4v-8",
        "scs-0123-service-load-balancer",
        "scs-0114-syntax-check",
        "scs-0115-default-rules",
        "scs-0102-prop-hw_disk_bus",
        "scs-0102-image-recency",
        "scs-0104-source-ubuntu-2404",
    ] {
        assert_eq!(status_of(&report, failing), "FAIL", "{failing}");
    }
    // Found by scs:name-v2 although it is called m1.small.
    assert_eq!(status_of(&report, "scs-0103-flavor-1v-2"), "PASS");
    assert_eq!(status_of(&report, "scs-0123-storage-apis"), "PASS");
    assert_eq!(status_of(&report, "scs-0104-image-ubuntu-2404"), "PASS");
    assert_eq!(status_of(&report, "scs-0102-prop-image_source"), "PASS");
    // Decided by the entropy VM, which a snapshot cannot boot.
    assert_eq!(status_of(&report, "scs-0101-entropy-avail"), "ABORT");
    assert!(
        stdout.contains("ram is 8000 MiB, must be 8192 MiB"),
        "{stdout}"
    );
    assert_eq!(report["source"]["kind"], "snapshot");
    assert_eq!(report["subject"], "demo");
}

/// Statuses of the testcases a native check decided.
fn native_statuses(report: &Value) -> Vec<(&str, &str)> {
    report["testcases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["implementation"] == "native")
        .map(|t| (t["id"].as_str().unwrap(), t["status"].as_str().unwrap()))
        .collect()
}

#[test]
fn compliant_cloud_passes_every_native_testcase_but_is_not_certified_without_its_probes() {
    let (code, report, _) = run_json(&["--snapshot", &path("fixtures/compliant-cloud.json")]);
    let native = native_statuses(&report);
    assert!(native.len() >= 24, "{native:?}");
    assert!(native.iter().all(|(_, s)| *s == "PASS"), "{native:?}");
    // A probe cannot run from a snapshot: undecided.
    assert_eq!(report["result"], "ABORT");
    assert_eq!(status_of(&report, "scs-0116-permissions"), "ABORT");
    assert_eq!(status_of(&report, "scs-0101-fips-test"), "ABORT");
    assert_eq!(code, 3);
}

#[test]
fn selecting_only_native_testcases_of_a_compliant_cloud_passes() {
    let (code, report, _) = run_json(&[
        "--snapshot",
        &path("fixtures/compliant-cloud.json"),
        "-t",
        NATIVE,
    ]);
    assert_eq!(code, 0);
    assert_eq!(report["result"], "PASS");
    let decided: Vec<&Value> = report["testcases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] != "NOT_SELECTED")
        .collect();
    // next and v5.1 together: flavors, services, image metadata, standard images, volume
    // types, security groups.
    assert!(decided.len() >= 50, "{}", decided.len());
    for testcase in decided {
        assert_eq!(testcase["status"], "PASS", "{testcase}");
    }
}

#[test]
fn versions_follow_the_reference_date_and_v_forces_one() {
    let (_, report, _) = run_json(&[
        "--snapshot",
        &path("fixtures/compliant-cloud.json"),
        "-d",
        "2025-03-01",
    ]);
    let versions: Vec<(&str, &str, bool)> = report["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap(),
                v["state"].as_str().unwrap(),
                v["binding"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        versions,
        [
            ("v5.1", "effective", true),
            ("v4", "warn", true),
            ("v3", "deprecated", false)
        ]
    );
    let (_, report, _) = run_json(&[
        "--snapshot",
        &path("fixtures/compliant-cloud.json"),
        "-V",
        "v3",
    ]);
    assert_eq!(report["versions"].as_array().unwrap().len(), 1);
    assert_eq!(report["versions"][0]["binding"], true);
}

/// Runs the demo cloud with `flag FILE` (and `extra`); returns what was written to FILE.
fn demo_report(flag: &str, extra: &[&str]) -> String {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("report");
    scs_check(home.path())
        .args([
            "run",
            &path(IAAS),
            "--snapshot",
            &path("fixtures/demo-cloud.json"),
        ])
        .args(extra)
        .arg(flag)
        .arg(&file)
        .assert()
        .code(1);
    if flag == "--junit" {
        assert_valid_junit(&file);
    }
    std::fs::read_to_string(&file).unwrap()
}

#[test]
fn junit_validates_against_the_jenkins_schema_and_explains_failures() {
    let xml = demo_report("--junit", &[]);
    assert!(
        xml.contains("<testsuite name=\"SCS-compatible IaaS v5.1\""),
        "{xml}"
    );
    assert!(xml.contains("<failure type=\"FAIL\""));
    // The probes' testcases, which a snapshot cannot decide.
    assert!(xml.contains("<error type=\"ABORT\""));
    assert!(xml.contains("openstack flavor create --vcpus 1 --ram 1024"));
}

#[test]
fn upstream_yaml_report_has_the_upstream_shape() {
    let text = demo_report("-o", &["-s", "democloud"]);
    assert!(
        text.starts_with("---\nspec:\n  uuid: \"50393e6f-2ae1-4c5c-a62c-3b75f2abef3f\"\n"),
        "{text}"
    );
    let checked_at = text
        .lines()
        .find(|l| l.starts_with("checked_at: "))
        .unwrap();
    assert!(
        regex::Regex::new(r"^checked_at: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")
            .unwrap()
            .is_match(checked_at),
        "UTC without offset, unquoted: {checked_at}"
    );
    let report: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(report["subject"], "democloud");
    let keys: Vec<&str> = report["run"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "uuid",
        "argv",
        "assignment",
        "sections",
        "forced_version",
        "forced_tests",
        "invocations",
    ] {
        assert!(keys.contains(&key), "run.{key} missing: {keys:?}");
    }
    let invocations = report["run"]["invocations"].as_object().unwrap();
    let results: Vec<(&String, &Value)> = invocations
        .values()
        .flat_map(|i| i["results"].as_object().unwrap().iter())
        .collect();
    let value = |id: &str| {
        results
            .iter()
            .find(|(k, _)| *k == id)
            .map(|(_, v)| v.as_i64().unwrap())
    };
    assert_eq!(value("scs-0103-flavor-1l-1"), Some(-1));
    assert_eq!(value("scs-0103-flavor-1v-4"), Some(1));
    assert_eq!(
        value("scs-0101-entropy-avail"),
        Some(0),
        "a testcase that could not run is 0"
    );
}

#[test]
fn plan_lists_every_testcase_with_who_decides_it() {
    let home = tempfile::tempdir().unwrap();
    let output = scs_check(home.path())
        .args(["plan", &path(IAAS), "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let plan: Value = serde_json::from_slice(&output.stdout).unwrap();
    let main = plan["versions"][1]["targets"]["main"].as_array().unwrap();
    assert_eq!(plan["versions"][1]["version"], "v5.1");
    assert_eq!(main.len(), 54, "v5.1 main has 54 testcases");
    let of = |id: &str| main.iter().find(|t| t["id"] == id).unwrap()["implementation"].clone();
    assert_eq!(of("scs-0103-flavor-1v-4"), "native");
    assert_eq!(of("scs-0117-test-backup"), "probe");
    assert_eq!(of("scs-0116-permissions"), "probe");
}

#[test]
fn probes_do_not_run_from_a_snapshot_or_read_only() {
    let snapshot = path("fixtures/compliant-cloud.json");
    for (extra, why) in [
        (None, "a snapshot holds no probe results"),
        (Some("--read-only"), "--read-only forbids the probe"),
    ] {
        let mut args = vec!["--snapshot", &snapshot, "-t", "scs-0116-permissions"];
        args.extend(extra);
        let (code, report, _) = run_json(&args);
        assert_eq!(code, 3, "{extra:?}");
        let probe = report["testcases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == "scs-0116-permissions")
            .unwrap();
        assert_eq!(probe["status"], "ABORT");
        assert_eq!(probe["check"], "scs-0116-key-manager-permissions");
        let message = probe["findings"][0]["message"].as_str().unwrap();
        assert!(message.contains(why), "{message}");
    }
}

#[test]
fn plan_reads_a_scope_in_upstream_form_with_manual_testcases() {
    let home = tempfile::tempdir().unwrap();
    let output = scs_check(home.path())
        .args([
            "plan",
            &path("tests/data/upstream-style-scope.yaml"),
            "-d",
            "2026-01-01",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains(
            "scs-0103-flavor-1v-4                     native (scs-0103-standard-flavors)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("manual-docs-check                        manual"),
        "{stdout}"
    );
}

#[test]
fn usage_errors_exit_2_and_say_what_to_fix() {
    let home = tempfile::tempdir().unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "run".into(),
                "no-such-scope.yaml".into(),
                "--snapshot".into(),
                path("fixtures/demo-cloud.json"),
            ],
            "cannot read scope file",
        ),
        (
            vec![
                "run".into(),
                path(IAAS),
                "--snapshot".into(),
                "nope.json".into(),
            ],
            "cannot read snapshot",
        ),
        (
            vec!["run".into(), path(IAAS), "--snapshot".into(), path(IAAS)],
            "not a scs-check snapshot",
        ),
        (
            vec![
                "run".into(),
                path(IAAS),
                "--snapshot".into(),
                path("fixtures/demo-cloud.json"),
                "-V".into(),
                "v9".into(),
            ],
            "no version named `v9`",
        ),
        (
            vec![
                "run".into(),
                path(IAAS),
                "--snapshot".into(),
                path("fixtures/demo-cloud.json"),
                "-t".into(),
                "(".into(),
            ],
            "-t: not a valid regular expression",
        ),
        (
            vec![
                "run".into(),
                path(IAAS),
                "--snapshot".into(),
                path("fixtures/demo-cloud.json"),
                "-a".into(),
                "x".into(),
            ],
            "expected KEY=VALUE",
        ),
        (
            vec![
                "run".into(),
                path(IAAS),
                "-a".into(),
                "os_cloud=a".into(),
                "--os-cloud".into(),
                "b".into(),
            ],
            "assigned twice",
        ),
        (
            vec!["run".into(), path(IAAS)],
            "no cloud to check: pass --os-cloud NAME",
        ),
        (
            vec!["plan".into(), path(IAAS), "-d".into(), "2020-01-01".into()],
            "no timeline entry",
        ),
        (
            vec![
                "run".into(),
                path(IAAS),
                "--snapshot".into(),
                path("fixtures/demo-cloud.json"),
                "-t".into(),
                "scs-9999".into(),
            ],
            "no testcase of the tested versions matches -t scs-9999",
        ),
        (
            vec![
                "run".into(),
                path(IAAS),
                "--os-cloud".into(),
                "nowhere".into(),
                "--junit".into(),
                "/no/such/dir/junit.xml".into(),
            ],
            "cannot write the JUnit report to /no/such/dir/junit.xml: directory /no/such/dir does not exist",
        ),
    ];
    for (args, message) in cases {
        let output = scs_check(home.path()).args(&args).output().unwrap();
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(message),
            "{args:?}: expected `{message}` in: {stderr}"
        );
    }
}

#[test]
fn malformed_scope_file_error_names_file_line_and_column() {
    let home = tempfile::tempdir().unwrap();
    let scope = home.path().join("broken.yaml");
    let original = std::fs::read_to_string(path(IAAS)).unwrap();
    std::fs::write(
        &scope,
        original.replacen(
            "  - id: scs-0100-semantics-check",
            "  - id: scs-0100-syntax-check",
            1,
        ),
    )
    .unwrap();
    let output = scs_check(home.path())
        .args(["plan"])
        .arg(&scope)
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        regex::Regex::new(
            r"broken\.yaml:\d+:\d+: testcase id scs-0100-syntax-check is defined twice"
        )
        .unwrap()
        .is_match(&stderr),
        "{stderr}"
    );
    assert!(stderr.contains("hint:"), "{stderr}");
}

#[test]
fn unknown_cloud_and_broken_clouds_yaml_are_usage_errors() {
    let home = tempfile::tempdir().unwrap();
    let clouds = home.path().join("clouds.yaml");
    std::fs::write(
        &clouds,
        "clouds:\n  alpha:\n    auth:\n      auth_url: http://127.0.0.1:9/v3\n",
    )
    .unwrap();
    let output = scs_check(home.path())
        .env("OS_CLIENT_CONFIG_FILE", &clouds)
        .args(["run", &path(IAAS), "--os-cloud", "beta"])
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cloud `beta` is not defined"), "{stderr}");
    assert!(stderr.contains("defined clouds: alpha"), "{stderr}");

    std::fs::write(&clouds, "clouds:\n  alpha: [unclosed\n").unwrap();
    let output = scs_check(home.path())
        .env("OS_CLIENT_CONFIG_FILE", &clouds)
        .args(["run", &path(IAAS), "--os-cloud", "alpha"])
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot read the OpenStack client configuration"),
        "{stderr}"
    );
}

#[test]
fn recordings_of_the_loopback_tier_replay_to_the_live_verdicts() {
    let (_, good, _) = run_json(&["--snapshot", &path("fixtures/loopback-good.json")]);
    let native = native_statuses(&good);
    assert!(native.len() >= 50, "{native:?}");
    assert!(native.iter().all(|(_, s)| *s == "PASS"), "{native:?}");
    let (code, bad, _) = run_json(&["--snapshot", &path("fixtures/loopback-bad.json")]);
    assert_eq!(code, 1);
    for failing in common::LOOPBACK_BAD_FAILS {
        assert_eq!(status_of(&bad, failing), "FAIL", "{failing}");
    }
    for passing in common::LOOPBACK_BAD_PASSES {
        assert_eq!(status_of(&bad, passing), "PASS", "{passing}");
    }
}

/// The monitor stores `checked_at` as a naive timestamp and drops any offset, and rejects a
/// second report with the same `run.uuid`: the time must be UTC whatever the local zone, and
/// every run must bring a fresh uuid.
#[test]
fn upstream_yaml_checked_at_is_utc_and_run_uuid_is_fresh_per_run() {
    let run = || {
        let home = tempfile::tempdir().unwrap();
        let file = home.path().join("report.yaml");
        scs_check(home.path())
            .env("TZ", "Pacific/Kiritimati") // UTC+14
            .args(["run", &path(IAAS), "--snapshot"])
            .arg(path("fixtures/demo-cloud.json"))
            .arg("-o")
            .arg(&file)
            .assert()
            .code(1);
        let report: Value =
            serde_saphyr::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        report
    };
    let (first, second) = (run(), run());
    assert_ne!(first["run"]["uuid"], second["run"]["uuid"]);
    let checked_at = chrono::NaiveDateTime::parse_from_str(
        first["checked_at"].as_str().unwrap(),
        "%Y-%m-%d %H:%M:%S%.f",
    )
    .unwrap();
    let off = (chrono::Utc::now().naive_utc() - checked_at)
        .num_minutes()
        .abs();
    assert!(off < 10, "checked_at {checked_at} is not UTC now");
}
