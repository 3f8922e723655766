//! scs-0117-v1 "Volume Backup", testcase `scs-0117-test-backup`: the backup API of the block
//! storage service works for a project member — a volume can be backed up and restored.
//!
//! The standard makes the backup API (`/v3/{project_id}/backups`) and a working backup
//! driver a MUST. Steps (Cinder v3): create a 1 GiB volume `scs-check-<run id>-backup-source`
//! and wait until it is `available`; back it up as `scs-check-<run id>-backup` and wait; restore
//! the backup into a new volume `scs-check-<run id>-backup-restored` and wait. The ledger then
//! deletes the restored volume, the backup and the volume, each waited for.
//!
//! Verdicts: no block storage in the catalog, a backup or restore refused (403, 404, 501) or
//! ending in `error` is a FAIL; a volume that cannot be created (quota, `error`), a server
//! error, or the probe's deadline is an ABORT — the backup service was not reached.

use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::{json, Value};

use super::ledger::Resource;
use super::{same_for_all, Outcomes, Probe, ProbeContext};
use crate::checks::{Finding, Outcome};
use crate::facts::openstack::{join, RequestError};

pub const PROBE: Probe = Probe {
    name: "scs-0117-volume-backup",
    standard: "scs-0117-v1",
    creates: "a 1 GiB volume, a backup of it, and a volume restored from that",
    testcases,
    run,
};

const TEST_BACKUP: &str = "scs-0117-test-backup";

/// Pause between status polls.
const POLL: Duration = Duration::from_secs(2);

fn testcases() -> Vec<String> {
    vec![TEST_BACKUP.to_owned()]
}

fn run<'a>(testcases: &'a [String], context: &'a ProbeContext<'a>) -> BoxFuture<'a, Outcomes> {
    Box::pin(async move {
        let outcome = match backup_and_restore(context).await {
            Ok(findings) => Outcome::from_findings(findings),
            Err(outcome) => outcome,
        };
        same_for_all(testcases, &outcome)
    })
}

/// Which step failed decides between FAIL (the backup service) and ABORT (everything else).
#[derive(Clone, Copy, PartialEq)]
enum Step {
    Volume,
    Backup,
    Restore,
}

impl Step {
    fn what(self) -> &'static str {
        match self {
            Self::Volume => "create a volume to back up",
            Self::Backup => "back up a volume",
            Self::Restore => "restore a backup",
        }
    }

    fn failed(self, reason: String) -> Outcome {
        if self == Self::Volume {
            return Outcome::abort(format!(
                "cannot {}: {reason}; the backup service was not reached (is there volume \
                 quota, and does the volume service work?)",
                self.what()
            ));
        }
        Outcome::from_findings(vec![Finding::error(
            Some("backups"),
            format!(
                "cannot {}: {reason}; scs-0117 requires a working backup driver \
                 (cinder-backup with e.g. the Swift, S3, Ceph or POSIX driver)",
                self.what()
            ),
        )])
    }

    fn refused(self, error: RequestError) -> Outcome {
        match error.status() {
            Some(403 | 404 | 501) if self != Self::Volume => self.failed(error.into_reason()),
            Some(500..) | None => Outcome::abort(format!(
                "cannot {}: {}; run again once the block storage service answers",
                self.what(),
                error.into_reason()
            )),
            _ => Step::Volume.failed(error.into_reason()),
        }
    }
}

