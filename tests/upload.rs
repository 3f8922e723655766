//! `report upload` (the real binary) against a fake compliance monitor that keeps the real
//! one's contract (compliance-monitor/monitor.py, `POST /reports`): Basic auth, the exact
//! Content-Type, signature and report split at `-----END SSH SIGNATURE-----\n&`, the signature
//! checked with `ssh-keygen -Y verify` against the account's registered key, the report's
//! subject owned by the account, `run.uuid` unique.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use common::{path, scs_check, ssh_keygen_key, text};
use serde_json::{json, Value};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const ACCOUNT: &str = "acme";
const PASSWORD: &str = "acme-S3cret-pw";
/// `Basic ` + base64("acme:acme-S3cret-pw").
const AUTHORIZATION: &str = "Basic YWNtZTphY21lLVMzY3JldC1wdw==";
const SEPARATOR: &[u8] = b"-----END SSH SIGNATURE-----\n&";

struct FakeMonitor {
    /// allowed_signers with the key registered for ACCOUNT.
    allowed_signers: PathBuf,
    scratch: PathBuf,
    uuids: Mutex<HashSet<String>>,
    /// Answer this many requests with 500 first.
    server_errors: AtomicU32,
    requests: AtomicU32,
}

fn answer(status: u16, detail: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "detail": detail }))
}

impl FakeMonitor {
    fn signature_verifies(&self, signature: &[u8], data: &[u8]) -> bool {
        let n = self.requests.load(Ordering::SeqCst);
        let sig = self.scratch.join(format!("{n}.sig"));
        let report = self.scratch.join(format!("{n}.yaml"));
        std::fs::write(&sig, signature).unwrap();
        std::fs::write(&report, data).unwrap();
        std::process::Command::new("ssh-keygen")
            .args(["-Y", "verify", "-f"])
            .arg(&self.allowed_signers)
            .args(["-I", "mail@csp.eu", "-n", "report", "-s"])
            .arg(&sig)
            .stdin(std::fs::File::open(&report).unwrap())
            .output()
            .unwrap()
            .status
            .success()
    }
}

impl Respond for FakeMonitor {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if self
            .server_errors
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return ResponseTemplate::new(500).set_body_string("Internal Server Error");
        }
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        };
        if header("authorization") != AUTHORIZATION {
            return answer(401, "Incorrect username or password");
        }
        if header("content-type") != "application/x-signed-yaml" {
            return answer(415, "Unsupported Media Type");
        }
        let body = &request.body;
        let Some(at) = body.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) else {
            return answer(401, "missing signature");
        };
        let (signature, data) = (
            &body[..at + SEPARATOR.len() - 1],
            &body[at + SEPARATOR.len()..],
        );
        if !self.signature_verifies(signature, data) {
            return answer(401, "verification failed");
        }
        let report: Value = serde_saphyr::from_str(std::str::from_utf8(data).unwrap()).unwrap();
        if report["subject"] != ACCOUNT {
            return answer(401, "Permission denied");
        }
        let uuid = report["run"]["uuid"].as_str().unwrap().to_owned();
        if !self.uuids.lock().unwrap().insert(uuid) {
            return answer(409, "Conflict: report already present");
        }
        ResponseTemplate::new(200).set_body_string("null")
    }
}

