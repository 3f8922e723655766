//! `scs-check cleanup`: deletes what earlier runs left behind — a run killed by SIGKILL, a
//! power cut — found by the name prefix of [`super::naming`], and nothing else.
//!
//! Searched, in this order: servers (first: they hold ports and volumes), key manager secrets
//! (metadata only, never payloads), volume backups, volumes, then Neutron's routers, ports,
//! subnets, networks and security groups of the project. Those whose names [`is_ours`] are
//! deleted in that order (older than `--older-than`, if given), each waited for. Probes create
//! servers, networks and subnets (the entropy VM), secrets, volumes and backups; routers,
//! ports and security groups are searched so that whatever a probe may create there one day
//! is found too. Nothing is found by any other property than its name: a floating IP, a port
//! or a volume without our name is never touched.

use std::time::Duration;

use anyhow::{Context as _, Result};
use chrono::{NaiveDateTime, Utc};
use serde::Deserialize;

use super::ledger::{delete_and_wait, leftovers_line, Endpoint, Leftover, Resource};
use super::naming::{is_ours, PREFIX};
use crate::cli::CleanupArgs;
use crate::facts::openstack::{self, join_versioned, Session};
use crate::run::Output;

/// Items listed per request.
const PAGE: usize = 100;
const DELETE_DEADLINE: Duration = Duration::from_secs(60);

/// A leftover found in the cloud or cluster, with its age if the API tells it.
pub(super) struct Found {
    pub resource: Resource,
    pub created: Option<NaiveDateTime>,
}

