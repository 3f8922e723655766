//! The ledger of what a run created, and deleting resources for good.
//!
//! A probe records a resource the moment the cloud returns its id. [`Ledger::clean_up`]
//! deletes everything recorded, newest first, waiting until each is really gone; what cannot
//! be deleted within the deadline comes back as a [`Leftover`] for the report and stderr.
//! Resources live behind an [`Endpoint`]: an OpenStack cloud, or a Kubernetes cluster for
//! the active parts of KaaS checks; deleting is the same protocol on both.

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::time::Instant;

use crate::facts::openstack::{RequestError, Session};

/// Where recorded resources live: a cloud or a cluster. Both delete a resource by `DELETE`
/// on its URL and show it gone by answering 404 to `GET`.
pub trait Endpoint: Sync {
    /// Sends `method` without a body to `url`; the answer's body is not needed.
    fn call<'a>(
        &'a self,
        method: http::Method,
        url: &'a url::Url,
    ) -> BoxFuture<'a, Result<(), RequestError>>;

    /// The command that deletes leftovers here, for messages.
    fn cleanup_command(&self) -> String;
}

impl Endpoint for Session {
    fn call<'a>(
        &'a self,
        method: http::Method,
        url: &'a url::Url,
    ) -> BoxFuture<'a, Result<(), RequestError>> {
        Box::pin(async move { self.send(method, url, &[], None).await.map(drop) })
    }

    fn cleanup_command(&self) -> String {
        format!("scs-check cleanup --os-cloud {}", self.cloud_name())
    }
}

/// One resource a probe created, addressed by its API URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// `secret`, `volume`, … (for messages).
    pub kind: &'static str,
    pub name: String,
    pub url: url::Url,
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({})", self.kind, self.name, self.url)
    }
}

/// A resource that could not be deleted, and why.
#[derive(Debug, Clone)]
pub struct Leftover {
    pub resource: Resource,
    pub reason: String,
}

impl fmt::Display for Leftover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.resource, self.reason)
    }
}

#[derive(Default)]
pub struct Ledger {
    created: Mutex<Vec<Resource>>,
}

impl Ledger {
    pub fn record(&self, resource: Resource) {
        self.lock().push(resource);
    }

    /// Everything recorded and not yet deleted, oldest first.
    pub fn remaining(&self) -> Vec<Resource> {
        self.lock().clone()
    }

    /// Deletes `resource` (waiting until it is gone) and takes it off the ledger; a probe
    /// whose test includes deleting uses this, so a failed deletion stays recorded.
    pub async fn delete(
        &self,
        session: &(impl Endpoint + ?Sized),
        resource: &Resource,
        deadline: Duration,
    ) -> Result<(), String> {
        delete_and_wait(session, &resource.url, deadline).await?;
        self.lock().retain(|r| r != resource);
        Ok(())
    }

    /// Deletes everything recorded, newest first, all within `deadline`; returns what is
    /// still there.
    pub async fn clean_up(
        &self,
        session: &(impl Endpoint + ?Sized),
        deadline: Duration,
    ) -> Vec<Leftover> {
        let until = Instant::now() + deadline;
        let mut leftovers = Vec::new();
        for resource in self.remaining().into_iter().rev() {
            let left = until.saturating_duration_since(Instant::now());
            if let Err(reason) = self.delete(session, &resource, left).await {
                leftovers.push(Leftover { resource, reason });
            }
        }
        leftovers
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Resource>> {
        // A panic elsewhere must not stop the cleanup: the list itself is always consistent.
        self.created.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `DELETE url`, then `GET url` until it answers 404, all within `deadline`. A resource that
/// is already gone counts as deleted; one that is busy (400 or 409: a volume still being
/// backed up, say) is asked again until the deadline.
pub async fn delete_and_wait(
    session: &(impl Endpoint + ?Sized),
    url: &url::Url,
    deadline: Duration,
) -> Result<(), String> {
    let mut busy = String::new();
    let attempt = async {
        let mut pause = Duration::from_millis(250);
        loop {
            match session.call(http::Method::DELETE, url).await {
                Ok(_) => break,
                Err(e) if e.status() == Some(404) => return Ok(()),
                Err(e) if matches!(e.status(), Some(400 | 409)) => busy = e.into_reason(),
                Err(e) => return Err(e.into_reason()),
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(5));
        }
        let mut pause = Duration::from_millis(250);
        loop {
            match session.call(http::Method::GET, url).await {
                Err(e) if e.status() == Some(404) => return Ok(()),
                _ => tokio::time::sleep(pause).await,
            }
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    };
    let outcome = tokio::time::timeout(deadline, attempt).await;
    outcome.unwrap_or_else(|_| {
        Err(if busy.is_empty() {
            format!(
                "not gone within {} s of asking to delete it",
                deadline.as_secs()
            )
        } else {
            format!("still refused after {} s: {busy}", deadline.as_secs())
        })
    })
}

/// The stderr line naming what a run left behind (`leftovers: none` when nothing).
pub fn leftovers_line(leftovers: &[Leftover], endpoint: &(impl Endpoint + ?Sized)) -> String {
    if leftovers.is_empty() {
        return "leftovers: none".to_owned();
    }
    let listed = leftovers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    format!(
        "leftovers: {listed}; delete them with `{}`",
        endpoint.cleanup_command()
    )
}
