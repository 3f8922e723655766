//! `scs-check cleanup --kubeconfig … / --context …`: deletes what active parts of earlier runs
//! left in a cluster (a run killed by SIGKILL), and nothing else.
//!
//! Ours is what carries the label `app.kubernetes.io/managed-by=scs-check` *and* has a name of
//! our exact shape ([`is_ours`]): a namespace somebody else labelled, or one of ours renamed
//! by hand, is spared, as is sonobuoy's `scs-check-sonobuoy` (no run id). In each of our
//! namespaces its pods, then its PersistentVolumeClaims (label and name again), then the
//! namespace itself are deleted, each waited for — the order the run itself deletes them in.

use std::time::Duration;

use anyhow::{Context as _, Result};
use k8s_openapi::api::core::v1::{Namespace, PersistentVolumeClaim, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, ListParams};
use serde::de::DeserializeOwned;

use super::{ours_selector, refusal};
use crate::cli::CleanupArgs;
use crate::facts::kubernetes::{self, Session};
use crate::probes::cleanup::{delete_found, Found};
use crate::probes::ledger::Resource;
use crate::probes::naming::is_ours;
use crate::run::Output;

/// Runs the command; the exit code as for the cloud's cleanup.
pub fn run(args: &CleanupArgs, output: &Output) -> Result<i32> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let cluster = kubernetes::config::resolve(
            args.kubeconfig.as_deref().map(std::path::Path::new),
            args.context.as_deref(),
        )
        .await?;
        let context = cluster.name.clone();
        let session = kubernetes::connect(cluster, Duration::from_secs(args.timeout))
            .map_err(anyhow::Error::msg)?;
        let found = leftovers(&session).await.map_err(anyhow::Error::msg)?;
        let place = format!("cluster context `{context}` (label {})", ours_selector());
        Ok(delete_found(found, args, &session, &place, output).await)
    })
}

/// Our namespaces, each preceded by our pods and claims in it.
async fn leftovers(session: &Session) -> Result<Vec<Found>, String> {
    let client = session.client().clone();
    let mut found = Vec::new();
    let namespaces: Vec<Namespace> = ours(Api::all(client.clone()), "namespaces").await?;
    for namespace in namespaces {
        let name = namespace.metadata.name.clone().unwrap_or_default();
        let pods: Vec<Pod> = ours(Api::namespaced(client.clone(), &name), "pods").await?;
        let claims: Vec<PersistentVolumeClaim> = ours(
            Api::namespaced(client.clone(), &name),
            "persistentvolumeclaims",
        )
        .await?;
        let inside = pods
            .iter()
            .map(|p| ("pod", "pods", &p.metadata))
            .chain(claims.iter().map(|c| {
                (
                    "PersistentVolumeClaim",
                    "persistentvolumeclaims",
                    &c.metadata,
                )
            }));
        for (kind, collection, metadata) in inside {
            let path = format!("/api/v1/namespaces/{name}/{collection}/");
            found.push(to_found(session, kind, &path, metadata));
        }
        found.push(to_found(
            session,
            "namespace",
            "/api/v1/namespaces/",
            &namespace.metadata,
        ));
    }
    Ok(found)
}

/// The objects `api` lists with our label whose names are ours.
async fn ours<K>(api: Api<K>, what: &str) -> Result<Vec<K>, String>
where
    K: kube::Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    let mut params = ListParams::default().labels(&ours_selector());
    let mut items = Vec::new();
    loop {
        let page = api
            .list(&params)
            .await
            .map_err(|e| refusal(&e, &format!("list {what} labelled {}", ours_selector())))?;
        items.extend(
            page.items
                .into_iter()
                .filter(|item| item.meta().name.as_deref().is_some_and(is_ours)),
        );
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => return Ok(items),
        }
    }
}

fn to_found(session: &Session, kind: &'static str, collection: &str, meta: &ObjectMeta) -> Found {
    let name = meta.name.clone().unwrap_or_default();
    Found {
        resource: Resource {
            kind,
            url: session.url(&format!("{collection}{name}")),
            name,
        },
        created: meta
            .creation_timestamp
            .as_ref()
            .and_then(|t| chrono::DateTime::from_timestamp(t.0.as_second(), 0))
            .map(|t| t.naive_utc()),
    }
}
