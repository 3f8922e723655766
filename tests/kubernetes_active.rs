//! The active part of scs-0211 (`--active`) and `scs-check cleanup --kubeconfig`: the real
//! binary against the fake API server (`tests/kube_fake`, whose objects module imitates a
//! provisioner and the DefaultStorageClass admission plugin).
//!
//! Each scenario checks the verdict and that the cluster holds nothing of ours afterwards
//! (or exactly the leftover the scenario provokes). Every run is bounded by a small
//! `--probe-timeout`; the fake binds claims after one second.

mod common;
mod kube_fake;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{path, scs_check, scs_check_process, text};
use kube_fake::{objects::Storage, Cluster, Server, TOKEN};
use serde_json::{json, Value};

const SCOPE: &str = "tests/data/kaas-checks-scope.yaml";
const TESTCASE: &str = "scs-0211-default-storage-class";

struct Run {
    code: i32,
    stderr: String,
    report: Value,
}

fn server(storage: Storage) -> Server {
    let mut cluster = Cluster::from_fixtures("v1.33.5");
    cluster.storage = storage;
    Server::start(cluster)
}

/// `run -t scs-0211` against `server` with `extra` flags, in a fresh home.
fn run(server: &Server, extra: &[&str]) -> Run {
    let home = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig(home.path(), TOKEN);
    let json = home.path().join("report.json");
    let output = scs_check(home.path())
        .env_remove("KUBECONFIG")
        .args(["run", &path(SCOPE), "-t", "scs-0211", "--kubeconfig"])
        .arg(&kubeconfig)
        .arg("--json")
        .arg(&json)
        .args(extra)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    let report = std::fs::read_to_string(&json)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(Value::Null);
    Run {
        code: output.status.code().unwrap_or(-1),
        stderr,
        report,
    }
}

fn testcase(report: &Value) -> &Value {
    report["testcases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == TESTCASE)
        .unwrap()
}

fn messages(report: &Value) -> String {
    testcase(report)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}: {}", f["level"], f["message"].as_str().unwrap()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The objects the fake still holds: (namespace, collection, name).
fn remaining(server: &Server) -> Vec<(String, String, String)> {
    server.objects.lock().unwrap().names()
}

/// Requests that change something (`POST`, `DELETE`), in order, without queries.
fn writes(server: &Server) -> Vec<String> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("POST") || r.starts_with("DELETE"))
        .map(|r| r.split('?').next().unwrap().to_owned())
        .collect()
}

#[test]
fn a_claim_that_binds_passes_and_everything_is_deleted_in_reverse_order() {
    let server = server(Storage {
        service_account_missing_for: 1,
        ..Storage::default()
    });
    let run = run(&server, &["--active", "--probe-timeout", "30"]);
    assert_eq!(testcase(&run.report)["status"], "PASS", "{}", run.stderr);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let messages = messages(&run.report);
    assert!(
        messages.contains("got class standard and was bound after")
            && messages.contains("CSI driver cinder.csi.openstack.org, 1Gi"),
        "{messages}"
    );
    assert!(run.stderr.contains("leftovers: none"), "{}", run.stderr);
    assert!(run.stderr.contains("starting pod"), "{}", run.stderr);
    assert!(remaining(&server).is_empty(), "{:?}", remaining(&server));

    // Created in order (the pod twice: the first refused for the missing service account),
    // deleted in reverse order; every object labelled and named as ours.
    let id = run.report["run"]["uuid"].as_str().unwrap().replace('-', "")[..12].to_owned();
    let namespace = format!("scs-check-{id}-storage");
    let ns = format!("/api/v1/namespaces/{namespace}");
    assert_eq!(
        writes(&server),
        vec![
            "POST /api/v1/namespaces".to_owned(),
            format!("POST {ns}/persistentvolumeclaims"),
            format!("POST {ns}/pods"),
            format!("POST {ns}/pods"),
            format!("DELETE {ns}/pods/scs-check-{id}-pod"),
            format!("DELETE {ns}/persistentvolumeclaims/scs-check-{id}-pvc"),
            format!("DELETE {ns}"),
        ]
    );
    let created = server.objects.lock().unwrap().created.clone();
    assert_eq!(created.len(), 3);
    for object in &created {
        let labels = &object["metadata"]["labels"];
        assert_eq!(labels["app.kubernetes.io/managed-by"], "scs-check");
        assert_eq!(labels["scs-check/run"], id.as_str());
    }
    let claim = &created[1];
    assert_eq!(claim["spec"]["accessModes"], json!(["ReadWriteOnce"]));
    assert_eq!(claim["spec"]["resources"]["requests"]["storage"], "1Gi");
    let pod = &created[2]["spec"];
    assert_eq!(pod["containers"][0]["image"], "registry.k8s.io/pause:3.10");
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
}

