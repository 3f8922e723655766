//! Uploading signed reports to the SCS compliance monitor (`POST {monitor}/reports`).
//!
//! The monitor's contract (compliance-monitor/monitor.py): HTTP Basic auth as the account,
//! `Content-Type: application/x-signed-yaml` compared as a plain string, and a body of the
//! armored SSH signature (with its final newline), `&`, and the report bytes exactly as signed.
//! Upstream's runner ignores every answer; here each answer has a meaning and a message, and
//! a report that did not land makes the exit code non-zero. Server errors and broken
//! connections are retried a bounded number of times; a retry whose first attempt did land
//! is answered 409 (`run.uuid` already present), which counts as landed.
//!
//! Tried against the real monitor (docs/ci.md): it stores a file of several YAML documents
//! all or nothing, so a 409 for such a file means that none of it was stored this time
//! ([`documents`] lets the caller send them one by one); a document without the fields it
//! reads is a 500 that no retry cures ([`check_report`] finds that before sending).

use std::time::Duration;

use anyhow::{bail, Context, Result};
use reqwest::StatusCode;

/// Exactly what the monitor compares with: no parameters, no charset.
pub const CONTENT_TYPE: &str = "application/x-signed-yaml";

/// Where and as whom to upload.
pub struct Monitor {
    client: reqwest::Client,
    endpoint: url::Url,
    account: String,
    password: String,
    tries: u32,
    backoff: Duration,
}

/// How an upload ended.
#[derive(Debug)]
pub enum Outcome {
    /// 200: stored.
    Accepted,
    /// 409: a report with this `run.uuid` is stored already (uploaded before).
    AlreadyPresent,
    /// The monitor refused it; retrying will not help. The text says what to do.
    Rejected(String),
    /// Server errors or no connection on every try.
    Unreachable(String),
}

impl Outcome {
    /// Whether the report is on the monitor now.
    pub fn landed(&self) -> bool {
        matches!(self, Self::Accepted | Self::AlreadyPresent)
    }
}

/// The `detail` of the monitor's FastAPI error answers, else the body's start.
fn detail(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("detail").and_then(|d| d.as_str()).map(str::to_owned))
        .unwrap_or_else(|| body.chars().take(200).collect::<String>().trim().to_owned())
}

impl Monitor {
    pub fn new(
        monitor: &str,
        account: &str,
        password: String,
        timeout: Duration,
        tries: u32,
    ) -> Result<Self> {
        let base = url::Url::parse(monitor).with_context(|| {
            format!("--monitor {monitor}: not a URL (e.g. https://compliance.sovereignit.cloud/)")
        })?;
        if !base.username().is_empty() || base.password().is_some() {
            bail!("--monitor: put no credentials into the URL; the account goes to --account, the password into --password-file or SCS_MONITOR_PASSWORD");
        }
        let endpoint = url::Url::parse(&format!("{}/reports", base.as_str().trim_end_matches('/')))
            .expect("a URL with a path appended is a URL");
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("scs-check/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot set up the HTTP client")?;
        Ok(Self {
            client,
            endpoint,
            account: account.to_owned(),
            password,
            tries,
            backoff: Duration::from_millis(500),
        })
    }

    pub fn endpoint(&self) -> &url::Url {
        &self.endpoint
    }

    /// Posts one signed report, retrying server errors and connection failures.
    pub async fn upload(&self, armored_signature: &str, report: &[u8]) -> Outcome {
        let mut body = Vec::with_capacity(armored_signature.len() + 1 + report.len());
        body.extend_from_slice(armored_signature.as_bytes());
        body.push(b'&');
        body.extend_from_slice(report);
        let mut last = String::new();
        for attempt in 1..=self.tries {
            if attempt > 1 {
                tokio::time::sleep(self.backoff * 2u32.pow(attempt - 2)).await;
                tracing::info!("retrying ({attempt}/{}) after: {last}", self.tries);
            }
            let sent = self
                .client
                .post(self.endpoint.clone())
                .basic_auth(&self.account, Some(&self.password))
                .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
                .body(body.clone())
                .send()
                .await;
            let response = match sent {
                Ok(response) => response,
                Err(error) => {
                    last = format!("no answer: {}", error_chain(&error));
                    continue;
                }
            };
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            if status.is_server_error() {
                last = format!("HTTP {status}: {}", detail(&text));
                continue;
            }
            return self.judge(status, &detail(&text));
        }
        Outcome::Unreachable(format!(
            "{last} (tried {} times); the report did not land, upload it again later",
            self.tries
        ))
    }

