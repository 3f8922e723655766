//! scs-0116-v1 "Key Manager", testcase `scs-0116-permissions`: a project member can store,
//! read and delete a secret in the key manager.
//!
//! The standard requires that the Identity service's `member` role may do what Barbican's
//! `creator` role may ("Key Manager Policies"), so the test must run with member rights only:
//! a token with an admin or manager role ABORTs this testcase. The key manager itself is a
//! SHOULD: without one in the catalog there is nothing the policy rule applies to, so the
//! testcase passes (as upstream), with a finding that says so.
//!
//! Steps (Barbican API v1): `POST /v1/secrets` (an opaque text secret named
//! `scs-check-<run id>-secret` with a random payload), `GET` its metadata and its payload
//! (compared, never shown), `DELETE` it and wait until it is gone. HTTP 403 on any step is a
//! FAIL; a quota refusal, a server error or no answer is an ABORT.

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::ledger::Resource;
use super::{same_for_all, Outcomes, Probe, ProbeContext};
use crate::checks::{Finding, Outcome};
use crate::facts::openstack::{join_versioned, RequestError};

pub const PROBE: Probe = Probe {
    name: "scs-0116-key-manager-permissions",
    standard: "scs-0116-v1",
    creates: "one key manager secret",
    testcases,
    run,
};

const PERMISSIONS: &str = "scs-0116-permissions";

/// Roles that would hide a too strict policy: the test must run as a plain member.
const ELEVATED_ROLES: &[&str] = &["admin", "manager", "creator", "key-manager:service-admin"];

/// How long the probe's own deletion of its secret may take.
const DELETE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

fn testcases() -> Vec<String> {
    vec![PERMISSIONS.to_owned()]
}

fn run<'a>(testcases: &'a [String], context: &'a ProbeContext<'a>) -> BoxFuture<'a, Outcomes> {
    Box::pin(async move { same_for_all(testcases, &permissions(context).await) })
}

async fn permissions(context: &ProbeContext<'_>) -> Outcome {
    let roles = context.session.token_roles();
    if let Some(refusal) = judge_roles(&roles) {
        return refusal;
    }
    let base = match context.session.catalog_url("key-manager") {
        Err(reason) => return Outcome::abort(reason),
        Ok(None) => {
            return Outcome::from_findings(vec![Finding::info(
                Some("key-manager"),
                "the catalog lists no key manager, so there is no key manager policy to test \
                 (scs-0116 makes the key manager a SHOULD; scs-0116-presence reports it)",
            )])
        }
        Ok(Some(base)) => base,
    };
    let secrets = match join_versioned(&base, "v1", "secrets") {
        Ok(url) => url,
        Err(reason) => return Outcome::abort(reason),
    };
    let name = context.run_id.name("secret");
    // Random, so reading it back proves the store; compared, never printed.
    let payload = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    context.say(&format!("creating secret {name}"));
    let body = json!({
        "name": name,
        "payload": payload,
        "payload_content_type": "text/plain",
        "secret_type": "opaque",
    });
    let created = match context
        .session
        .send(http::Method::POST, &secrets, &[], Some(&body))
        .await
    {
        Ok(answer) => answer,
        Err(e) => return judge_error("create a secret", e),
    };
    let secret = match secret_url(&secrets, &created) {
        Ok(url) => Resource {
            kind: "secret",
            name: name.clone(),
            url,
        },
        Err(reason) => return Outcome::abort(reason),
    };
    context.ledger.record(secret.clone());
    context.hold_for_tests().await;

    context.say(&format!("reading secret {name} back"));
    if let Err(outcome) = read_back(context, &secret, &payload).await {
        return outcome;
    }
    context.say(&format!("deleting secret {name}"));
    if let Err(reason) = context
        .ledger
        .delete(context.session, &secret, DELETE_DEADLINE)
        .await
    {
        return if reason.contains("HTTP 403") {
            Outcome::from_findings(vec![Finding::error(
                Some(&name),
                format!(
                    "a member may store secrets but not delete them: {reason}; allow `member` \
                     what Barbican's `creator` may do (scs-0116 \"Key Manager Policies\")"
                ),
            )])
        } else {
            Outcome::abort(format!("cannot delete secret {name}: {reason}"))
        };
    }
    Outcome::from_findings(vec![Finding::info(
        Some(&name),
        format!(
            "as a member (roles: {}), created, read back and deleted a secret",
            roles.join(", ")
        ),
    )])
}

/// ABORT unless the token is a plain member's.
fn judge_roles(roles: &[String]) -> Option<Outcome> {
    let elevated: Vec<&str> = roles
        .iter()
        .map(String::as_str)
        .filter(|role| ELEVATED_ROLES.contains(&role.to_ascii_lowercase().as_str()))
        .collect();
    if !elevated.is_empty() {
        return Some(Outcome::abort(format!(
            "the token has the role(s) {}, which would hide a key manager policy that refuses \
             members; scs-0116 is tested as a plain project member: run with the credentials \
             of a user who has only `member` (and `reader`) in the project",
            elevated.join(", ")
        )));
    }
    if !roles.iter().any(|role| role.eq_ignore_ascii_case("member")) {
        return Some(Outcome::abort(format!(
            "the token does not carry the `member` role (roles: {}); scs-0116 is about what a \
             member may do: run with the credentials of a project member",
            if roles.is_empty() {
                "none listed".to_owned()
            } else {
                roles.join(", ")
            }
        )));
    }
    None
}