/// A temp dir with the account's key (`key`, registered) and another (`stranger`, not).
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let key = ssh_keygen_key(dir.path(), "key", None);
        ssh_keygen_key(dir.path(), "stranger", None);
        let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
        std::fs::write(
            dir.path().join("allowed_signers"),
            format!("mail@csp.eu {public}"),
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("scratch")).unwrap();
        std::fs::write(dir.path().join("password"), format!("{PASSWORD}\n")).unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    async fn monitor(&self, server_errors: u32) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::method("POST"))
            .and(wiremock::matchers::path("/reports"))
            .respond_with(FakeMonitor {
                allowed_signers: self.path("allowed_signers"),
                scratch: self.path("scratch"),
                uuids: Mutex::new(HashSet::new()),
                server_errors: AtomicU32::new(server_errors),
                requests: AtomicU32::new(0),
            })
            .mount(&server)
            .await;
        server
    }

    /// The `-o` report of a run of the demo cloud for `subject`.
    fn report(&self, subject: &str) -> PathBuf {
        let file = self.path(&format!("{subject}.yaml"));
        scs_check(self.dir.path())
            .args(["run", &path("scopes/scs-compatible-iaas.yaml")])
            .args([
                "--snapshot",
                &path("fixtures/demo-cloud.json"),
                "-s",
                subject,
                "-o",
            ])
            .arg(&file)
            .assert()
            .code(1);
        file
    }

    /// Runs `report upload` in a blocking task; returns exit code, stdout, stderr.
    async fn upload(
        &self,
        monitor: &str,
        reports: &[&Path],
        args: &[&str],
    ) -> (i32, String, String) {
        let mut command = scs_check(self.dir.path());
        command
            .args([
                "report",
                "upload",
                "--monitor",
                monitor,
                "--account",
                ACCOUNT,
            ])
            .args(reports)
            .args(args);
        if !args.contains(&"--key") {
            command.arg("--key").arg(self.path("key"));
        }
        if !args.contains(&"--password-file") {
            command.env("SCS_MONITOR_PASSWORD", PASSWORD);
        }
        let output = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        let (stdout, stderr) = text(&output);
        (output.status.code().unwrap(), stdout, stderr)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_lands_once_and_a_second_upload_is_a_note_not_an_error() {
    let setup = Setup::new();
    let server = setup.monitor(0).await;
    let report = setup.report(ACCOUNT);
    let (code, stdout, stderr) = setup.upload(&server.uri(), &[&report], &[]).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("acme.yaml: accepted by"), "{stdout}");

    // The body is the armored signature, `&`, and the report bytes exactly.
    let requests = server.received_requests().await.unwrap();
    let body = &requests[0].body;
    let at = body
        .windows(SEPARATOR.len())
        .position(|w| w == SEPARATOR)
        .unwrap();
    assert!(body.starts_with(b"-----BEGIN SSH SIGNATURE-----\n"));
    assert_eq!(
        &body[at + SEPARATOR.len()..],
        std::fs::read(&report).unwrap()
    );

    let password_file = setup.path("password").display().to_string();
    let (code, stdout, _) = setup
        .upload(
            &server.uri(),
            &[&report],
            &["--password-file", &password_file],
        )
        .await;
    assert_eq!(code, 0);
    assert!(stdout.contains("already present"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_say_why_exit_1_and_never_show_the_password() {
    let setup = Setup::new();
    let server = setup.monitor(0).await;
    let own = setup.report(ACCOUNT);
    let foreign = setup.report("other-cloud");

    // Wrong password, even with debug logs: the message points at the password's sources.
    let wrong = setup.path("wrong-password");
    std::fs::write(&wrong, "Wr0ng-Secret-pw").unwrap();
    let (code, stdout, stderr) = setup
        .upload(
            &server.uri(),
            &[&own],
            &["--password-file", wrong.to_str().unwrap(), "-vv"],
        )
        .await;
    assert_eq!(code, 1);
    assert!(
        stderr.contains("Incorrect username or password"),
        "{stderr}"
    );
    assert!(stderr.contains("--password-file"), "{stderr}");
    for secret in ["Wr0ng-Secret-pw", PASSWORD, "YWNtZT"] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{stdout}{stderr}"
        );
    }

    // A key the monitor does not know for the account.
    let stranger = setup.path("stranger").display().to_string();
    let (code, _, stderr) = setup
        .upload(&server.uri(), &[&own], &["--key", &stranger])
        .await;
    assert_eq!(code, 1);
    assert!(stderr.contains("verification failed"), "{stderr}");
    assert!(
        stderr.contains("not registered for account acme"),
        "{stderr}"
    );

    // One report of another subject among good ones: the good one lands, the exit code says
    // that not all did.
    let (code, stdout, stderr) = setup.upload(&server.uri(), &[&foreign, &own], &[]).await;
    assert_eq!(code, 1);
    assert!(
        stderr.contains("other-cloud.yaml: NOT uploaded"),
        "{stderr}"
    );
    assert!(stderr.contains("Permission denied"), "{stderr}");
    assert!(stdout.contains("acme.yaml: accepted"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_are_retried_a_bounded_number_of_times() {
    let setup = Setup::new();
    let report = setup.report(ACCOUNT);
    let flaky = setup.monitor(1).await;
    let (code, stdout, stderr) = setup.upload(&flaky.uri(), &[&report], &[]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("accepted"));
    assert_eq!(flaky.received_requests().await.unwrap().len(), 2);

    let broken = setup.monitor(u32::MAX).await;
    let (code, _, stderr) = setup.upload(&broken.uri(), &[&report], &[]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("HTTP 500"), "{stderr}");
    assert!(stderr.contains("tried 3 times"), "{stderr}");
    assert_eq!(broken.received_requests().await.unwrap().len(), 3);

    // Nobody listening.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let (code, _, stderr) = setup.upload(&closed, &[&report], &["--tries", "2"]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("no answer"), "{stderr}");
    assert!(stderr.contains("tried 2 times"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_password_or_report_is_a_usage_error_before_anything_is_sent() {
    let setup = Setup::new();
    let server = setup.monitor(0).await;
    let report = setup.report(ACCOUNT);
    let mut command = scs_check(setup.dir.path());
    command
        .args([
            "report",
            "upload",
            "--monitor",
            &server.uri(),
            "--account",
            ACCOUNT,
        ])
        .arg(&report)
        .arg("--key")
        .arg(setup.path("key"))
        .env_remove("SCS_MONITOR_PASSWORD");
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).1.contains("SCS_MONITOR_PASSWORD"));

    let missing = setup.path("nope.yaml");
    let (code, _, stderr) = setup.upload(&server.uri(), &[&report, &missing], &[]).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("nope.yaml"), "{stderr}");
    assert!(server.received_requests().await.unwrap().is_empty());
}
