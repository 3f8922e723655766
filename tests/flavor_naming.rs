//! scs-0100 as a user meets it: the `flavor-name` command (text, JSON, exit codes) and the
//! two testcases on the fixture clouds.

mod common;

use common::{path, scs_check, text};
use serde_json::Value;

fn flavor_name(args: &[&str]) -> (i32, String, String) {
    let home = tempfile::tempdir().unwrap();
    let output = scs_check(home.path())
        .arg("flavor-name")
        .args(args)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    (output.status.code().unwrap(), stdout, stderr)
}

#[test]
fn valid_names_exit_0_and_are_explained() {
    let (code, stdout, stderr) = flavor_name(&["SCS-2V-4-20s", "SCS-4C-16-2x200p_a1"]);
    assert_eq!(code, 0, "{stderr}");
    for expected in [
        "SCS-2V-4-20s: valid (v2, v3)",
        "-20s  one root disk of 20 GB, local SSD",
        "canonical  SCS-2V-4-20s   v1: SCS-2V:4:20s",
        "SCS-4C-16-2x200p_a1: valid (v2, v3)",
        "  _a1      CPU: ARM v8+ (AArch64), generation 1 (A76/Neoverse N1 class)",
        "promises   at least 4 vCPUs, 16384 MiB RAM, 2 disks of 200 GB; \
         scs:cpu-type=dedicated-core, scs:disk0-type=nvme, scs:disk1-type=nvme",
        "create     openstack flavor create --vcpus 4 --ram 16384 --disk 200",
    ] {
        assert!(stdout.contains(expected), "`{expected}` not in:\n{stdout}");
    }
}

#[test]
fn an_invalid_name_exits_1_and_points_at_the_character() {
    let (code, stdout, _) = flavor_name(&["SCS-2V-4-20s", "SCS-2C-4-10_hwv_xen"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains(
            "  SCS-2C-4-10_hwv_xen\n                  ^ character 17: `xen` (the hypervisor) must \
             come before `hwv`"
        ),
        "{stdout}"
    );
}

#[test]
fn a_v1_name_is_not_valid_but_gets_its_v3_spelling() {
    let (code, stdout, _) = flavor_name(&["SCS-2V:4:10"]);
    assert_eq!(code, 1);
    assert!(
        stdout
            .contains("SCS-2V:4:10: not valid under v3, the current version (valid under v1 only)"),
        "{stdout}"
    );
    assert!(stdout.contains("canonical  SCS-2V-4-10"), "{stdout}");
}

#[test]
fn json_has_one_object_per_name() {
    let (code, stdout, _) = flavor_name(&["--json", "SCS-2V-4-n", "SCS-2V-4-0"]);
    assert_eq!(code, 1);
    let reports: Value = serde_json::from_str(&stdout).unwrap();
    let valid = &reports[0];
    assert_eq!(valid["name"], "SCS-2V-4-n");
    assert_eq!(valid["valid"], true);
    assert_eq!(valid["version"], serde_json::json!(["v2", "v3"]));
    assert_eq!(valid["canonical"]["v1"], "SCS-2V:4:n");
    assert_eq!(valid["error"], Value::Null);
    assert_eq!(
        valid["spec"],
        serde_json::json!({
            "vcpus": 2, "cpu_type": "shared-core", "ram_mib": 4096, "disk_gb": null,
            "disks": 1, "disk_type": "network",
            "extra_specs": {"scs:cpu-type": "shared-core", "scs:disk0-type": "network"}
        })
    );
    let invalid = &reports[1];
    assert_eq!(invalid["valid"], false);
    assert_eq!(invalid["version"], serde_json::json!([]));
    assert_eq!(invalid["canonical"], Value::Null);
    assert_eq!(invalid["spec"], Value::Null);
    assert_eq!(invalid["error"]["position"], 9);
    assert_eq!(
        invalid["error"]["message"],
        "the disk size in GB must be more than 0"
    );
}

#[test]
fn quiet_prints_nothing_but_keeps_the_exit_code() {
    let (code, stdout, stderr) = flavor_name(&["-q", "SCS-2V-4-0"]);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (1, "", ""));
}

#[test]
fn no_name_is_a_usage_error() {
    let (code, _, stderr) = flavor_name(&[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("<NAME>..."), "{stderr}");
}

/// Runs only the scs-0100 testcases on a fixture; returns the exit code and JSON report.
fn run_scs_0100(snapshot: &str) -> (i32, Value) {
    let home = tempfile::tempdir().unwrap();
    let json = home.path().join("report.json");
    let output = scs_check(home.path())
        .args([
            "run",
            &path("scopes/scs-compatible-iaas.yaml"),
            "--snapshot",
        ])
        .arg(path(snapshot))
        .args(["-t", "scs-0100", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    let report = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    (output.status.code().unwrap(), report)
}

fn testcase<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["testcases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in report"))
}

#[test]
fn compliant_cloud_passes_both_testcases() {
    let (code, report) = run_scs_0100("fixtures/compliant-cloud.json");
    assert_eq!(code, 0);
    for id in ["scs-0100-syntax-check", "scs-0100-semantics-check"] {
        let testcase = testcase(&report, id);
        assert_eq!(testcase["status"], "PASS", "{id}");
        assert_eq!(testcase["check"], "scs-0100-flavor-naming", "{id}");
    }
}

#[test]
fn demo_cloud_fails_semantics_where_flavors_fall_short_of_their_names() {
    let (code, report) = run_scs_0100("fixtures/demo-cloud.json");
    assert_eq!(code, 1);
    assert_eq!(testcase(&report, "scs-0100-syntax-check")["status"], "PASS");
    let semantics = testcase(&report, "scs-0100-semantics-check");
    assert_eq!(semantics["status"], "FAIL");
    let messages: Vec<&str> = semantics["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].contains("disk 0 of type s (ssd), but scs:disk0-type says network"));
    assert!(messages[1].contains("8 GiB RAM (8192 MiB), the flavor has 8000 MiB"));
}