#[test]
fn without_active_or_with_read_only_nothing_is_created() {
    let server = server(Storage::default());
    let plain = run(&server, &[]);
    assert_eq!(testcase(&plain.report)["status"], "PASS");
    assert!(
        messages(&plain.report)
            .contains("not tested: whether a claim of the default storage class binds")
            && messages(&plain.report).contains("`--active` tests it"),
        "{}",
        messages(&plain.report)
    );
    let both = run(&server, &["--active", "--read-only"]);
    assert_eq!(testcase(&both.report)["status"], "PASS");
    assert!(messages(&both.report).contains("--read-only wins over --active"));
    assert!(writes(&server).is_empty(), "{:?}", writes(&server));
}

#[test]
fn a_claim_still_pending_at_the_deadline_aborts_with_the_events() {
    let server = server(Storage {
        bind_after: None,
        pending_event: Some(("ProvisioningFailed", "VolumeSizeExceedsAvailableQuota")),
        ..Storage::default()
    });
    let started = Instant::now();
    let run = run(&server, &["--active", "--probe-timeout", "4"]);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(testcase(&run.report)["status"], "ABORT", "{}", run.stderr);
    assert_eq!(run.code, 3);
    let messages = messages(&run.report);
    assert!(
        messages.contains("(WaitForFirstConsumer) was still Pending after")
            && messages.contains("ProvisioningFailed: VolumeSizeExceedsAvailableQuota")
            && messages.contains("--probe-timeout"),
        "{messages}"
    );
    assert!(run.stderr.contains("leftovers: none"), "{}", run.stderr);
    assert!(remaining(&server).is_empty(), "{:?}", remaining(&server));
}

#[test]
fn a_volume_on_one_node_fails() {
    let server = server(Storage {
        volume: json!({"csi": null, "local": {"path": "/mnt/disks/vol1"},
                       "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions":
                           [{"key": "kubernetes.io/hostname", "operator": "In",
                             "values": ["worker-1"]}]}]}}}),
        ..Storage::default()
    });
    let run = run(&server, &["--active", "--probe-timeout", "30"]);
    assert_eq!(testcase(&run.report)["status"], "FAIL", "{}", run.stderr);
    assert_eq!(run.code, 1);
    let messages = messages(&run.report);
    assert!(
        messages.contains("local volume on a node's own disk"),
        "{messages}"
    );
    assert!(
        messages.contains("only be used on node worker-1"),
        "{messages}"
    );
    assert!(remaining(&server).is_empty(), "{:?}", remaining(&server));
}

#[test]
fn a_forbidden_namespace_aborts_naming_the_rights() {
    let server = server(Storage {
        forbid_create: vec!["namespaces"],
        ..Storage::default()
    });
    let run = run(&server, &["--active"]);
    assert_eq!(testcase(&run.report)["status"], "ABORT");
    assert_eq!(run.code, 3);
    let messages = messages(&run.report);
    assert!(
        messages.contains("cannot create namespace scs-check-")
            && messages.contains("HTTP 403 Forbidden")
            && messages.contains("the active part needs to create"),
        "{messages}"
    );
    assert_eq!(writes(&server), vec!["POST /api/v1/namespaces".to_owned()]);
    assert!(run.stderr.contains("leftovers: none"), "{}", run.stderr);
}

#[test]
fn a_namespace_that_cannot_be_deleted_is_listed_with_the_cleanup_command() {
    let server = server(Storage {
        fail_delete: vec!["namespaces"],
        ..Storage::default()
    });
    let run = run(&server, &["--active", "--probe-timeout", "30"]);
    // The claim bound: the verdict stands, the leftover is a warning.
    assert_eq!(testcase(&run.report)["status"], "PASS", "{}", run.stderr);
    let messages = messages(&run.report);
    assert!(
        messages.contains("could not delete namespace scs-check-") && messages.contains("HTTP 500"),
        "{messages}"
    );
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with("leftovers:"))
        .unwrap();
    assert!(
        line.contains("namespace scs-check-")
            && line.contains("scs-check cleanup --kubeconfig ")
            && line.contains("--context fake"),
        "{line}"
    );
    let left = remaining(&server);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].1, "namespaces");
}

