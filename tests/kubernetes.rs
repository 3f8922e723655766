//! The Kubernetes side end to end: the real binary against a fake HTTPS API server
//! (`tests/kube_fake`), through a generated kubeconfig, as a user would run it.
//!
//! Release data are written per test with dates relative to today, so the scenarios keep
//! their verdicts whenever the tests run.

mod common;
mod kube_fake;

use std::path::Path;
use std::process::Command as Process;

use chrono::{Days, NaiveDate, Utc};
use common::{path, scs_check, text};
use kube_fake::{Cluster, Server, TOKEN};
use serde_json::{json, Value};

const SCOPE: &str = "tests/data/kaas-checks-scope.yaml";

fn days_ago(n: u64) -> NaiveDate {
    Utc::now().date_naive() - Days::new(n)
}

fn days_ahead(n: u64) -> NaiveDate {
    Utc::now().date_naive() + Days::new(n)
}

/// 1.33: supported, 1.33.5 out for 40 days (1.33.4 is thus overdue); 1.32: EOL yesterday.
fn write_release_data(dir: &Path) {
    let text = format!(
        "releases_as_of: {today}\nbranches:\n\
         - branch: '1.33'\n  end_of_life: {eol_133}\n  releases:\n\
         \x20 - {{version: 1.33.4, date: {d70}, critical_cves: []}}\n\
         \x20 - {{version: 1.33.5, date: {d40}, critical_cves: []}}\n\
         - branch: '1.32'\n  end_of_life: {yesterday}\n  releases:\n\
         \x20 - {{version: 1.32.9, date: {d80}, critical_cves: []}}\n",
        today = days_ago(0),
        eol_133 = days_ahead(200),
        d70 = days_ago(70),
        d40 = days_ago(40),
        yesterday = days_ago(1),
        d80 = days_ago(80),
    );
    std::fs::write(dir.join("releases.yaml"), text).unwrap();
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    report: Value,
}

/// Runs the test scope against `server` with the kubeconfig in a fresh home.
fn run_scope(server: &Server, token: &str, extra: &[&str]) -> Run {
    let home = tempfile::tempdir().unwrap();
    write_release_data(home.path());
    let kubeconfig = server.kubeconfig(home.path(), token);
    let json = home.path().join("report.json");
    let output = scs_check(home.path())
        // No sonobuoy anywhere.
        .env("PATH", "/nonexistent")
        .env_remove("KUBECONFIG")
        .args(["run", &path(SCOPE), "--kubeconfig"])
        .arg(&kubeconfig)
        .arg("--json")
        .arg(&json)
        .args(extra)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    let report = std::fs::read_to_string(&json)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(Value::Null);
    Run {
        code: output.status.code().unwrap(),
        stdout,
        stderr,
        report,
    }
}

fn testcase<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["testcases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("{id} in the report"))
}

fn status<'a>(report: &'a Value, id: &str) -> &'a str {
    testcase(report, id)["status"].as_str().unwrap()
}

fn messages(report: &Value, id: &str) -> String {
    testcase(report, id)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}: {}",
                f["level"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn set_label_everywhere(cluster: &mut Cluster, key: &str, value: &str) {
    for node in &mut cluster.nodes {
        node["metadata"]["labels"][key] = json!(value);
    }
}

#[test]
fn a_compliant_cluster() {
    let server = Server::start(Cluster::from_fixtures("v1.33.5"));
    let run = run_scope(&server, TOKEN, &[]);
    assert_eq!(
        status(&run.report, "version-policy-check"),
        "PASS",
        "{}",
        run.stderr
    );
    assert_eq!(
        status(&run.report, "scs-0211-default-storage-class"),
        "PASS"
    );
    // Spread over three zones, yet the physical machines are for the provider to confirm.
    assert_eq!(status(&run.report, "node-distribution-check"), "ABORT");
    assert!(messages(&run.report, "node-distribution-check")
        .contains("the control plane runs on 3 nodes in zones az-1, az-2, az-3"));
    assert_eq!(status(&run.report, "cncf-k8s-conformance"), "ABORT");
    assert!(messages(&run.report, "cncf-k8s-conformance").contains("sonobuoy not found"));
    assert_eq!(run.code, 3, "ABORT is exit code 3");
    assert_eq!(run.report["source"]["cloud"], "fake");
    // Each fact read once; lists paged (the fake returns at most 2 items a page).
    let requests = server.requests();
    let count = |prefix: &str| requests.iter().filter(|r| r.starts_with(prefix)).count();
    assert_eq!(count("GET /version"), 1, "{requests:?}");
    assert_eq!(
        count("GET /api/v1/nodes?"),
        3,
        "5 nodes in pages of 2: {requests:?}"
    );
    assert!(
        requests.iter().any(|r| r.contains("continue=2")),
        "{requests:?}"
    );
    assert_eq!(count("GET /apis/storage.k8s.io/v1/storageclasses?"), 2);
    assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN));
}

