//! A fake SCS compliance monitor for the upload tests (`report upload`, `run-all --upload`)
//! that keeps the real one's contract (compliance-monitor/monitor.py, `POST /reports`): Basic
//! auth, the exact Content-Type, signature and report split at
//! `-----END SSH SIGNATURE-----\n&`, the signature checked with `ssh-keygen -Y verify` against
//! the account's registered key, every document's subject owned by the account or delegated to
//! it (and then the role `append_any` too), every `run.uuid` new, and a file of several
//! documents stored all or nothing. The answers (status, `detail`) are the ones the real
//! monitor gave (docs/ci.md, "Tried against the real monitor"). Include it with
//! `#[path = "common/monitor.rs"] mod monitor;` beside `mod common;`.

#![allow(dead_code)] // each test crate uses a different part

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use serde_json::{json, Value};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::common::{path, scs_check, ssh_keygen_key};

/// An account with the role `append_any` (as upstream's `zuul_ci`).
pub const ACCOUNT: &str = "acme";
/// An account without roles: its own subject only, even where it is listed as a delegate.
pub const SOLO: &str = "solo";
/// Subjects whose accounts list ACCOUNT and SOLO as delegates.
pub const DELEGATED: &[&str] = &["delegated-good", "delegated-demo"];
/// Both accounts' password; both have the key `key` registered.
pub const PASSWORD: &str = "acme-S3cret-pw";
/// `Basic ` + base64("ACCOUNT:PASSWORD") → (account, has `append_any`).
const ACCOUNTS: &[(&str, &str, bool)] = &[
    ("Basic YWNtZTphY21lLVMzY3JldC1wdw==", ACCOUNT, true),
    ("Basic c29sbzphY21lLVMzY3JldC1wdw==", SOLO, false),
];
pub const SEPARATOR: &[u8] = b"-----END SSH SIGNATURE-----\n&";

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
        if header("authorization").is_empty() {
            return answer(401, "Not authenticated");
        }
        let Some(&(_, account, append_any)) = ACCOUNTS
            .iter()
            .find(|(authorization, ..)| *authorization == header("authorization"))
        else {
            return answer(401, "Incorrect username or password");
        };
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
        let reports: Vec<Value> =
            serde_saphyr::from_multiple(std::str::from_utf8(data).unwrap()).unwrap();
        if reports.is_empty() {
            return answer(200, "empty reports");
        }
        // A field the monitor reads is missing: a KeyError there.
        let read = ["/subject", "/checked_at", "/spec/uuid", "/run/uuid"];
        if reports
            .iter()
            .any(|r| read.iter().any(|p| r.pointer(p).is_none()))
        {
            return ResponseTemplate::new(500).set_body_string("Internal Server Error");
        }
        for report in &reports {
            let subject = report["subject"].as_str().unwrap_or("");
            if subject != account && !append_any {
                return answer(401, "Permission denied");
            }
            if subject != account && !DELEGATED.contains(&subject) {
                return answer(401, "delegation problem?");
            }
        }
        // One transaction: a uuid already present (or twice in the file) stores nothing.
        let mut uuids = self.uuids.lock().unwrap();
        let mut stored = uuids.clone();
        for report in &reports {
            if !stored.insert(report["run"]["uuid"].as_str().unwrap().to_owned()) {
                return answer(409, "Conflict: report already present");
            }
        }
        *uuids = stored;
        ResponseTemplate::new(200).set_body_string("null")
    }
}

/// A temp dir with the account's key (`key`, registered) and another (`stranger`, not).
pub struct Setup {
    pub dir: tempfile::TempDir,
}

impl Setup {
    pub fn new() -> Self {
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

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub async fn monitor(&self, server_errors: u32) -> MockServer {
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
    pub fn report(&self, subject: &str) -> PathBuf {
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
}
