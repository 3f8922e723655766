//! The live Kubernetes source: reads the facts KaaS checks need from the API server.
//!
//! One client per run (from the kubeconfig, see [`config`]); each fact is one request (lists
//! are paged with `limit`/`continue`), read once, concurrently, under the run's timeout. A
//! refused or failed request becomes the fact's error with what to do about it, so the
//! checks reading it ABORT with that reason.

pub mod config;
pub mod sonobuoy;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::time::Duration;

use k8s_openapi::api::core::v1::Node as K8sNode;
use k8s_openapi::api::storage::v1::StorageClass as K8sStorageClass;
use k8s_openapi::ClusterResourceScope;
use kube::api::{Api, ListParams};
use kube::Resource;
use serde::de::DeserializeOwned;

use self::config::ResolvedCluster;
use super::{error_chain, maybe, FactKind, Facts, KubernetesVersion, Node, StorageClass};

/// Items per list request; larger lists are read in pages.
const PAGE_SIZE: u32 = 500;
const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";

pub struct Session {
    client: kube::Client,
    /// The context, the API server's URL and the kubeconfig files, for the probes' resource
    /// URLs and the cleanup command they suggest.
    context: String,
    server: url::Url,
    files: Vec<std::path::PathBuf>,
}

/// Builds the client (needs the async runtime). Fails only on an unusable configuration
/// (e.g. a client certificate that is not PEM); the cluster is first asked in `gather`.
pub fn connect(cluster: ResolvedCluster, timeout: Duration) -> Result<Session, String> {
    let mut config = cluster.config;
    config.connect_timeout = Some(timeout.min(Duration::from_secs(10)));
    config.read_timeout = Some(timeout);
    config.reset_reader_on_write = true;
    let server = url::Url::parse(&config.cluster_url.to_string()).map_err(|e| {
        format!(
            "context `{}`: the server URL {} is not a URL: {e}",
            cluster.name, config.cluster_url
        )
    })?;
    let client = kube::Client::try_from(config).map_err(|e| {
        format!(
            "cannot use context `{}` of the kubeconfig: {}",
            cluster.name,
            error_chain(&e)
        )
    })?;
    Ok(Session {
        client,
        context: cluster.name,
        server,
        files: cluster.files,
    })
}

/// A failed request, with what to do about it. Messages come from the server or the
/// transport, never from the kubeconfig's credentials.
fn describe(error: &kube::Error, what: &str) -> String {
    match error {
        kube::Error::Api(status) => {
            let hint = match status.code {
                401 => {
                    "; the cluster does not accept the kubeconfig's credentials: renew the \
                        token or client certificate"
                }
                403 => {
                    "; grant the user read access (get/list), e.g. the `view` ClusterRole \
                        and list on cluster-scoped resources"
                }
                _ => "",
            };
            format!(
                "cannot {what}: HTTP {} {}: {}{hint}",
                status.code, status.reason, status.message
            )
        }
        other => format!("cannot {what}: {}", error_chain(other)),
    }
}

impl Session {
    pub(crate) fn client(&self) -> &kube::Client {
        &self.client
    }

    /// The API server's URL of `path` (`/api/v1/namespaces/…`), below any path prefix of
    /// the server URL (as proxies such as Rancher use).
    pub(crate) fn url(&self, path: &str) -> url::Url {
        let mut url = self.server.clone();
        let prefix = self.server.path().trim_end_matches('/');
        url.set_path(&format!("{prefix}{path}"));
        url
    }

    /// The inverse of [`Session::url`]: the path the client asks for (it adds the prefix).
    pub(crate) fn api_path(&self, url: &url::Url) -> String {
        let prefix = self.server.path().trim_end_matches('/');
        let path = url.path().strip_prefix(prefix).unwrap_or(url.path());
        match url.query() {
            Some(query) => format!("{path}?{query}"),
            None => path.to_owned(),
        }
    }

    /// `scs-check cleanup` for this cluster: the context, and the kubeconfig when it is one
    /// file (several come from `KUBECONFIG`, which the command reads again).
    pub(crate) fn cleanup_command(&self) -> String {
        match self.files.as_slice() {
            [one] => format!(
                "scs-check cleanup --kubeconfig {} --context {}",
                one.display(),
                self.context
            ),
            _ => format!("scs-check cleanup --context {}", self.context),
        }
    }

    /// Fetches each requested fact once, all concurrently, each under `timeout`.
    pub async fn gather(&self, kinds: &BTreeSet<FactKind>, timeout: Duration) -> Facts {
        let wanted = |kind| kinds.contains(&kind);
        let (kubernetes_version, nodes, storage_classes) = tokio::join!(
            maybe(wanted(FactKind::KubernetesVersion), timeout, self.version()),
            maybe(wanted(FactKind::Nodes), timeout, self.nodes()),
            maybe(
                wanted(FactKind::StorageClasses),
                timeout,
                self.storage_classes()
            ),
        );
        Facts {
            kubernetes_version,
            nodes,
            storage_classes,
            ..Facts::default()
        }
    }

    async fn version(&self) -> Result<KubernetesVersion, String> {
        let info = self
            .client
            .apiserver_version()
            .await
            .map_err(|e| describe(&e, "read the server version (GET /version)"))?;
        Ok(KubernetesVersion {
            git_version: info.git_version,
            platform: Some(info.platform).filter(|p| !p.is_empty()),
        })
    }

    async fn nodes(&self) -> Result<Vec<Node>, String> {
        let nodes: Vec<K8sNode> = self.list_all("list nodes").await?;
        Ok(nodes
            .into_iter()
            .map(|n| Node {
                name: n.metadata.name.unwrap_or_default(),
                labels: n.metadata.labels.unwrap_or_default(),
            })
            .collect())
    }

    async fn storage_classes(&self) -> Result<Vec<StorageClass>, String> {
        let classes: Vec<K8sStorageClass> = self.list_all("list storage classes").await?;
        Ok(classes
            .into_iter()
            .map(|c| {
                let annotations: BTreeMap<String, String> =
                    c.metadata.annotations.unwrap_or_default();
                StorageClass {
                    name: c.metadata.name.unwrap_or_default(),
                    provisioner: c.provisioner,
                    is_default_class: annotations.get(DEFAULT_CLASS_ANNOTATION).cloned(),
                }
            })
            .collect())
    }

    /// Every object of a cluster-scoped kind, page by page.
    async fn list_all<K>(&self, what: &str) -> Result<Vec<K>, String>
    where
        K: Resource<Scope = ClusterResourceScope> + Clone + DeserializeOwned + Debug,
        K::DynamicType: Default,
    {
        let api: Api<K> = Api::all(self.client.clone());
        let mut params = ListParams::default().limit(PAGE_SIZE);
        let mut items = Vec::new();
        loop {
            let page = api.list(&params).await.map_err(|e| describe(&e, what))?;
            items.extend(page.items);
            match page.metadata.continue_ {
                Some(token) if !token.is_empty() => params = params.continue_token(&token),
                _ => return Ok(items),
            }
        }
    }
}