    fn judge(&self, status: StatusCode, detail: &str) -> Outcome {
        let account = &self.account;
        let why = match (status.as_u16(), detail) {
            (200, "empty reports") => {
                return Outcome::Rejected(
                    "the monitor found no report document in the file; is it the YAML of `scs-check run -o`?".into(),
                )
            }
            (200..=299, _) => return Outcome::Accepted,
            (409, _) => return Outcome::AlreadyPresent,
            (401, "missing signature") => "401 missing signature: the monitor found no signature before the report (a proxy changing the body?)".to_owned(),
            (401, "verification failed") => format!("401 verification failed: the signing key is not registered for account {account} at the monitor, or the report changed after signing; register the key's .pub with the monitor's operators"),
            // The monitor checks the role first: a delegate without append_any is refused too.
            (401, "Permission denied") => format!("401 Permission denied: the report's subject is not account {account}'s own, and uploading for other subjects needs the monitor role append_any for {account} besides being the subject's delegate; check -s of the run or use the subject's own account"),
            (401, "delegation problem?") => format!("401 delegation problem?: account {account} may upload for other subjects, but the report's subject does not list {account} as a delegate; check -s of the run, or ask the monitor's operators to add the delegation"),
            (401, _) => format!("401 {detail}: the monitor refused account {account} with this password; check --account and the password in --password-file or SCS_MONITOR_PASSWORD"),
            (415, _) => format!("415 {detail}: the monitor (or a proxy before it) refused Content-Type {CONTENT_TYPE}"),
            _ => format!("HTTP {status}: {detail}"),
        };
        Outcome::Rejected(why)
    }
}

/// The YAML documents of a report file, each from its `---` line on (text before the first
/// marker, e.g. comments, stays with the first document).
pub fn documents(report: &[u8]) -> Vec<&[u8]> {
    let mut starts = vec![0];
    let mut at = 0;
    // Whether a document has begun: a marker or content since the last start, not only
    // comments, blank lines or directives.
    let mut open = false;
    for line in report.split_inclusive(|&b| b == b'\n') {
        let marker = line
            .strip_prefix(b"---")
            .is_some_and(|rest| rest.first().is_none_or(u8::is_ascii_whitespace));
        if marker {
            if open {
                starts.push(at);
            }
            open = true;
        } else if !matches!(line.trim_ascii().first(), None | Some(b'#' | b'%')) {
            open = true;
        }
        at += line.len();
    }
    starts.push(report.len());
    starts.windows(2).map(|w| &report[w[0]..w[1]]).collect()
}

/// Checks that every document of a report has what the monitor reads (`subject`,
/// `checked_at`, `spec.uuid`, `run.uuid`, and integer results under `run.invocations` or the
/// older `versions`); the monitor answers 500 otherwise.
pub fn check_report(report: &[u8]) -> Result<()> {
    let text = std::str::from_utf8(report).context("not UTF-8 text")?;
    let documents: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(text).map_err(|e| anyhow::anyhow!("not YAML: {e}"))?;
    if documents.is_empty() {
        bail!("no report document in it");
    }
    documents.iter().enumerate().try_for_each(|(i, document)| {
        check_document(document)
            .with_context(|| format!("document {} of {}", i + 1, documents.len()))
    })
}

