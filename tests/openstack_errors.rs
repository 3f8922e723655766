//! What a live run does when the cloud misbehaves: each failure is an ABORT with the reason
//! (or a usage error), never a PASS, never a crash, and the password never shows.
//!
//! A fake Keystone and Nova on 127.0.0.1 (wiremock) answer with exactly the failure under
//! test; the real binary talks to them through a clouds.yaml. The happy path is covered
//! against real OpenStack services in `tests/e2e.rs`.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{files_below, path, scs_check, text};
use serde_json::{json, Value};
use wiremock::matchers::{method, path as url_path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PASSWORD: &str = "s3cr3t-Pa55w0rd-never-printed";

fn token_body(base: &str) -> Value {
    let endpoint = |t: &str, p: &str| {
        json!({"type": t, "name": t, "id": t, "endpoints": [
            {"id": format!("{t}-public"), "interface": "public", "region": "RegionOne", "region_id": "RegionOne",
             "url": format!("{base}{p}")}
        ]})
    };
    json!({"token": {
        "methods": ["password"],
        "expires_at": "2099-01-01T00:00:00.000000Z",
        "issued_at": "2026-01-01T00:00:00.000000Z",
        "user": {"id": "u1", "name": "member", "domain": {"id": "default", "name": "Default"}, "password_expires_at": null},
        "project": {"id": "p1", "name": "demo", "domain": {"id": "default", "name": "Default"}},
        "roles": [{"id": "r1", "name": "member"}],
        "catalog": [endpoint("identity", "/identity/v3"), endpoint("compute", "/compute/v2.1")]
    }})
}

/// Keystone answering discovery and token requests with `token_status`.
async fn fake_keystone(token_status: u16) -> MockServer {
    let server = MockServer::start().await;
    let base = server.uri();
    let version = json!({"version": {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": format!("{base}/identity/v3/")}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]}});
    serve_version_document(&server, "/identity/v3", version).await;
    let tokens = if token_status == 201 {
        ResponseTemplate::new(201)
            .insert_header("X-Subject-Token", "fake-token-value")
            .set_body_json(token_body(&base))
    } else {
        ResponseTemplate::new(token_status).set_body_json(json!({"error": {"code": token_status,
            "title": "Unauthorized", "message": "The request you have made requires authentication."}}))
    };
    Mock::given(method("POST"))
        .and(url_path("/identity/v3/auth/tokens"))
        .respond_with(tokens)
        .mount(&server)
        .await;
    let compute_version = json!({"version": {"id": "v2.1", "status": "CURRENT", "version": "2.96", "min_version": "2.1",
        "updated": "2013-07-23T11:33:21Z", "links": [{"rel": "self", "href": format!("{base}/compute/v2.1/")}]}});
    serve_version_document(&server, "/compute/v2.1", compute_version).await;
    server
}

/// Version discovery asks for the endpoint with and without a trailing slash.
async fn serve_version_document(server: &MockServer, endpoint: &str, document: Value) {
    for url in [endpoint.to_owned(), format!("{endpoint}/")] {
        Mock::given(method("GET"))
            .and(url_path(url))
            .respond_with(ResponseTemplate::new(200).set_body_json(document.clone()))
            .mount(server)
            .await;
    }
}

fn write_clouds(home: &Path, auth_url: &str) -> std::path::PathBuf {
    let clouds = home.join("clouds.yaml");
    std::fs::write(
        &clouds,
        format!(
            "clouds:\n  fake:\n    auth:\n      auth_url: {auth_url}\n      username: member\n      \
             password: {PASSWORD}\n      project_name: demo\n      user_domain_name: Default\n      \
             project_domain_name: Default\n    region_name: RegionOne\n    interface: public\n"
        ),
    )
    .unwrap();
    clouds
}

struct Run {
    code: i32,
    report: Value,
    stdout: String,
    stderr: String,
    leftovers: Vec<String>,
}

fn run_against(auth_url: &str, extra: &[&str]) -> Run {
    let home = tempfile::tempdir().unwrap();
    let clouds = write_clouds(home.path(), auth_url);
    let out = tempfile::tempdir().unwrap();
    let json = out.path().join("r.json");
    let yaml = out.path().join("r.yaml");
    let output = scs_check(home.path())
        .env("OS_CLIENT_CONFIG_FILE", &clouds)
        .args([
            "run",
            &path("scopes/scs-compatible-iaas.yaml"),
            "--os-cloud",
            "fake",
        ])
        .args([
            "-t",
            "scs-0103-flavor-1v-4|scs-0123-service-compute",
            "--timeout",
            "3",
            "--json",
        ])
        .arg(&json)
        .arg("-o")
        .arg(&yaml)
        .args(extra)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    let written = std::fs::read_to_string(&json)
        .unwrap_or_else(|e| panic!("no report ({e}): {stdout}\n{stderr}"));
    let yaml_text = std::fs::read_to_string(&yaml).unwrap();
    for file in [&written, &yaml_text, &stdout, &stderr] {
        assert!(!file.contains(PASSWORD), "the password leaked: {file}");
        assert!(
            !file.contains("fake-token-value"),
            "the token leaked: {file}"
        );
    }
    let leftovers = files_below(home.path())
        .into_iter()
        .filter(|f| f != "clouds.yaml")
        .collect();
    Run {
        code: output.status.code().unwrap(),
        report: serde_json::from_str(&written).unwrap(),
        stdout,
        stderr,
        leftovers,
    }
}

fn testcase<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["testcases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap()
}

fn reason(report: &Value, id: &str) -> String {
    testcase(report, id)["findings"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn run_with_flavors(response: ResponseTemplate) -> Run {
    let server = fake_keystone(201).await;
    Mock::given(method("GET"))
        .and(url_path("/compute/v2.1/flavors/detail"))
        .respond_with(response)
        .mount(&server)
        .await;
    let auth_url = format!("{}/identity/v3", server.uri());
    tokio::task::spawn_blocking(move || run_against(&auth_url, &[]))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_aborts_every_testcase_with_the_reason() {
    let server = fake_keystone(401).await;
    let auth_url = format!("{}/identity/v3", server.uri());
    let run = tokio::task::spawn_blocking(move || run_against(&auth_url, &[]))
        .await
        .unwrap();
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    for id in ["scs-0103-flavor-1v-4", "scs-0123-service-compute"] {
        assert_eq!(testcase(&run.report, id)["status"], "ABORT");
        assert!(
            reason(&run.report, id).contains("cannot authenticate to cloud `fake`"),
            "{}",
            reason(&run.report, id)
        );
    }
    assert!(run.stderr.contains("cannot authenticate"), "{}", run.stderr);
    assert!(
        run.leftovers.is_empty(),
        "left files behind: {:?}",
        run.leftovers
    );
}

#[test]
fn refused_connection_aborts() {
    // Port 9 (discard) is closed on loopback here; nothing listens.
    let run = run_against("http://127.0.0.1:9/identity/v3", &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(
        testcase(&run.report, "scs-0123-service-compute")["status"],
        "ABORT"
    );
    assert!(reason(&run.report, "scs-0123-service-compute").contains("127.0.0.1:9"));
}

#[tokio::test(flavor = "multi_thread")]
async fn server_error_on_flavors_aborts_only_what_reads_flavors() {
    let run = run_with_flavors(ResponseTemplate::new(503).set_body_string("maintenance")).await;
    assert_eq!(
        testcase(&run.report, "scs-0103-flavor-1v-4")["status"],
        "ABORT"
    );
    let why = reason(&run.report, "scs-0103-flavor-1v-4");
    assert!(
        why.contains("503") && why.contains("flavors/detail"),
        "{why}"
    );
    assert_eq!(
        testcase(&run.report, "scs-0123-service-compute")["status"],
        "PASS"
    );
    assert_eq!(run.code, 3);
    assert!(
        run.leftovers.is_empty(),
        "left files behind: {:?}",
        run.leftovers
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_json_aborts() {
    let run =
        run_with_flavors(ResponseTemplate::new(200).set_body_string("{\"flavors\": [tru")).await;
    assert_eq!(
        testcase(&run.report, "scs-0103-flavor-1v-4")["status"],
        "ABORT"
    );
    assert!(reason(&run.report, "scs-0103-flavor-1v-4").contains("not the expected JSON"));
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_answer_times_out_and_aborts() {
    let slow = ResponseTemplate::new(200)
        .set_body_json(json!({"flavors": []}))
        .set_delay(Duration::from_secs(8));
    let run = run_with_flavors(slow).await;
    assert_eq!(
        testcase(&run.report, "scs-0103-flavor-1v-4")["status"],
        "ABORT"
    );
    let why = reason(&run.report, "scs-0103-flavor-1v-4");
    assert!(
        why.contains("within 3s") || why.contains("timed out") || why.contains("timeout"),
        "{why}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn flavors_are_read_with_extra_specs_and_pagination() {
    let server = fake_keystone(201).await;
    let base = server.uri();
    let page2 = format!("{base}/compute/v2.1/flavors/detail?marker=f1");
    let flavor = |id: &str, name: &str| {
        json!({"id": id, "name": name, "vcpus": 1, "ram": 4096, "disk": 0,
               "extra_specs": {"scs:cpu-type": "shared-core", "scs:name-v1": "SCS-1V:4", "scs:name-v2": "SCS-1V-4"}})
    };
    Mock::given(method("GET"))
        .and(url_path("/compute/v2.1/flavors/detail"))
        .and(wiremock::matchers::query_param("marker", "f1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"flavors": [flavor("f2", "SCS-1V-4")]})),
        )
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(url_path("/compute/v2.1/flavors/detail"))
        .and(wiremock::matchers::header(
            "OpenStack-API-Version",
            "compute 2.61",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "flavors": [flavor("f1", "other")],
            "flavors_links": [{"rel": "next", "href": page2}]})))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let auth_url = format!("{base}/identity/v3");
    let run = tokio::task::spawn_blocking(move || run_against(&auth_url, &[]))
        .await
        .unwrap();
    assert_eq!(
        testcase(&run.report, "scs-0103-flavor-1v-4")["status"],
        "PASS",
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    server.verify().await;
}
