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
use wiremock::matchers::{method, path as url_path, path_regex as url_path_regex};
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
        "catalog": [endpoint("identity", "/identity/v3"), endpoint("compute", "/compute/v2.1"),
                    endpoint("object-store", "/swift/v1/AUTH_p1"), endpoint("key-manager", "/key-manager"),
                    endpoint("image", "/image"), endpoint("network", "/network")]
    }})
}

/// Keystone answering discovery, and token requests with the right password (201) or
/// always refusing them (401).
async fn fake_keystone(token_status: u16) -> MockServer {
    let server = MockServer::start().await;
    let base = server.uri();
    let version = json!({"version": {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": format!("{base}/identity/v3/")}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]}});
    serve_version_document(&server, "/identity/v3", version).await;
    // Like Keystone: a token only for the right password; 401 for anything else.
    let refusal = ResponseTemplate::new(401).set_body_json(json!({"error": {"code": 401,
        "title": "Unauthorized", "message": "The request you have made requires authentication."}}));
    if token_status == 201 {
        Mock::given(method("POST"))
            .and(url_path("/identity/v3/auth/tokens"))
            .and(wiremock::matchers::body_string_contains(PASSWORD))
            .respond_with(
                ResponseTemplate::new(201)
                    .insert_header("X-Subject-Token", "fake-token-value")
                    .set_body_json(token_body(&base)),
            )
            .with_priority(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(url_path("/identity/v3/auth/tokens"))
        .respond_with(refusal)
        .with_priority(2)
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

/// How the test tells scs-check about the cloud, as a user of the `openstack` CLI would.
#[derive(Clone, Copy)]
enum Config {
    /// `clouds.yaml` named by `OS_CLIENT_CONFIG_FILE`, with `--os-cloud fake`.
    CloudsYaml,
    /// `~/.config/openstack/clouds.yaml` without the password, which is in `secure.yaml`.
    SecureYaml,
    /// `OS_*` variables only, no cloud name.
    Environment,
}

const AUTH: &str =
    "      username: member\n      project_name: demo\n      user_domain_name: Default\n      \
                    project_domain_name: Default\n";

fn configure(command: &mut assert_cmd::Command, home: &Path, auth_url: &str, config: Config) {
    let cloud = format!(
        "clouds:\n  fake:\n    auth:\n      auth_url: {auth_url}\n{AUTH}    region_name: RegionOne\n    \
         interface: public\n"
    );
    let secret = format!("clouds:\n  fake:\n    auth:\n      password: {PASSWORD}\n");
    match config {
        Config::CloudsYaml => {
            let clouds = home.join("clouds.yaml");
            std::fs::write(
                &clouds,
                cloud.replace(AUTH, &format!("{AUTH}      password: {PASSWORD}\n")),
            )
            .unwrap();
            command
                .env("OS_CLIENT_CONFIG_FILE", clouds)
                .args(["--os-cloud", "fake"]);
        }
        Config::SecureYaml => {
            let dir = home.join(".config/openstack");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("clouds.yaml"), cloud).unwrap();
            std::fs::write(dir.join("secure.yaml"), secret).unwrap();
            command.args(["--os-cloud", "fake"]);
        }
        Config::Environment => {
            command.envs([
                ("OS_AUTH_URL", auth_url),
                ("OS_USERNAME", "member"),
                ("OS_PASSWORD", PASSWORD),
                ("OS_PROJECT_NAME", "demo"),
                ("OS_USER_DOMAIN_NAME", "Default"),
                ("OS_PROJECT_DOMAIN_NAME", "Default"),
                ("OS_REGION_NAME", "RegionOne"),
                ("OS_INTERFACE", "public"),
            ]);
        }
    }
}

struct Run {
    code: i32,
    report: Value,
    stdout: String,
    stderr: String,
    leftovers: Vec<String>,
}

/// The testcases most tests decide: one reading flavors, one reading the catalog.
const FLAVOR_AND_CATALOG: &str = "scs-0103-flavor-1v-4|scs-0123-service-compute";

fn run_against(auth_url: &str, extra: &[&str]) -> Run {
    run_configured(auth_url, Config::CloudsYaml, FLAVOR_AND_CATALOG, extra)
}

fn run_configured(auth_url: &str, config: Config, tests: &str, extra: &[&str]) -> Run {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let json = out.path().join("r.json");
    let yaml = out.path().join("r.yaml");
    let junit = out.path().join("r.xml");
    let snapshot = out.path().join("snapshot.json");
    let mut command = scs_check(home.path());
    // -vv: the debug log must not carry secrets either.
    command.args(["-vv", "run", &path("scopes/scs-compatible-iaas.yaml")]);
    configure(&mut command, home.path(), auth_url, config);
    let output = command
        .args(["-t", tests, "--timeout", "3", "--json"])
        .arg(&json)
        .arg("-o")
        .arg(&yaml)
        .arg("--junit")
        .arg(&junit)
        .arg("--record")
        .arg(&snapshot)
        .args(extra)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    let written = std::fs::read_to_string(&json)
        .unwrap_or_else(|e| panic!("no report ({e}): {stdout}\n{stderr}"));
    let outputs = [&yaml, &junit, &snapshot].map(|f| std::fs::read_to_string(f).unwrap());
    for file in outputs.iter().chain([&written, &stdout, &stderr]) {
        assert!(!file.contains(PASSWORD), "the password leaked: {file}");
        assert!(
            !file.contains("fake-token-value"),
            "the token leaked: {file}"
        );
    }
    let ours = [
        "clouds.yaml",
        ".config/",
        ".config/openstack/",
        ".config/openstack/clouds.yaml",
        ".config/openstack/secure.yaml",
    ];
    let leftovers = files_below(home.path())
        .into_iter()
        .filter(|f| !ours.contains(&f.as_str()))
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

async fn compliant_flavor_server() -> MockServer {
    let server = fake_keystone(201).await;
    Mock::given(method("GET"))
        .and(url_path("/compute/v2.1/flavors/detail"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"flavors": [
            {"id": "f1", "name": "SCS-1V-4", "vcpus": 1, "ram": 4096, "disk": 0,
             "extra_specs": {"scs:cpu-type": "shared-core", "scs:name-v1": "SCS-1V:4", "scs:name-v2": "SCS-1V-4"}}]})))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn password_from_secure_yaml_and_clouds_from_the_search_path() {
    let server = compliant_flavor_server().await;
    let auth_url = format!("{}/identity/v3", server.uri());
    let run = tokio::task::spawn_blocking(move || {
        run_configured(&auth_url, Config::SecureYaml, FLAVOR_AND_CATALOG, &[])
    })
    .await
    .unwrap();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.report["source"]["cloud"], "fake");
}

#[tokio::test(flavor = "multi_thread")]
async fn os_variables_describe_the_cloud_without_a_name() {
    let server = compliant_flavor_server().await;
    let auth_url = format!("{}/identity/v3", server.uri());
    let run = tokio::task::spawn_blocking(move || {
        run_configured(&auth_url, Config::Environment, FLAVOR_AND_CATALOG, &[])
    })
    .await
    .unwrap();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.report["source"]["cloud"], "envvars");
}

#[tokio::test(flavor = "multi_thread")]
async fn nova_older_than_2_61_gets_extra_specs_per_flavor() {
    let server = fake_keystone(201).await;
    Mock::given(method("GET"))
        .and(url_path("/compute/v2.1/flavors/detail"))
        .and(wiremock::matchers::header(
            "OpenStack-API-Version",
            "compute 2.61",
        ))
        .respond_with(
            ResponseTemplate::new(406).set_body_string("Version 2.61 is not supported by the API."),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(url_path("/compute/v2.1/flavors/detail"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"flavors": [
            {"id": "f1", "name": "SCS-1V-4", "vcpus": 1, "ram": 4096, "disk": 0}]})))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(url_path("/compute/v2.1/flavors/f1/os-extra_specs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"extra_specs":
            {"scs:cpu-type": "shared-core", "scs:name-v1": "SCS-1V:4", "scs:name-v2": "SCS-1V-4"}})))
        .expect(1)
        .mount(&server)
        .await;
    let auth_url = format!("{}/identity/v3", server.uri());
    let run = tokio::task::spawn_blocking(move || run_against(&auth_url, &[]))
        .await
        .unwrap();
    assert_eq!(
        testcase(&run.report, "scs-0103-flavor-1v-4")["status"],
        "PASS",
        "{}",
        run.stdout
    );
    server.verify().await;
}