fn check_document(document: &serde_json::Value) -> Result<()> {
    let field = |pointer: &str| {
        document
            .pointer(pointer)
            .filter(|v| !v.is_null())
            .with_context(|| format!("no `{}`", pointer[1..].replace('/', ".")))
    };
    field("/subject")?
        .as_str()
        .context("`subject` is not a string")?;
    for pointer in ["/checked_at", "/spec/uuid", "/run/uuid"] {
        field(pointer)?;
    }
    let results: Vec<&serde_json::Value> = match document.get("versions") {
        Some(versions) => versions
            .as_object()
            .context("`versions` is not a mapping")?
            .values()
            .filter_map(|v| v.as_object())
            .flat_map(|v| v.values())
            .map(|r| r.get("result").unwrap_or(&serde_json::Value::Null))
            .collect(),
        None => field("/run/invocations")?
            .as_object()
            .context("`run.invocations` is not a mapping")?
            .values()
            .map(|i| {
                i.get("results")
                    .and_then(|r| r.as_object())
                    .context("an invocation without `results`")
            })
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .flat_map(|r| r.values())
            .collect(),
    };
    if let Some(bad) = results.iter().find(|r| !r.is_i64()) {
        bail!("a result is {bad}, not an integer (-1, 0, 1)");
    }
    Ok(())
}

/// An error with its causes (reqwest hides the interesting part, e.g. "connection refused").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_reads_fastapi_errors_and_falls_back_to_the_body() {
        assert_eq!(
            detail(r#"{"detail":"verification failed"}"#),
            "verification failed"
        );
        assert_eq!(detail("Internal Server Error\n"), "Internal Server Error");
    }

    const DOCUMENT: &str = "---\nspec:\n  uuid: \"s\"\nchecked_at: 2026-11-21 11:37:47\nsubject: \"acme\"\nrun:\n  uuid: \"u1\"\n  invocations:\n    i1:\n      results:\n        tc-a: 1\n        tc-b: -1\n";

    #[test]
    fn documents_split_at_their_markers_and_keep_every_byte() {
        let two = format!("# a comment\n{DOCUMENT}{}", DOCUMENT.replace("u1", "u2"));
        let parts = documents(two.as_bytes());
        assert_eq!(parts.len(), 2);
        assert!(parts[0].starts_with(b"# a comment\n---\n"));
        assert!(parts[1].starts_with(b"---\n"));
        assert_eq!(parts.concat(), two.as_bytes());
        // `---` inside a line or a longer run of dashes is no marker.
        let one = DOCUMENT.replace("tc-b: -1", "tc-b: -1\n# ---- x ---");
        assert_eq!(documents(one.as_bytes()).len(), 1);
        assert_eq!(documents(b"spec: {}\n").len(), 1);
    }

    #[test]
    fn a_report_needs_what_the_monitor_reads() {
        let check = |text: &str| check_report(text.as_bytes()).map_err(|e| format!("{e:#}"));
        check(&format!("{DOCUMENT}{}", DOCUMENT.replace("u1", "u2"))).unwrap();
        let legacy = "spec: {uuid: s}\nchecked_at: x\nsubject: a\nrun: {uuid: u}\nversions: {v1: {tc: {result: 0}}}\n";
        check(legacy).unwrap();
        for (text, why) in [
            (String::new(), "no report document"),
            // The monitor reads this as one empty document and fails on it (500).
            ("---\n".to_owned(), "no report document"),
            (
                "---\nspec: {}\n".to_owned(),
                "document 1 of 1: no `subject`",
            ),
            (
                format!("{DOCUMENT}{}", DOCUMENT.replace("  uuid: \"u1\"\n", "")),
                "document 2 of 2: no `run.uuid`",
            ),
            (DOCUMENT.replace("checked_at", "checked"), "no `checked_at`"),
            (
                DOCUMENT.replace("tc-a: 1", "tc-a: PASS"),
                "a result is \"PASS\"",
            ),
            (DOCUMENT.replace("results", "result"), "without `results`"),
        ] {
            let error = check(&text).unwrap_err();
            assert!(error.contains(why), "{error}");
        }
    }

    #[test]
    fn credentials_in_the_url_are_refused_and_the_endpoint_is_reports() {
        let monitor = |url: &str| {
            Monitor::new(url, "a", "pw".into(), Duration::from_secs(1), 1).map(|m| m.endpoint)
        };
        assert_eq!(
            monitor("https://m.example/").unwrap().as_str(),
            "https://m.example/reports"
        );
        assert_eq!(
            monitor("https://m.example/cm").unwrap().as_str(),
            "https://m.example/cm/reports"
        );
        let error = monitor("https://a:secret@m.example/").err().unwrap();
        assert!(!format!("{error:#}").contains("secret"));
    }
}
