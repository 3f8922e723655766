//! Uploading signed reports to the SCS compliance monitor (`POST {monitor}/reports`).
//!
//! The monitor's contract (compliance-monitor/monitor.py): HTTP Basic auth as the account,
//! `Content-Type: application/x-signed-yaml` compared as a plain string, and a body of the
//! armored SSH signature (with its final newline), `&`, and the report bytes exactly as signed.
//! Upstream's runner ignores every answer; here each answer has a meaning and a message, and
//! a report that did not land makes the exit code non-zero. Server errors and broken
//! connections are retried a bounded number of times; a retry whose first attempt did land
//! is answered 409 (`run.uuid` already present), which counts as landed.

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
            (401, "Permission denied" | "delegation problem?") => format!("401 {detail}: the report's subject is not account {account}'s, and {account} is no delegate for it; check -s of the run or use the subject's own account"),
            (401, _) => format!("401 {detail}: the monitor refused account {account} with this password; check --account and the password in --password-file or SCS_MONITOR_PASSWORD"),
            (415, _) => format!("415 {detail}: the monitor (or a proxy before it) refused Content-Type {CONTENT_TYPE}"),
            _ => format!("HTTP {status}: {detail}"),
        };
        Outcome::Rejected(why)
    }
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