#[test]
fn an_end_of_life_version_fails() {
    let server = Server::start(Cluster::from_fixtures("v1.32.9"));
    let run = run_scope(&server, TOKEN, &["-t", "version-policy-check"]);
    assert_eq!(status(&run.report, "version-policy-check"), "FAIL");
    assert!(messages(&run.report, "version-policy-check").contains("reached its end of life"));
    assert_eq!(run.code, 1);
}

#[test]
fn a_stale_patch_fails_and_build_metadata_is_ignored() {
    let server = Server::start(Cluster::from_fixtures("v1.33.4+k3s1"));
    let run = run_scope(&server, TOKEN, &["-t", "version-policy-check"]);
    assert_eq!(status(&run.report, "version-policy-check"), "FAIL");
    assert!(messages(&run.report, "version-policy-check")
        .contains("upgrade the cluster from 1.33.4 to 1.33.5"));
}

#[test]
fn no_default_storage_class_fails() {
    let mut cluster = Cluster::from_fixtures("v1.33.5");
    cluster.storage_classes[0]["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("annotations");
    let server = Server::start(cluster);
    let run = run_scope(&server, TOKEN, &["-t", "scs-0211"]);
    assert_eq!(
        status(&run.report, "scs-0211-default-storage-class"),
        "FAIL"
    );
    assert!(messages(&run.report, "scs-0211-default-storage-class")
        .contains("no default storage class among 3 classes"));
}

#[test]
fn deviation_two_default_storage_classes_warn() {
    let mut cluster = Cluster::from_fixtures("v1.33.5");
    cluster.storage_classes[1]["metadata"]["annotations"] =
        json!({"storageclass.kubernetes.io/is-default-class": "true"});
    let server = Server::start(cluster);
    let run = run_scope(&server, TOKEN, &["-t", "scs-0211"]);
    assert_eq!(
        status(&run.report, "scs-0211-default-storage-class"),
        "PASS"
    );
    assert!(messages(&run.report, "scs-0211-default-storage-class")
        .contains("warning: 2 storage classes are default (standard, fast)"));
}

#[test]
fn all_nodes_in_one_zone_warn_and_missing_labels_fail() {
    let mut cluster = Cluster::from_fixtures("v1.33.5");
    set_label_everywhere(&mut cluster, "topology.kubernetes.io/zone", "az-1");
    let server = Server::start(cluster.clone());
    let run = run_scope(&server, TOKEN, &["-t", "node-distribution"]);
    assert_eq!(status(&run.report, "node-distribution-check"), "ABORT");
    let found = messages(&run.report, "node-distribution-check");
    assert!(
        found.contains("control-plane nodes should span several failure zones; all 3 are in az-1"),
        "{found}"
    );
    assert!(
        found.contains("worker nodes are recommended to span"),
        "{found}"
    );

    cluster.nodes[4]["metadata"]["labels"]
        .as_object_mut()
        .unwrap()
        .remove("topology.kubernetes.io/region");
    let server = Server::start(cluster);
    let run = run_scope(&server, TOKEN, &["-t", "node-distribution"]);
    assert_eq!(status(&run.report, "node-distribution-check"), "FAIL");
    assert_eq!(
        testcase(&run.report, "node-distribution-check")["findings"][0]["object"],
        "worker-2"
    );
}

#[test]
fn refused_credentials_and_permissions_abort_with_the_reason_never_the_token() {
    let server = Server::start(Cluster::from_fixtures("v1.33.5"));
    let wrong = "wrong-token-also-never-printed";
    let run = run_scope(&server, wrong, &[]);
    // /version needs no credentials (as on a real server); the lists do.
    assert_eq!(status(&run.report, "version-policy-check"), "PASS");
    for id in ["scs-0211-default-storage-class", "node-distribution-check"] {
        assert_eq!(status(&run.report, id), "ABORT");
        assert!(
            messages(&run.report, id).contains("HTTP 401 Unauthorized"),
            "{}",
            messages(&run.report, id)
        );
        assert!(messages(&run.report, id).contains("renew the token"));
    }
    let everything = format!("{}{}{}", run.stdout, run.stderr, run.report);
    assert!(!everything.contains(wrong));

    let mut cluster = Cluster::from_fixtures("v1.33.5");
    cluster
        .failures
        .insert("/apis/storage.k8s.io/v1/storageclasses".into(), 403);
    let server = Server::start(cluster);
    let run = run_scope(&server, TOKEN, &["-t", "scs-0211|node"]);
    assert_eq!(
        status(&run.report, "scs-0211-default-storage-class"),
        "ABORT"
    );
    assert!(messages(&run.report, "scs-0211-default-storage-class").contains("HTTP 403 Forbidden"));
    assert_eq!(
        status(&run.report, "node-distribution-check"),
        "ABORT",
        "only machines undecided"
    );
}

#[test]
fn a_slow_answer_aborts_what_reads_it_after_the_timeout() {
    let mut cluster = Cluster::from_fixtures("v1.33.5");
    cluster.slow.push("/api/v1/nodes".into());
    let server = Server::start(cluster);
    let started = std::time::Instant::now();
    let run = run_scope(&server, TOKEN, &["-t", "scs-0211|node", "--timeout", "2"]);
    assert!(started.elapsed().as_secs() < 20);
    assert_eq!(status(&run.report, "node-distribution-check"), "ABORT");
    let found = messages(&run.report, "node-distribution-check");
    assert!(found.contains("within 2s"), "{found}");
    assert_eq!(
        status(&run.report, "scs-0211-default-storage-class"),
        "PASS"
    );
}

#[test]
fn record_and_replay_give_the_same_verdicts_without_secrets() {
    let server = Server::start(Cluster::from_fixtures("v1.33.4"));
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("cluster.json");
    let live = run_scope(&server, TOKEN, &["--record", snapshot.to_str().unwrap()]);
    let recorded = std::fs::read_to_string(&snapshot).unwrap();
    assert!(!recorded.contains(TOKEN) && !recorded.contains("BEGIN CERTIFICATE"));
    assert!(recorded.contains("\"git_version\": \"v1.33.4\""));
    let home = tempfile::tempdir().unwrap();
    write_release_data(home.path());
    let json = home.path().join("replay.json");
    let output = scs_check(home.path())
        .env("PATH", "/nonexistent")
        .args(["run", &path(SCOPE), "--snapshot"])
        .arg(&snapshot)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    let replay: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    for id in [
        "version-policy-check",
        "scs-0211-default-storage-class",
        "node-distribution-check",
    ] {
        assert_eq!(status(&replay, id), status(&live.report, id), "{id}");
    }
    assert_eq!(output.status.code(), Some(live.code));
}

#[test]
fn kubeconfig_resolution_as_kubectl_does_it() {
    let server = Server::start(Cluster::from_fixtures("v1.33.5"));
    let home = tempfile::tempdir().unwrap();
    write_release_data(home.path());
    let real = server.kubeconfig(home.path(), TOKEN);
    // A second file whose current-context comes first and points elsewhere; --context picks
    // the fake cluster's context from the merged files. A missing file in KUBECONFIG is skipped.
    let other = home.path().join("other.yaml");
    std::fs::write(
        &other,
        "apiVersion: v1\nkind: Config\ncurrent-context: elsewhere\nclusters:\n- name: x\n  cluster: {server: 'https://127.0.0.1:1'}\nusers:\n- name: y\n  user: {token: z}\ncontexts:\n- name: elsewhere\n  context: {cluster: x, user: y}\n",
    )
    .unwrap();
    let list = std::env::join_paths([
        other.as_path(),
        Path::new("/nonexistent/kc"),
        real.as_path(),
    ])
    .unwrap();
    let output = scs_check(home.path())
        .env("PATH", "/nonexistent")
        .env("KUBECONFIG", &list)
        .args(["run", &path(SCOPE), "-t", "scs-0211", "--context", "fake"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");

    // Usage errors (exit 2) naming the file or the context.
    for (args, env, expected) in [
        (
            vec!["--kubeconfig", "/nonexistent/kc"],
            None,
            "no kubeconfig: /nonexistent/kc does not exist",
        ),
        (
            vec![],
            Some("/nonexistent/a"),
            "none of the files in KUBECONFIG (/nonexistent/a)",
        ),
        (
            vec!["--context", "nope"],
            Some(list.to_str().unwrap()),
            "context `nope` is not defined",
        ),
    ] {
        let mut command = scs_check(home.path());
        command.env_remove("KUBECONFIG");
        if let Some(env) = env {
            command.env("KUBECONFIG", env);
        }
        let output = command
            .args(["run", &path(SCOPE)])
            .args(&args)
            .output()
            .unwrap();
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
    let broken = home.path().join("broken.yaml");
    std::fs::write(&broken, "clusters: [").unwrap();
    let output = scs_check(home.path())
        .args(["run", &path(SCOPE), "--kubeconfig"])
        .arg(&broken)
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains(&format!("kubeconfig {}:", broken.display())),
        "{stderr}"
    );
}

/// The other ways a kubeconfig authenticates: a client certificate (files relative to the
/// kubeconfig) and an exec plugin printing an ExecCredential.
#[test]
fn client_certificates_and_exec_plugins_authenticate() {
    let server = Server::start(Cluster::from_fixtures("v1.33.5"));
    let home = tempfile::tempdir().unwrap();
    write_release_data(home.path());
    std::fs::write(home.path().join("client.crt"), &server.client_cert_pem).unwrap();
    std::fs::write(home.path().join("client.key"), &server.client_key_pem).unwrap();
    let plugin = home.path().join("credential-plugin.sh");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\necho '{{\"apiVersion\": \"client.authentication.k8s.io/v1\", \
             \"kind\": \"ExecCredential\", \"status\": {{\"token\": \"{TOKEN}\"}}}}'\n"
        ),
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&plugin).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&plugin, permissions).unwrap();
    for user in [
        "client-certificate: client.crt\n    client-key: client.key",
        "exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: \
         ./credential-plugin.sh\n      interactiveMode: Never",
    ] {
        let kubeconfig = server.kubeconfig_for_user(home.path(), user);
        let output = scs_check(home.path())
            .args([
                "run",
                &path(SCOPE),
                "-t",
                "scs-0211|version",
                "--kubeconfig",
            ])
            .arg(&kubeconfig)
            .output()
            .unwrap();
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{user}: {stdout}\n{stderr}");
        assert!(!stdout.contains("BEGIN") && !stderr.contains(TOKEN));
    }
}