async fn backup_and_restore(context: &ProbeContext<'_>) -> Result<Vec<Finding>, Outcome> {
    let base = block_storage(context)?;
    let url = |path: &str| join(&base, path).map_err(Outcome::abort);
    let description = format!("created by scs-check run {}", context.run_id.uuid);

    let source_name = context.run_id.name("backup-source");
    context.say(&format!("creating volume {source_name} (1 GiB)"));
    let body = json!({"volume": {"size": 1, "name": source_name, "description": description}});
    let volume = create(
        context,
        &url("volumes")?,
        &body,
        "volume",
        "id",
        Step::Volume,
    )
    .await?;
    let volume_url = url(&format!("volumes/{volume}"))?;
    record(context, "volume", &source_name, &volume_url);
    context.hold_for_tests().await;
    wait_until_available(context, &volume_url, "volume", Step::Volume).await?;

    let backup_name = context.run_id.name("backup");
    context.say(&format!("backing up into {backup_name}"));
    let body = json!({"backup": {"volume_id": volume, "name": backup_name,
                                 "description": description}});
    let backup = create(
        context,
        &url("backups")?,
        &body,
        "backup",
        "id",
        Step::Backup,
    )
    .await?;
    let backup_url = url(&format!("backups/{backup}"))?;
    record(context, "backup", &backup_name, &backup_url);
    wait_until_available(context, &backup_url, "backup", Step::Backup).await?;

    let restored_name = context.run_id.name("backup-restored");
    context.say(&format!("restoring into volume {restored_name}"));
    let body = json!({"restore": {"name": restored_name}});
    let restore = url(&format!("backups/{backup}/restore"))?;
    let restored = create(
        context,
        &restore,
        &body,
        "restore",
        "volume_id",
        Step::Restore,
    )
    .await?;
    let restored_url = url(&format!("volumes/{restored}"))?;
    record(context, "volume", &restored_name, &restored_url);
    wait_until_available(context, &restored_url, "volume", Step::Restore).await?;
    Ok(vec![Finding::info(
        Some(&backup_name),
        format!("backed up volume {source_name} and restored it into {restored_name}"),
    )])
}

fn record(context: &ProbeContext<'_>, kind: &'static str, name: &str, url: &url::Url) {
    context.ledger.record(Resource {
        kind,
        name: name.to_owned(),
        url: url.clone(),
    });
}

/// The block storage endpoint; a catalog without one breaks the standard.
fn block_storage(context: &ProbeContext<'_>) -> Result<url::Url, Outcome> {
    context
        .session
        .block_storage_url()
        .map_err(Outcome::abort)?
        .ok_or_else(|| {
            Outcome::from_findings(vec![Finding::error(
                Some("block-storage"),
                "the catalog lists no block storage (`block-storage` or `volumev3`) service, \
                 so there is no backup API; scs-0117 requires Cinder's backup API",
            )])
        })
}

/// POSTs `body`; returns `field` of the answer's `key` object (the new resource's id).
async fn create(
    context: &ProbeContext<'_>,
    url: &url::Url,
    body: &Value,
    key: &str,
    field: &str,
    step: Step,
) -> Result<String, Outcome> {
    let answer = context
        .session
        .send(http::Method::POST, url, &[], Some(body))
        .await
        .map_err(|e| step.refused(e))?;
    super::field(&answer, &[key, field]).map_err(|e| step.failed(e))
}

/// Polls `url` until its `key` object is `available`; `error…` ends the step. The probe's
/// deadline bounds the wait.
async fn wait_until_available(
    context: &ProbeContext<'_>,
    url: &url::Url,
    key: &str,
    step: Step,
) -> Result<(), Outcome> {
    let mut last = String::new();
    loop {
        let answer = context
            .session
            .send(http::Method::GET, url, &[], None)
            .await
            .map_err(|e| step.refused(e))?;
        let status = super::field(&answer, &[key, "status"]).map_err(|e| step.failed(e))?;
        if status == "available" {
            return Ok(());
        }
        if status.starts_with("error") {
            return Err(step.failed(format!("the {key} went to status `{status}`")));
        }
        if status != last {
            context.say(&format!("{key} is {status}"));
            last = status;
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Verdict;

    #[test]
    fn the_backup_service_fails_and_everything_else_aborts() {
        let refused = |step: Step, status| step.refused(RequestError::Status(status, "x".into()));
        assert_eq!(refused(Step::Backup, 403).verdict, Verdict::Fail);
        assert_eq!(refused(Step::Backup, 501).verdict, Verdict::Fail);
        assert_eq!(refused(Step::Restore, 404).verdict, Verdict::Fail);
        assert_eq!(refused(Step::Volume, 403).verdict, Verdict::Abort);
        assert_eq!(refused(Step::Volume, 413).verdict, Verdict::Abort);
        assert_eq!(refused(Step::Backup, 503).verdict, Verdict::Abort);
        assert_eq!(Step::Backup.failed("error".into()).verdict, Verdict::Fail);
        assert_eq!(Step::Volume.failed("error".into()).verdict, Verdict::Abort);
    }
}