/// Runs the command; the exit code is 0 when everything found is gone (or, with
/// `--dry-run`, was listed), 1 when something could not be deleted.
pub fn run(args: &CleanupArgs, output: &Output) -> Result<i32> {
    let cloud = openstack::config::resolve(args.os_cloud.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let timeout = Duration::from_secs(args.timeout);
    runtime.block_on(async {
        let session = openstack::connect(&cloud, timeout, 4)
            .await
            .map_err(anyhow::Error::msg)?;
        // A listing that fails (a service down, no permission) must not keep what the others
        // found from being deleted; it makes the exit code 1 and is named.
        let listings = [
            ("servers", servers(&session).await),
            ("key manager secrets", secrets(&session).await),
            ("volumes and backups", volumes_and_backups(&session).await),
            ("network resources", network_pieces(&session).await),
        ];
        let mut found = Vec::new();
        let mut unlisted = false;
        for (what, listing) in listings {
            match listing {
                Ok(listed) => found.extend(listed),
                Err(reason) => {
                    unlisted = true;
                    eprintln!("cannot list {what}, so none of them is deleted: {reason}");
                }
            }
        }
        let place = format!("cloud `{}`", session.cloud_name());
        let code = delete_found(found, args, &session, &place, output).await;
        Ok(if unlisted { code.max(1) } else { code })
    })
}

/// Deletes what was `found` in `place` (older than `--older-than`, if given), each waited
/// for, or lists it with `--dry-run`; returns the exit code.
pub(super) async fn delete_found(
    found: Vec<Found>,
    args: &CleanupArgs,
    endpoint: &(impl Endpoint + ?Sized),
    place: &str,
    output: &Output,
) -> i32 {
    let now = Utc::now().naive_utc();
    let (old, young): (Vec<Found>, Vec<Found>) = found.into_iter().partition(|f| {
        args.older_than.is_none_or(|age| {
            // Of unknown age: kept, it may belong to a run still going.
            f.created
                .is_some_and(|created| (now - created).to_std().unwrap_or_default() >= age)
        })
    });
    let say = |line: String| {
        if !output.quiet {
            println!("{line}");
        }
    };
    if !young.is_empty() {
        say(format!(
            "keeping {} of our resources younger than --older-than (a run may still use them)",
            young.len()
        ));
    }
    if old.is_empty() && young.is_empty() {
        say(format!(
            "nothing to delete: no resource named {PREFIX}<run id>-… in {place}"
        ));
    }
    if old.is_empty() {
        return 0;
    }
    let mut leftovers = Vec::new();
    for found in old {
        let age = found
            .created
            .map(|c| format!(", created {c} UTC"))
            .unwrap_or_default();
        if args.dry_run {
            say(format!("would delete {}{age}", found.resource));
            continue;
        }
        say(format!("deleting {}{age}", found.resource));
        if let Err(reason) = delete_and_wait(endpoint, &found.resource.url, DELETE_DEADLINE).await {
            leftovers.push(Leftover {
                resource: found.resource,
                reason,
            });
        }
    }
    if !args.dry_run {
        eprintln!("{}", leftovers_line(&leftovers, endpoint));
    }
    if leftovers.is_empty() {
        0
    } else {
        1
    }
}

/// A listing item of Nova, Cinder or Neutron: what cleanup needs of it.
#[derive(Deserialize)]
struct Item {
    id: String,
    #[serde(default)]
    name: Option<String>,
    /// Cinder and Neutron call it `created_at`, Nova `created`.
    #[serde(default, alias = "created")]
    created_at: Option<String>,
}

impl Item {
    /// A leftover if the name is ours; `url` addresses it.
    fn ours(self, kind: &'static str, url: url::Url) -> Option<Found> {
        let name = self.name.filter(|n| is_ours(n))?;
        Some(Found {
            resource: Resource { kind, name, url },
            created: self.created_at.as_deref().and_then(parse_created),
        })
    }
}

/// Reads `list` page by page (`limit` and `marker`, as Nova, Cinder and Neutron page), the
/// items under `key` of each answer.
async fn list_items(session: &Session, list: &url::Url, key: &str) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut url = list.clone();
        let mut query = list.query().map(|q| format!("{q}&")).unwrap_or_default();
        query.push_str(&format!("limit={PAGE}"));
        if let Some(marker) = &marker {
            query.push_str(&format!("&marker={marker}"));
        }
        url.set_query(Some(&query));
        let body = session
            .send(http::Method::GET, &url, &[], None)
            .await
            .map_err(|e| e.into_reason())?;
        let not_a_listing =
            |e: serde_json::Error| format!("GET {url}: not a listing of {key}: {e}");
        let mut page: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&body).map_err(not_a_listing)?;
        let page: Vec<Item> = page
            .remove(key)
            .map(serde_json::from_value)
            .transpose()
            .map_err(not_a_listing)?
            .unwrap_or_default();
        let count = page.len();
        marker = page.last().map(|item| item.id.clone());
        items.extend(page);
        if count < PAGE {
            return Ok(items);
        }
    }
}

/// Our servers (none if the catalog has no compute service).
async fn servers(session: &Session) -> Result<Vec<Found>, String> {
    let Some(base) = session.catalog_url("compute")? else {
        return Ok(Vec::new());
    };
    // Nova filters names by regular expression; ours are checked exactly below.
    let mut list = openstack::join(&base, "servers/detail")?;
    list.set_query(Some(&format!("name=^{PREFIX}")));
    let mut found = Vec::new();
    for item in list_items(session, &list, "servers").await? {
        let url = openstack::join(&base, &format!("servers/{}", item.id))?;
        found.extend(item.ours("server", url));
    }
    Ok(found)
}

/// Our routers, ports, subnets, networks and security groups, in the order they can be
/// deleted (none if the catalog has no network service). Only the token's project: an admin
/// token lists every project's.
async fn network_pieces(session: &Session) -> Result<Vec<Found>, String> {
    let Some(base) = session.catalog_url("network")? else {
        return Ok(Vec::new());
    };
    let project = session.token_project_id().ok_or_else(|| {
        "the token names no project, so the networks of this project cannot be told apart"
            .to_owned()
    })?;
    let mut found = Vec::new();
    for (collection, kind) in [
        ("routers", "router"),
        ("ports", "port"),
        ("subnets", "subnet"),
        ("networks", "network"),
        ("security-groups", "security group"),
    ] {
        let collection_url = openstack::join_versioned(&base, "v2.0", collection)?;
        let mut list = collection_url.clone();
        list.set_query(Some(&format!("project_id={project}")));
        let key = collection.replace('-', "_");
        for item in list_items(session, &list, &key).await? {
            let url = openstack::join(&collection_url, &item.id)?;
            found.extend(item.ours(kind, url));
        }
    }
    Ok(found)
}