/// The secret's URL below our own endpoint: Barbican's `secret_ref` may name a host that
/// is only right behind its proxy, so only the id at its end is used.
fn secret_url(secrets: &url::Url, created: &[u8]) -> Result<url::Url, String> {
    #[derive(Deserialize)]
    struct Created {
        secret_ref: String,
    }
    let created: Created = serde_json::from_slice(created).map_err(|e| {
        format!("POST {secrets}: the answer has no secret_ref ({e}); is this Barbican API v1?")
    })?;
    let id = created
        .secret_ref
        .rsplit('/')
        .find(|s| !s.is_empty())
        .ok_or_else(|| {
            format!(
                "POST {secrets}: secret_ref `{}` names no id",
                created.secret_ref
            )
        })?;
    crate::facts::openstack::join(secrets, id)
}

async fn read_back(
    context: &ProbeContext<'_>,
    secret: &Resource,
    payload: &str,
) -> Result<(), Outcome> {
    #[derive(Deserialize)]
    struct Metadata {
        #[serde(default)]
        name: Option<String>,
    }
    let session = context.session;
    let metadata = session
        .send(http::Method::GET, &secret.url, &[], None)
        .await
        .map_err(|e| judge_error("read a secret's metadata", e))?;
    let metadata: Metadata = serde_json::from_slice(&metadata)
        .map_err(|e| Outcome::abort(format!("GET {}: not a Barbican secret: {e}", secret.url)))?;
    if metadata.name.as_deref() != Some(secret.name.as_str()) {
        return Err(fail(
            &secret.name,
            "the secret read back has a different name than the one stored",
        ));
    }
    let payload_url =
        crate::facts::openstack::join(&secret.url, "payload").map_err(Outcome::abort)?;
    let stored = session
        .send(
            http::Method::GET,
            &payload_url,
            &[("Accept", "text/plain")],
            None,
        )
        .await
        .map_err(|e| judge_error("read a secret's payload", e))?;
    if stored != payload.as_bytes() {
        return Err(fail(
            &secret.name,
            "the payload read back differs from the one stored (neither is shown)",
        ));
    }
    Ok(())
}

fn fail(name: &str, message: &str) -> Outcome {
    Outcome::from_findings(vec![Finding::error(Some(name), message)])
}

/// 403 means the policy refuses members: FAIL. A quota refusal (Barbican answers 403 with
/// a quota message, proxies 413), a server error or no answer cannot decide: ABORT.
fn judge_error(step: &str, error: RequestError) -> Outcome {
    let status = error.status();
    let reason = error.into_reason();
    let quota = status == Some(413) || reason.to_ascii_lowercase().contains("quota");
    match status {
        _ if quota => Outcome::abort(format!(
            "cannot {step}: the project's quota is exhausted ({reason}); free quota or raise it \
             and run again"
        )),
        Some(403) => Outcome::from_findings(vec![Finding::error(
            Some("key-manager"),
            format!(
                "a member may not {step}: {reason}; allow `member` what Barbican's `creator` \
                 may do (scs-0116 \"Key Manager Policies\")"
            ),
        )]),
        Some(401) => Outcome::abort(format!(
            "cannot {step}: the key manager refused our token ({reason}); check that Barbican's \
             keystonemiddleware accepts tokens of this Keystone"
        )),
        Some(500..) => Outcome::abort(format!(
            "cannot {step}: the key manager failed ({reason}); see its logs, then run again"
        )),
        _ => Outcome::abort(format!("cannot {step}: {reason}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Verdict;

    fn roles(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn only_plain_members_are_tested() {
        assert!(judge_roles(&roles(&["member", "reader"])).is_none());
        for elevated in [
            &["member", "admin"][..],
            &["Manager", "member"],
            &["creator"],
        ] {
            let outcome = judge_roles(&roles(elevated)).unwrap();
            assert_eq!(outcome.verdict, Verdict::Abort, "{elevated:?}");
        }
        let outcome = judge_roles(&roles(&["reader"])).unwrap();
        assert!(outcome.findings[0].message.contains("`member` role"));
    }

    #[test]
    fn forbidden_fails_and_quota_or_server_errors_abort() {
        let status = |code, text: &str| RequestError::Status(code, text.to_owned());
        let verdict = |e| judge_error("create a secret", e).verdict;
        assert_eq!(verdict(status(403, "HTTP 403: Forbidden")), Verdict::Fail);
        assert_eq!(
            verdict(status(403, "HTTP 403: Quota reached for project")),
            Verdict::Abort
        );
        assert_eq!(verdict(status(413, "HTTP 413: over limit")), Verdict::Abort);
        assert_eq!(verdict(status(500, "HTTP 500")), Verdict::Abort);
        assert_eq!(
            verdict(RequestError::Other("connection refused".into())),
            Verdict::Abort
        );
    }

    #[test]
    fn the_secret_is_addressed_below_our_endpoint() {
        let secrets = url::Url::parse("https://km.example/v1/secrets").unwrap();
        let created = br#"{"secret_ref": "http://internal:9311/v1/secrets/abc-123"}"#;
        assert_eq!(
            secret_url(&secrets, created).unwrap().as_str(),
            "https://km.example/v1/secrets/abc-123"
        );
        assert!(secret_url(&secrets, b"{}").is_err());
    }
}