/// kubectl, a second and independent client, accepts the fake: the kubeconfig, TLS, auth,
/// discovery, the list shapes and paging are those of a real server where it matters.
#[test]
fn kubectl_agrees_with_the_fake() {
    let server = Server::start(Cluster::from_fixtures("v1.33.5"));
    let home = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig(home.path(), TOKEN);
    let kubectl = |args: &[&str]| {
        let output = Process::new("kubectl")
            .env("HOME", home.path())
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(args)
            .output()
            .expect("kubectl is installed");
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "kubectl {args:?}: {stderr}");
        stdout
    };
    let version: Value = serde_json::from_str(&kubectl(&["version", "-o", "json"])).unwrap();
    assert_eq!(version["serverVersion"]["gitVersion"], "v1.33.5");
    let nodes = kubectl(&["get", "nodes", "-o", "name", "--chunk-size=2"]);
    assert_eq!(nodes.lines().count(), 5, "{nodes}");
    let classes: Value =
        serde_json::from_str(&kubectl(&["get", "storageclasses", "-o", "json"])).unwrap();
    assert_eq!(classes["items"][0]["metadata"]["name"], "standard");
    assert_eq!(classes["items"].as_array().unwrap().len(), 3);
}

/// The bundled demo cluster replays offline with the shipped release data.
#[test]
fn the_demo_cluster_snapshot_fails_the_version_policy() {
    let home = tempfile::tempdir().unwrap();
    let output = scs_check(home.path())
        .env("PATH", "/nonexistent")
        .args([
            "run",
            &path("scopes/scs-compatible-kaas.yaml"),
            "-v",
            "--snapshot",
        ])
        .arg(path("fixtures/demo-cluster.json"))
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("1.33.4 was released on 2025-08-13"),
        "{stdout}"
    );
    assert!(stdout.contains("sonobuoy not found"), "{stdout}");
}

