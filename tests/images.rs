//! The image checks (scs-0101 read-only part, scs-0102, scs-0104) through the real binary, on
//! snapshots. `fixtures/noncompliant-images.json` breaks each rule once: an image called
//! `Broken PROPERTY` breaks the scs-0102 rule of that property and no other; the remaining
//! culprits are named in the table below. `tests/data/image-checks-scope.yaml` puts every image
//! testcase into a main target (the IaaS scope runs the recommended ones in no version);
//! its version v5 names the v5 image spec, v4 the v4 one.

mod common;

use common::{path, run_report, status_of, testcase};
use serde_json::Value;

const IMAGE_SCOPE: &str = "tests/data/image-checks-scope.yaml";
const IAAS: &str = "scopes/scs-compatible-iaas.yaml";
const NONCOMPLIANT: &str = "fixtures/noncompliant-images.json";
const COMPLIANT: &str = "fixtures/compliant-cloud.json";
const V4_SPEC: &str = "https://raw.githubusercontent.com/SovereignCloudStack/standards/main/Tests/iaas/scs-0104-v1-images.yaml";

/// The objects of a testcase's error findings, without their ids.
fn culprits(report: &Value, id: &str) -> Vec<String> {
    testcase(report, id)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["level"] == "error")
        .map(|f| {
            let object = f["object"].as_str().unwrap_or_default();
            object.split(" (").next().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn each_image_rule_breaks_once_on_the_noncompliant_snapshot() {
    let (code, report, _) = run_report(
        IMAGE_SCOPE,
        &["--snapshot", &path(NONCOMPLIANT), "-V", "v5"],
    );
    assert_eq!(code, 1);
    let broken = |property: &str| format!("Broken {property}");
    let mut expected: Vec<(String, Vec<String>)> = [
        "architecture",
        "hash_algo",
        "min_disk",
        "min_ram",
        "os_version",
        "os_distro",
        "os_purpose",
        "hw_disk_bus",
        "hypervisor_type",
        "hw_rng_model",
        "image_build_date",
        "image_original_user",
        "image_source",
        "image_description",
        "replace_frequency",
        "provided_until",
        "uuid_validity",
        "hotfix_hours",
    ]
    .iter()
    .map(|p| (format!("scs-0102-prop-{p}"), vec![broken(p)]))
    .collect();
    let others: [(&str, &[&str]); 7] = [
        ("scs-0101-flavor-property", &["m1.no-rng"]),
        // A wrong hw_rng_model breaks scs-0101 too; a missing one only scs-0101.
        (
            "scs-0101-image-property",
            &["Broken hw_rng_model", "No virtio RNG"],
        ),
        // Monthly, built in September, nothing replaces it.
        ("scs-0102-image-recency", &["Rocky 9"]),
        ("scs-0102-os_purpose-uniqueness", &["ubuntu 24.04 x86_64"]),
        ("scs-0104-source-ubuntu-2404", &["Ubuntu 24.04"]),
        ("scs-0104-source-debian-12", &["Debian 12"]),
        ("scs-0104-source-capi-2", &["ubuntu-capi-image-v1.31.4"]),
    ];
    expected.extend(others.iter().map(|(id, names)| {
        (
            id.to_string(),
            names.iter().map(|n| n.to_string()).collect(),
        )
    }));
    for (id, names) in &expected {
        assert_eq!(status_of(&report, id), "FAIL", "{id}");
        assert_eq!(&culprits(&report, id), names, "{id}");
    }
    for passing in [
        "scs-0104-image-ubuntu-2404",
        "scs-0104-image-debian-12",
        "scs-0104-image-capi-2",
        "scs-0104-source-ubuntu-2204",
        "scs-0104-source-ubuntu-2004",
        "scs-0104-source-debian-11",
        // The v5 spec has no entry for these, so scs-0104 asks nothing of the Debian 13 and
        // `ubuntu-capi-image v…` images with foreign sources (upstream checks its own table).
        "scs-0104-source-debian-13",
        "scs-0104-source-capi-1",
    ] {
        assert_eq!(status_of(&report, passing), "PASS", "{passing}");
    }
    assert_eq!(
        report["testcases"].as_array().unwrap().len(),
        expected.len() + 8,
        "every testcase of v5 is asserted"
    );
}

#[test]
fn the_v4_image_spec_decides_where_v4_is_tested() {
    let (_, report, _) = run_report(
        IMAGE_SCOPE,
        &["--snapshot", &path(NONCOMPLIANT), "-V", "v4"],
    );
    assert_eq!(
        culprits(&report, "scs-0104-source-capi-1"),
        ["ubuntu-capi-image v1.31.4"]
    );
    // Mandatory in the v4 spec, optional in v5.
    assert_eq!(status_of(&report, "scs-0104-image-ubuntu-2204"), "FAIL");
    assert_eq!(status_of(&report, "scs-0104-image-capi-1"), "PASS");
    assert_eq!(status_of(&report, "scs-0104-source-debian-12"), "FAIL");
}

#[test]
fn a_testcase_with_two_specs_in_one_run_gets_the_worse_verdict() {
    // v5.1 and v4 are both tested on 2025-03-01, with the v5 and the v4 spec.
    let (_, report, _) = run_report(
        IAAS,
        &["--snapshot", &path(NONCOMPLIANT), "-d", "2025-03-01"],
    );
    let capi_1 = testcase(&report, "scs-0104-source-capi-1");
    assert_eq!(capi_1["status"], "FAIL");
    let first = capi_1["findings"][0]["message"].as_str().unwrap();
    assert!(
        first.starts_with(&format!("[image_spec={V4_SPEC}] ")),
        "{first}"
    );
    let (_, report, _) = run_report(IAAS, &["--snapshot", &path(NONCOMPLIANT), "-V", "v5.1"]);
    assert_eq!(status_of(&report, "scs-0104-source-capi-1"), "PASS");
}

#[test]
fn the_iaas_scope_runs_os_purpose_in_next_only() {
    let (_, report, _) = run_report(IAAS, &["--snapshot", &path(NONCOMPLIANT)]);
    for id in ["scs-0102-prop-os_purpose", "scs-0102-os_purpose-uniqueness"] {
        assert_eq!(status_of(&report, id), "FAIL", "{id}");
    }
    let (_, report, _) = run_report(IAAS, &["--snapshot", &path(NONCOMPLIANT), "-V", "v5.1"]);
    let ids: Vec<&Value> = report["testcases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["id"])
        .collect();
    assert!(!ids.contains(&&Value::from("scs-0102-prop-os_purpose")));
    assert_eq!(status_of(&report, "scs-0102-prop-architecture"), "FAIL");
}

#[test]
fn compliant_cloud_passes_every_image_testcase_with_both_specs() {
    let (code, report, _) = run_report(IMAGE_SCOPE, &["--snapshot", &path(COMPLIANT)]);
    assert_eq!(code, 0);
    let testcases = report["testcases"].as_array().unwrap();
    assert_eq!(
        testcases.len(),
        35,
        "2 + 20 + 13 distinct scs-0104 testcases"
    );
    for testcase in testcases {
        assert_eq!(testcase["status"], "PASS", "{testcase}");
    }
}

#[test]
fn an_unreadable_image_spec_aborts_its_testcases_with_the_reason() {
    let home = tempfile::tempdir().unwrap();
    let scope = home.path().join("scope.yaml");
    let original = std::fs::read_to_string(path(IMAGE_SCOPE)).unwrap();
    std::fs::write(&scope, original.replace(V4_SPEC, "/nonexistent/spec.yaml")).unwrap();
    let (code, report, _) = run_report(
        scope.to_str().unwrap(),
        &["--snapshot", &path(COMPLIANT), "-V", "v4"],
    );
    assert_eq!(code, 3, "no failure, but undecided testcases");
    let outcome = testcase(&report, "scs-0104-image-ubuntu-2204");
    assert_eq!(outcome["status"], "ABORT");
    let reason = outcome["findings"][0]["message"].as_str().unwrap();
    assert!(
        reason.contains("cannot read image spec /nonexistent/spec.yaml"),
        "{reason}"
    );
}

#[test]
fn an_informational_version_does_not_change_a_binding_versions_verdict() {
    // On 2025-10-01 v5.1 is effective and v4 deprecated: v4's spec fails capi-1, v5's has none.
    let (code, report, _) = run_report(
        IAAS,
        &[
            "--snapshot",
            &path(NONCOMPLIANT),
            "-d",
            "2025-10-01",
            "-t",
            "scs-0104-source-capi-1$",
        ],
    );
    let result = |name: &str| {
        let versions = report["versions"].as_array().unwrap();
        versions.iter().find(|v| v["name"] == name).unwrap()["result"].clone()
    };
    assert_eq!(result("v5.1"), "PASS");
    assert_eq!(result("v4"), "FAIL", "v4 is judged by its own spec");
    assert_eq!(status_of(&report, "scs-0104-source-capi-1"), "PASS");
    assert_eq!(code, 0);
}