async fn run_s3(answer: ResponseTemplate) -> Run {
    let server = fake_keystone(201).await;
    Mock::given(method("GET"))
        .and(url_path("/"))
        .and(wiremock::matchers::header_regex(
            "Authorization",
            "Credential=doesnotexist/",
        ))
        .respond_with(answer)
        .expect(1)
        .mount(&server)
        .await;
    let auth_url = format!("{}/identity/v3", server.uri());
    let run = tokio::task::spawn_blocking(move || {
        run_configured(
            &auth_url,
            Config::CloudsYaml,
            "scs-0123-swift-s3",
            &["-V", "v5.1"],
        )
    })
    .await
    .unwrap();
    server.verify().await;
    run
}

#[tokio::test(flavor = "multi_thread")]
async fn object_store_host_that_refuses_an_unknown_s3_key_speaks_s3() {
    let refusal = "<?xml version=\"1.0\"?><Error><Code>InvalidAccessKeyId</Code><Message>The AWS Access Key Id you provided does not exist in our records.</Message></Error>";
    let run = run_s3(ResponseTemplate::new(403).set_body_string(refusal)).await;
    assert_eq!(
        testcase(&run.report, "scs-0123-swift-s3")["status"],
        "PASS",
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn object_store_host_without_s3_fails() {
    let run = run_s3(ResponseTemplate::new(401).set_body_string("<html>Unauthorized</html>")).await;
    assert_eq!(testcase(&run.report, "scs-0123-swift-s3")["status"], "FAIL");
    assert!(reason(&run.report, "scs-0123-swift-s3").contains("HTTP 401"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_without_catalog_aborts_instead_of_failing() {
    let server = MockServer::start().await;
    let base = server.uri();
    let version = json!({"version": {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": format!("{base}/identity/v3/")}]}});
    serve_version_document(&server, "/identity/v3", version).await;
    let mut token = token_body(&base);
    token["token"].as_object_mut().unwrap().remove("catalog");
    Mock::given(method("POST"))
        .and(url_path("/identity/v3/auth/tokens"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("X-Subject-Token", "fake-token-value")
                .set_body_json(token),
        )
        .mount(&server)
        .await;
    let auth_url = format!("{base}/identity/v3");
    let run = tokio::task::spawn_blocking(move || {
        run_configured(
            &auth_url,
            Config::CloudsYaml,
            "scs-0123-|scs-0116-",
            &["-V", "v5.1"],
        )
    })
    .await
    .unwrap();
    for id in ["scs-0123-service-compute", "scs-0123-swift-s3"] {
        assert_eq!(
            testcase(&run.report, id)["status"],
            "ABORT",
            "{id}: {}",
            run.stdout
        );
        assert!(
            reason(&run.report, id).contains("carries no service catalog"),
            "{id}"
        );
    }
}

const SECRET: &str = "/key-manager/v1/secrets/0b5e1c7a-0000-4000-8000-000000000001";

/// The fake Keystone with a Barbican in its catalog that stores secrets as `SECRET`, or
/// answers the creation with `refusal`; each test makes later steps misbehave.
async fn fake_barbican(refusal: Option<ResponseTemplate>) -> MockServer {
    let server = fake_keystone(201).await;
    let answer = refusal.unwrap_or_else(|| {
        ResponseTemplate::new(201)
            .set_body_json(json!({"secret_ref": format!("{}{SECRET}", server.uri())}))
    });
    Mock::given(method("POST"))
        .and(url_path("/key-manager/v1/secrets"))
        .respond_with(answer)
        .mount(&server)
        .await;
    server
}

async fn run_probe(server: &MockServer, extra: &'static [&'static str]) -> Run {
    let auth_url = format!("{}/identity/v3", server.uri());
    tokio::task::spawn_blocking(move || {
        run_configured(&auth_url, Config::CloudsYaml, "scs-0116-permissions", extra)
    })
    .await
    .unwrap()
}

/// The payload the probe stored, to prove it is never shown.
async fn stored_payload(server: &MockServer) -> String {
    let requests = server.received_requests().await.unwrap();
    let post = requests
        .iter()
        .find(|r| r.method.as_str() == "POST" && r.url.path() == "/key-manager/v1/secrets")
        .expect("the probe created a secret");
    let body: Value = serde_json::from_slice(&post.body).unwrap();
    assert!(body["name"].as_str().unwrap().starts_with("scs-check-"));
    body["payload"].as_str().unwrap().to_owned()
}

async fn deletions(server: &MockServer) -> usize {
    let requests = server.received_requests().await.unwrap();
    requests
        .iter()
        .filter(|r| r.method.as_str() == "DELETE" && r.url.path() == SECRET)
        .count()
}

fn assert_payload_hidden(run: &Run, payload: &str) {
    for text in [&run.stdout, &run.stderr, &run.report.to_string()] {
        assert!(!text.contains(payload), "the secret's payload leaked");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn quota_refusal_on_create_aborts_and_leaves_nothing() {
    for (status, message) in [
        (403, "Quota reached for project p1"),
        (413, "Request entity too large"),
    ] {
        let refusal =
            ResponseTemplate::new(status).set_body_json(json!({"code": status, "title": message}));
        let server = fake_barbican(Some(refusal)).await;
        let run = run_probe(&server, &[]).await;
        let probe = testcase(&run.report, "scs-0116-permissions");
        assert_eq!(probe["status"], "ABORT", "{status}: {}", run.stderr);
        assert_eq!(probe["implementation"], "probe");
        let why = reason(&run.report, "scs-0116-permissions");
        assert!(why.contains("quota is exhausted"), "{why}");
        assert!(run.stderr.contains("leftovers: none"), "{}", run.stderr);
        assert_eq!(deletions(&server).await, 0);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn forbidden_create_fails() {
    let refusal =
        ResponseTemplate::new(403).set_body_json(json!({"code": 403, "title": "Forbidden"}));
    let server = fake_barbican(Some(refusal)).await;
    let run = run_probe(&server, &[]).await;
    assert_eq!(
        testcase(&run.report, "scs-0116-permissions")["status"],
        "FAIL"
    );
    let why = reason(&run.report, "scs-0116-permissions");
    assert!(why.contains("a member may not create a secret"), "{why}");
    assert_eq!(run.code, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_probe_past_its_deadline_aborts_and_deletes_what_it_created() {
    let server = fake_barbican(None).await;
    Mock::given(method("GET"))
        .and(url_path(SECRET))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(url_path(SECRET))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(url_path(SECRET))
        .respond_with(ResponseTemplate::new(404))
        .with_priority(2)
        .mount(&server)
        .await;
    let run = run_probe(&server, &["--probe-timeout", "2"]).await;
    assert_eq!(
        testcase(&run.report, "scs-0116-permissions")["status"],
        "ABORT"
    );
    let why = reason(&run.report, "scs-0116-permissions");
    assert!(why.contains("did not finish within 2 s"), "{why}");
    assert_eq!(deletions(&server).await, 1);
    assert!(run.stderr.contains("leftovers: none"), "{}", run.stderr);
    assert_payload_hidden(&run, &stored_payload(&server).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_that_cannot_be_deleted_is_listed() {
    let server = fake_barbican(None).await;
    Mock::given(method("GET"))
        .and(url_path(SECRET))
        .respond_with(ResponseTemplate::new(500).set_body_string("internal error"))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(url_path(SECRET))
        .respond_with(ResponseTemplate::new(500).set_body_string("internal error"))
        .mount(&server)
        .await;
    let run = run_probe(&server, &[]).await;
    let probe = testcase(&run.report, "scs-0116-permissions");
    assert_eq!(probe["status"], "ABORT");
    assert!(reason(&run.report, "scs-0116-permissions").contains("HTTP 500"));
    let findings = probe["findings"].to_string();
    assert!(
        findings.contains("could not delete secret scs-check-")
            && findings.contains("scs-check cleanup --os-cloud fake"),
        "{findings}"
    );
    assert!(
        run.stderr.contains("leftovers: secret scs-check-"),
        "{}",
        run.stderr
    );
    assert_eq!(deletions(&server).await, 1);
    assert_payload_hidden(&run, &stored_payload(&server).await);
}

/// Servers, secrets and networks: only ours (by name shape) old enough are deleted, servers
/// first; a similar name, a user's and a young one of ours are spared, networks are listed for
/// the token's project only.
#[tokio::test(flavor = "multi_thread")]
async fn cleanup_deletes_only_our_old_enough_servers_secrets_and_networks() {
    let server = fake_keystone(201).await;
    let base = server.uri();
    let secret = |name: &str, id: &str, created: &str| {
        json!({"name": name, "created": created,
               "secret_ref": format!("http://barbican.internal:9311/v1/secrets/{id}")})
    };
    let old = "2020-01-01T00:00:00.000000";
    let young = chrono::Utc::now()
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S%.6f")
        .to_string();
    let listing = json!({"total": 5, "secrets": [
        secret("scs-check-0123456789ab-secret", "ours-old", old),
        secret("scs-check-abcdef012345-secret", "ours-young", &young),
        secret("scs-check-notours", "similar", old),
        secret("scs-test-x", "upstream", old),
        secret("my-secret", "user", old),
    ]});
    Mock::given(method("GET"))
        .and(url_path("/key-manager/v1/secrets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(listing))
        .mount(&server)
        .await;
    // Nova calls the time `created`, Neutron `created_at`.
    let item = |name: &str, id: &str, created: &str| json!({"id": id, "name": name, "created": format!("{created}Z")});
    let nova_old = "2020-01-01T00:00:00";
    let nova_young = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    let items = json!([
        item("scs-check-0123456789ab-entropy", "ours-old", nova_old),
        item("scs-check-abcdef012345-entropy", "ours-young", &nova_young),
        item("scs-check-0123456789AB-entropy", "similar", nova_old),
        item("_scs-0101-net", "upstream", nova_old),
    ]);
    let listings = [
        ("/compute/v2.1/servers/detail", json!({"servers": items})),
        (
            "/network/v2.0/networks",
            json!({"networks": items.as_array().unwrap().iter().map(|i| {
                json!({"id": i["id"], "name": i["name"], "created_at": i["created"]})
            }).collect::<Vec<_>>()}),
        ),
        ("/network/v2.0/routers", json!({"routers": []})),
        ("/network/v2.0/ports", json!({"ports": []})),
        ("/network/v2.0/subnets", json!({"subnets": []})),
        (
            "/network/v2.0/security-groups",
            json!({"security_groups": []}),
        ),
    ];
    for (path, body) in listings {
        Mock::given(method("GET"))
            .and(url_path(path))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
    }
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(url_path_regex("/ours-old$"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let auth_url = format!("{base}/identity/v3");
    let output = tokio::task::spawn_blocking(move || {
        let home = tempfile::tempdir().unwrap();
        let mut command = scs_check(home.path());
        command.arg("cleanup");
        configure(&mut command, home.path(), &auth_url, Config::CloudsYaml);
        command.args(["--older-than", "1h"]).output().unwrap()
    })
    .await
    .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("deleting secret scs-check-0123456789ab-secret"),
        "{stdout}"
    );
    assert!(
        stdout.contains("keeping 3 of our resources younger"),
        "{stdout}"
    );
    assert!(stderr.contains("leftovers: none"), "{stderr}");
    let deleted: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "DELETE")
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(
        deleted,
        [
            "/compute/v2.1/servers/ours-old",
            "/key-manager/v1/secrets/ours-old",
            "/network/v2.0/networks/ours-old",
        ]
    );
    let requests = server.received_requests().await.unwrap();
    let networks = requests
        .iter()
        .find(|r| r.url.path() == "/network/v2.0/networks")
        .unwrap();
    assert!(networks.url.query().unwrap().contains("project_id=p1"));
}

/// A listing that fails (here: Barbican forbids, Neutron is not there) is named and makes the
/// exit code 1, but what the other listings found is deleted all the same.
#[tokio::test(flavor = "multi_thread")]
async fn cleanup_deletes_what_it_could_list_when_another_listing_fails() {
    let server = fake_keystone(201).await;
    Mock::given(method("GET"))
        .and(url_path("/key-manager/v1/secrets"))
        .respond_with(ResponseTemplate::new(403).set_body_string("Forbidden"))
        .mount(&server)
        .await;
    let ours = json!({"servers": [{"id": "ours-old", "name": "scs-check-0123456789ab-entropy",
                                   "created": "2020-01-01T00:00:00Z"}]});
    Mock::given(method("GET"))
        .and(url_path("/compute/v2.1/servers/detail"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ours))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(url_path_regex("/ours-old$"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let auth_url = format!("{}/identity/v3", server.uri());
    let output = tokio::task::spawn_blocking(move || {
        let home = tempfile::tempdir().unwrap();
        let mut command = scs_check(home.path());
        command.arg("cleanup");
        configure(&mut command, home.path(), &auth_url, Config::CloudsYaml);
        command.output().unwrap()
    })
    .await
    .unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("cannot list key manager secrets, so none of them is deleted"),
        "{stderr}"
    );
    assert!(stderr.contains("403"), "{stderr}");
    assert!(
        stdout.contains("deleting server scs-check-0123456789ab-entropy"),
        "{stdout}"
    );
    let deleted: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "DELETE")
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(deleted, ["/compute/v2.1/servers/ours-old"]);
}

const SERVER: &str = "/compute/v2.1/servers/5e7c0000-0000-4000-8000-000000000101";

/// The fake Keystone with a Glance holding one Debian image, a Nova (newest microversion
/// `nova_version`) with one flavor whose server goes to `status` at once (ERROR with a
/// fault), answering the creation with `creation` (default: 202 with the server) and each
/// deletion with `deletion`, and a Neutron that creates networks and subnets.
async fn fake_nova(
    nova_version: &str,
    creation: Option<ResponseTemplate>,
    deletion: ResponseTemplate,
) -> MockServer {
    let server = fake_keystone(201).await;
    let base = server.uri();
    // Discovery already serves 2.96; an older Nova answers first.
    let document = json!({"version": {"id": "v2.1", "status": "CURRENT", "version": nova_version,
        "min_version": "2.1", "updated": "2013-07-23T11:33:21Z",
        "links": [{"rel": "self", "href": format!("{base}/compute/v2.1/")}]}});
    Mock::given(method("GET"))
        .and(url_path("/compute/v2.1/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(document))
        .with_priority(1)
        .mount(&server)
        .await;
    let image = json!({"id": "1mage", "name": "Debian 12", "visibility": "public", "status": "active",
        "os_distro": "debian", "os_version": "12", "min_disk": 8, "min_ram": 512, "size": 1048576});
    let answers = [
        ("GET", "/image/v2/images", json!({"images": [image]})),
        (
            "GET",
            "/compute/v2.1/flavors/detail",
            json!({"flavors": [
            {"id": "f1", "name": "SCS-1L-1", "vcpus": 1, "ram": 1024, "disk": 0,
             "extra_specs": {"hw_rng:allowed": "True"}}]}),
        ),
        (
            "POST",
            "/network/v2.0/networks",
            json!({"network": {"id": "net1"}}),
        ),
        (
            "POST",
            "/network/v2.0/subnets",
            json!({"subnet": {"id": "sub1"}}),
        ),
    ];
    for (verb, path, body) in answers {
        Mock::given(method(verb))
            .and(url_path(path))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
    }
    let created = json!({"server": {"id": SERVER.rsplit('/').next().unwrap(),
        "adminPass": "generated-admin-password"}});
    Mock::given(method("POST"))
        .and(url_path("/compute/v2.1/servers"))
        .respond_with(creation.unwrap_or_else(|| ResponseTemplate::new(202).set_body_json(created)))
        .mount(&server)
        .await;
    let error = json!({"server": {"status": "ERROR", "fault": {"code": 500,
        "message": "No valid host was found. There are not enough hosts available."}}});
    // The server is in ERROR until deleted; then gone.
    Mock::given(method("GET"))
        .and(url_path(SERVER))
        .respond_with(ResponseTemplate::new(200).set_body_json(error))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(url_path(SERVER))
        .respond_with(ResponseTemplate::new(404))
        .with_priority(2)
        .mount(&server)
        .await;
    for path in [
        SERVER,
        "/network/v2.0/networks/net1",
        "/network/v2.0/subnets/sub1",
    ] {
        Mock::given(method("DELETE"))
            .and(url_path(path))
            .respond_with(deletion.clone())
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(url_path_regex(
            "^/network/v2.0/(networks/net1|subnets/sub1)$",
        ))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    server
}

async fn run_entropy(server: &MockServer) -> Run {
    let auth_url = format!("{}/identity/v3", server.uri());
    tokio::task::spawn_blocking(move || {
        run_configured(
            &auth_url,
            Config::CloudsYaml,
            "scs-0101-(entropy|fips)",
            &[],
        )
    })
    .await
    .unwrap()
}

/// Method and path of every request to Nova's servers or to Neutron, in order.
async fn entropy_requests(server: &MockServer) -> Vec<String> {
    let requests = server.received_requests().await.unwrap();
    requests
        .iter()
        .filter(|r| {
            let path = r.url.path();
            path.starts_with("/compute/v2.1/servers") || path.starts_with("/network/")
        })
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

fn assert_both_abort(run: &Run, because: &str) {
    for id in ["scs-0101-entropy-avail", "scs-0101-fips-test"] {
        assert_eq!(
            testcase(&run.report, id)["status"],
            "ABORT",
            "{id}: {}",
            run.stderr
        );
        assert_eq!(testcase(&run.report, id)["check"], "scs-0101-entropy-vm");
        let why = reason(&run.report, id);
        assert!(why.contains(because), "{id}: {why}");
    }
    assert!(!run.stderr.contains("generated-admin-password"));
    assert!(!run.report.to_string().contains("generated-admin-password"));
}

#[tokio::test(flavor = "multi_thread")]
async fn quota_refusal_of_the_entropy_vm_aborts_and_leaves_nothing() {
    let quota = ResponseTemplate::new(403).set_body_json(json!({"forbidden": {"code": 403,
        "message": "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances"}}));
    let server = fake_nova("2.96", Some(quota), ResponseTemplate::new(204)).await;
    let run = run_entropy(&server).await;
    assert_both_abort(&run, "Quota exceeded for instances");
    assert!(run.stderr.contains("leftovers: none"), "{}", run.stderr);
    assert_eq!(
        entropy_requests(&server).await,
        ["POST /compute/v2.1/servers"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn entropy_vm_in_error_aborts_with_its_fault_and_is_deleted() {
    let server = fake_nova("2.96", None, ResponseTemplate::new(204)).await;
    let run = run_entropy(&server).await;
    assert_both_abort(&run, "the server went to ERROR: No valid host was found");
    assert!(run.stderr.contains("leftovers: none"), "{}", run.stderr);
    let requests = server.received_requests().await.unwrap();
    let boot = requests
        .iter()
        .find(|r| r.method.as_str() == "POST" && r.url.path() == "/compute/v2.1/servers")
        .unwrap();
    assert_eq!(
        boot.headers.get("OpenStack-API-Version").unwrap(),
        "compute 2.37"
    );
    let body: Value = serde_json::from_slice(&boot.body).unwrap();
    let sent = &body["server"];
    assert!(sent["name"].as_str().unwrap().starts_with("scs-check-"));
    assert!(sent["name"].as_str().unwrap().ends_with("-entropy"));
    assert_eq!(sent["networks"], "none");
    assert_eq!(sent["flavorRef"], "f1");
    // SCS-1L-1 has no disk: a volume of the image's min_disk, deleted with the server.
    assert_eq!(sent["block_device_mapping_v2"][0]["volume_size"], 8);
    assert_eq!(
        sent["block_device_mapping_v2"][0]["delete_on_termination"],
        true
    );
    assert!(sent["user_data"].as_str().unwrap().len() > 100);
    assert_eq!(
        entropy_requests(&server).await,
        [
            "POST /compute/v2.1/servers",
            &format!("GET {SERVER}"),
            &format!("DELETE {SERVER}"),
            &format!("GET {SERVER}"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_entropy_vm_that_cannot_be_deleted_is_listed() {
    let server = fake_nova(
        "2.96",
        None,
        ResponseTemplate::new(500).set_body_string("internal error"),
    )
    .await;
    let run = run_entropy(&server).await;
    assert_both_abort(&run, "the server went to ERROR");
    let findings = testcase(&run.report, "scs-0101-fips-test")["findings"].to_string();
    assert!(
        findings.contains("could not delete server scs-check-")
            && findings.contains("scs-check cleanup --os-cloud fake"),
        "{findings}"
    );
    assert!(
        run.stderr.contains("leftovers: server scs-check-"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn nova_older_than_2_37_gets_a_private_network_deleted_after_the_server() {
    let server = fake_nova("2.36", None, ResponseTemplate::new(204)).await;
    let run = run_entropy(&server).await;
    assert_both_abort(&run, "the server went to ERROR");
    assert!(run.stderr.contains("leftovers: none"), "{}", run.stderr);
    let requests = server.received_requests().await.unwrap();
    let body = |path: &str| -> Value {
        let request = requests
            .iter()
            .find(|r| r.method.as_str() == "POST" && r.url.path() == path)
            .unwrap();
        serde_json::from_slice(&request.body).unwrap()
    };
    assert_eq!(
        body("/compute/v2.1/servers")["server"]["networks"],
        json!([{"uuid": "net1"}])
    );
    let subnet = body("/network/v2.0/subnets");
    assert_eq!(subnet["subnet"]["network_id"], "net1");
    assert_eq!(subnet["subnet"]["gateway_ip"], Value::Null, "no router");
    assert!(body("/network/v2.0/networks")["network"]["name"]
        .as_str()
        .unwrap()
        .ends_with("-entropy"));
    let boot = requests
        .iter()
        .find(|r| r.method.as_str() == "POST" && r.url.path() == "/compute/v2.1/servers")
        .unwrap();
    assert!(boot.headers.get("OpenStack-API-Version").is_none());
    let order: Vec<String> = entropy_requests(&server)
        .await
        .into_iter()
        .filter(|r| !r.starts_with("GET"))
        .collect();
    assert_eq!(
        order,
        [
            "POST /network/v2.0/networks",
            "POST /network/v2.0/subnets",
            "POST /compute/v2.1/servers",
            &format!("DELETE {SERVER}"),
            "DELETE /network/v2.0/subnets/sub1",
            "DELETE /network/v2.0/networks/net1",
        ]
    );
}