/// A `sonobuoy` stand-in: logs its arguments, prints progress, fails `run` when told to, and
/// `retrieve` extracts results shaped like sonobuoy's `plugins/e2e/sonobuoy_results.yaml`.
const FAKE_SONOBUOY: &str = r#"#!/bin/sh
echo "$*" >> "$FAKE_DIR/calls.log"
case "$1" in
  run) echo "Progress: 3/5 tests"; exit "${FAKE_RUN_EXIT:-0}" ;;
  retrieve) mkdir -p "$2/plugins/e2e"
    case "$2" in *0219) results=netpol.yaml ;; *) results=e2e.yaml ;; esac
    cp "$FAKE_DIR/$results" "$2/plugins/e2e/sonobuoy_results.yaml" ;;
esac
"#;

fn sonobuoy_results(tests: &[(&str, &str)]) -> String {
    let items: String = tests
        .iter()
        .map(|(name, status)| {
            format!(
                "  - name: '{name}'\n    status: {status}\n    meta: {{path: '{name}'}}\n    \
                 details: {{failure: 'Expected <bool>: false to be true'}}\n"
            )
        })
        .collect();
    format!(
        "name: e2e\nstatus: failed\nmeta: {{type: summary}}\nitems:\n- name: \
         /tmp/sonobuoy/results/junit_01.xml\n  status: failed\n  meta: {{file: \
         results/global/junit_01.xml}}\n  items:\n{items}"
    )
}