/// Runs `--active` with the probe held after its claim exists; returns the process once
/// stderr says so.
fn held_run(server: &Server, home: &std::path::Path) -> Child {
    let kubeconfig = server.kubeconfig(home, TOKEN);
    let mut child = scs_check_process(home)
        .env_remove("KUBECONFIG")
        .env("SCS_CHECK_TEST_HOLD_PROBE", "30")
        .args([
            "run",
            &path(SCOPE),
            "-t",
            "scs-0211",
            "--active",
            "--kubeconfig",
        ])
        .arg(&kubeconfig)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    for line in lines.by_ref() {
        assert!(Instant::now() < deadline, "no hold within 30 s");
        if line.unwrap().contains("holding for 30 s") {
            break;
        }
    }
    // Keep draining stderr so the child never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    child
}

fn signal(child: &Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait(child: &mut Child) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        assert!(Instant::now() < deadline, "the run did not end");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn cleanup(server: &Server, home: &std::path::Path, extra: &[&str]) -> (i32, String) {
    let kubeconfig = server.kubeconfig(home, TOKEN);
    let output = scs_check(home)
        .env_remove("KUBECONFIG")
        .args(["cleanup", "--kubeconfig"])
        .arg(&kubeconfig)
        .args(extra)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    (output.status.code().unwrap(), format!("{stdout}{stderr}"))
}

#[test]
fn sigint_mid_probe_deletes_everything() {
    let server = server(Storage::default());
    let home = tempfile::tempdir().unwrap();
    let mut child = held_run(&server, home.path());
    assert_eq!(remaining(&server).len(), 2, "namespace and claim exist");
    signal(&child, "-INT");
    assert_eq!(wait(&mut child), Some(130));
    assert!(remaining(&server).is_empty(), "{:?}", remaining(&server));
}

#[test]
fn after_sigkill_cleanup_deletes_our_objects_and_spares_the_others() {
    let server = server(Storage::default());
    let labels = json!({"app.kubernetes.io/managed-by": "scs-check"});
    {
        let mut objects = server.objects.lock().unwrap();
        // Labelled but not our name shape; our name shape but not labelled.
        for (name, labels) in [
            ("scs-check-sonobuoy", labels.clone()),
            ("scs-check-notours", labels.clone()),
            ("scs-check-0123456789ab-storage", json!({})),
        ] {
            objects.seed(
                "",
                "namespaces",
                json!({"metadata": {"name": name, "labels": labels}}),
            );
        }
        objects.seed(
            "scs-check-0123456789ab-storage",
            "persistentvolumeclaims",
            json!({"metadata": {"name": "data", "labels": labels}}),
        );
    }
    let home = tempfile::tempdir().unwrap();
    let mut child = held_run(&server, home.path());
    child.kill().unwrap();
    assert_eq!(wait(&mut child), None, "killed by SIGKILL");
    // The four seeded objects, and the killed run's namespace and claim.
    assert_eq!(remaining(&server).len(), 6, "{:?}", remaining(&server));

    let (code, dry) = cleanup(&server, home.path(), &["--dry-run"]);
    assert_eq!(code, 0, "{dry}");
    assert!(
        dry.contains("would delete PersistentVolumeClaim scs-check-")
            && dry.contains("would delete namespace scs-check-"),
        "{dry}"
    );
    assert_eq!(remaining(&server).len(), 6);

    let (code, done) = cleanup(&server, home.path(), &[]);
    assert_eq!(code, 0, "{done}");
    assert!(done.contains("leftovers: none"), "{done}");
    let mut left: Vec<String> = remaining(&server)
        .into_iter()
        .map(|(ns, collection, name)| format!("{ns}/{collection}/{name}"))
        .collect();
    left.sort();
    assert_eq!(
        left,
        vec![
            "/namespaces/scs-check-0123456789ab-storage",
            "/namespaces/scs-check-notours",
            "/namespaces/scs-check-sonobuoy",
            "scs-check-0123456789ab-storage/persistentvolumeclaims/data",
        ]
    );
    let (code, again) = cleanup(&server, home.path(), &[]);
    assert_eq!(code, 0);
    assert!(again.contains("nothing to delete"), "{again}");
}