/// Our secrets in the key manager (none if the catalog has no key manager).
async fn secrets(session: &Session) -> Result<Vec<Found>, String> {
    #[derive(Deserialize)]
    struct Page {
        secrets: Vec<Secret>,
        #[serde(default)]
        total: Option<usize>,
    }
    #[derive(Deserialize)]
    struct Secret {
        #[serde(default)]
        name: Option<String>,
        secret_ref: String,
        #[serde(default)]
        created: Option<String>,
    }
    let Some(base) = session.catalog_url("key-manager")? else {
        return Ok(Vec::new());
    };
    let list = join_versioned(&base, "v1", "secrets")?;
    let mut found = Vec::new();
    let mut offset = 0;
    loop {
        let mut url = list.clone();
        url.set_query(Some(&format!("limit={PAGE}&offset={offset}")));
        let body = session
            .send(http::Method::GET, &url, &[], None)
            .await
            .map_err(|e| e.into_reason())?;
        let page: Page = serde_json::from_slice(&body)
            .map_err(|e| format!("GET {url}: not a Barbican secret list: {e}"))?;
        let count = page.secrets.len();
        for secret in page.secrets {
            let Some(name) = secret.name.filter(|n| is_ours(n)) else {
                continue;
            };
            let id = secret.secret_ref.rsplit('/').find(|s| !s.is_empty());
            let Some(id) = id else { continue };
            found.push(Found {
                resource: Resource {
                    kind: "secret",
                    name,
                    url: openstack::join(&list, id)?,
                },
                created: secret.created.as_deref().and_then(parse_created),
            });
        }
        offset += count;
        if count < PAGE || page.total.is_some_and(|total| offset >= total) {
            return Ok(found);
        }
    }
}

/// Our backups, then our volumes (none if the catalog has no block storage).
async fn volumes_and_backups(session: &Session) -> Result<Vec<Found>, String> {
    let Some(base) = session.block_storage_url()? else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for (collection, kind) in [("backups", "backup"), ("volumes", "volume")] {
        let list = openstack::join(&base, &format!("{collection}/detail"))?;
        for item in list_items(session, &list, collection).await? {
            let url = openstack::join(&base, &format!("{collection}/{}", item.id))?;
            found.extend(item.ours(kind, url));
        }
    }
    Ok(found)
}

/// Barbican and Cinder write `created` in UTC without an offset; Nova and Neutron with one.
fn parse_created(text: &str) -> Option<NaiveDateTime> {
    text.parse::<NaiveDateTime>().ok().or_else(|| {
        chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|d| d.naive_utc())
    })
}

/// `--older-than`: a number with unit `s`, `m`, `h` or `d`, e.g. `90m` or `1h`.
pub fn parse_age(text: &str) -> Result<Duration, String> {
    let error = || format!("`{text}`: expected a number and a unit (s, m, h, d), e.g. 1h or 30m");
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(error)?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| error())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return Err(error()),
    };
    Ok(Duration::from_secs(number * seconds))
}

#[cfg(test)]
mod tests {
    use super::parse_age;
    use std::time::Duration;

    #[test]
    fn ages_have_a_unit() {
        assert_eq!(parse_age("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_age("90m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_age("0s"), Ok(Duration::ZERO));
        for bad in ["1", "h", "1w", "-1h", "1.5h", ""] {
            assert!(parse_age(bad).is_err(), "{bad}");
        }
    }
}