/// Runs both sonobuoy testcases of the KaaS scope with the fake on PATH.
fn run_with_fake_sonobuoy(run_exit: &str) -> (Run, String, std::path::PathBuf) {
    let server = Server::start(Cluster::from_fixtures("v1.33.5"));
    let home = tempfile::tempdir().unwrap().keep();
    let bin = home.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("sonobuoy"), FAKE_SONOBUOY).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("sonobuoy"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let unmatched = "[sig-apps] Deployment should run the lifecycle of a Deployment [Conformance]";
    let allowed =
        "[sig-network] Services should have session affinity work for NodePort service [LinuxOnly] [Conformance]";
    let e2e = sonobuoy_results(&[
        (unmatched, "failed"),
        (allowed, "failed"),
        ("[sig-node] Pods x", "passed"),
    ]);
    std::fs::write(home.join("e2e.yaml"), e2e).unwrap();
    let netpol = sonobuoy_results(&[
        ("[sig-network] Netpol NetworkPolicy between server and client should support a default-deny-ingress policy [Feature:NetworkPolicy]", "passed"),
        ("[sig-network] Netpol [Feature:SCTPConnectivity] should enforce policy based on Ports", "failed"),
        ("[sig-network] Netpol skipped one", "skipped"),
    ]);
    std::fs::write(home.join("netpol.yaml"), netpol).unwrap();
    let kubeconfig = server.kubeconfig(&home, TOKEN);
    let json = home.join("report.json");
    let output = scs_check(&home)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("FAKE_DIR", &home)
        .env("FAKE_RUN_EXIT", run_exit)
        .env_remove("KUBECONFIG")
        .args([
            "run",
            &path("scopes/scs-compatible-kaas.yaml"),
            "-t",
            "cncf|kaas-net",
        ])
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["-a", "subject_root=.", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    let report = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let calls = std::fs::read_to_string(home.join("calls.log")).unwrap_or_default();
    let run = Run {
        code: output.status.code().unwrap(),
        stdout,
        stderr,
        report,
    };
    (run, calls, home)
}

#[test]
fn sonobuoy_results_decide_conformance_and_networking_with_the_allowed_failures() {
    let (run, calls, home) = run_with_fake_sonobuoy("0");
    assert_eq!(
        status(&run.report, "cncf-k8s-conformance"),
        "FAIL",
        "{}",
        run.stderr
    );
    let conformance = messages(&run.report, "cncf-k8s-conformance");
    let failed = &testcase(&run.report, "cncf-k8s-conformance")["findings"][0];
    assert_eq!(
        failed["object"],
        "[sig-apps] Deployment should run the lifecycle of a Deployment [Conformance]"
    );
    assert_eq!(failed["level"], "error");
    assert!(conformance.contains("failed, allowed: Fails when a cluster has no InternalIP"));
    assert!(conformance.contains("1 e2e tests passed, 0 skipped, 2 failed"));
    assert_eq!(
        status(&run.report, "kaas-networking-check"),
        "PASS",
        "{}",
        messages(&run.report, "kaas-networking-check")
    );
    assert!(messages(&run.report, "kaas-networking-check").contains("SCTPConnectivity is optional"));
    assert_eq!(run.code, 1);
    // Sonobuoy's progress reaches stderr, never stdout; its calls stay in our namespace.
    assert!(run.stderr.contains("Progress: 3/5 tests") && !run.stdout.contains("Progress"));
    let lines: Vec<&str> = calls.lines().collect();
    assert_eq!(lines.len(), 8, "{calls}");
    assert!(lines
        .iter()
        .all(|l| l.contains("--namespace scs-check-sonobuoy --kubeconfig")));
    assert!(lines[0].starts_with("delete --wait") && lines[3].starts_with("delete --wait"));
    assert!(lines[1].starts_with("run --wait=360 --wait-output=progress"));
    assert!(lines[1].contains("--mode=certified-conformance --e2e-parallel=true"));
    assert!(lines[5].contains("--e2e-focus NetworkPolicy"));
    assert!(lines[2].starts_with("retrieve ./sono-results-e2e --extract"));
    // Kept under subject_root, as upstream keeps them.
    assert!(home
        .join("sono-results-0219/plugins/e2e/sonobuoy_results.yaml")
        .is_file());
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn a_failing_sonobuoy_aborts_both_testcases() {
    let (run, calls, home) = run_with_fake_sonobuoy("2");
    for testcase in ["cncf-k8s-conformance", "kaas-networking-check"] {
        assert_eq!(status(&run.report, testcase), "ABORT");
        assert!(messages(&run.report, testcase).contains("`sonobuoy run` failed (exit status: 2)"));
    }
    assert_eq!(run.code, 3);
    // Cleaned up after each failed run too.
    assert_eq!(
        calls.lines().filter(|l| l.starts_with("delete")).count(),
        4,
        "{calls}"
    );
    let _ = std::fs::remove_dir_all(home);
}
