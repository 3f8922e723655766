//! Facts: everything the checks read from a cloud, fetched once per run.
//!
//! Checks declare which [`FactKind`]s they read; the live cloud is asked for exactly those
//! (a snapshot holds what its run read). A fact that could not be fetched carries the
//! reason, so every check reading it can ABORT with that reason instead of guessing. The
//! same structure is the snapshot format (`--record` / `--snapshot`): it never holds
//! credentials or tokens.

pub mod kubernetes;
pub mod openstack;
pub mod snapshot;

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One collection a check can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FactKind {
    /// The service catalog of the token (Keystone).
    Catalog,
    /// Flavors with their extra specs (Nova, microversion 2.61+).
    Flavors,
    /// Images the project can see, hidden ones included, with their properties (Glance v2).
    Images,
    /// Volume types with descriptions and extra specs (Cinder v3).
    VolumeTypes,
    /// The rule templates new security groups get (Neutron 2023.2+).
    DefaultSecurityGroupRules,
    /// How the Swift object store's host answers an S3 request.
    ObjectStoreS3,
    /// The Kubernetes API server's version (`GET /version`).
    KubernetesVersion,
    /// The cluster's nodes with their labels.
    Nodes,
    /// The cluster's storage classes.
    StorageClasses,
    /// The Kubernetes e2e conformance tests, run in the cluster by sonobuoy.
    E2eConformance,
    /// The Kubernetes e2e NetworkPolicy tests, run in the cluster by sonobuoy.
    E2eNetworkPolicy,
}

/// Where a fact is read: the platform a scope's checks need decides what a run connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    OpenStack,
    Kubernetes,
}

impl FactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Catalog => "catalog",
            Self::Flavors => "flavors",
            Self::Images => "images",
            Self::VolumeTypes => "volume_types",
            Self::DefaultSecurityGroupRules => "default_security_group_rules",
            Self::ObjectStoreS3 => "object_store_s3",
            Self::KubernetesVersion => "kubernetes_version",
            Self::Nodes => "nodes",
            Self::StorageClasses => "storage_classes",
            Self::E2eConformance => "e2e_conformance",
            Self::E2eNetworkPolicy => "e2e_network_policy",
        }
    }

    /// Kubernetes e2e test results, which sonobuoy produces in the cluster (for hours).
    pub fn is_e2e(&self) -> bool {
        matches!(self, Self::E2eConformance | Self::E2eNetworkPolicy)
    }

    pub fn platform(self) -> Platform {
        match self {
            Self::KubernetesVersion
            | Self::Nodes
            | Self::StorageClasses
            | Self::E2eConformance
            | Self::E2eNetworkPolicy => Platform::Kubernetes,
            _ => Platform::OpenStack,
        }
    }
}

impl fmt::Display for FactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A fetched collection, or why it could not be fetched.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Fact<T> {
    Ok(T),
    Error(String),
}

/// A check asked for a fact the source could not supply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactUnavailable {
    pub kind: FactKind,
    pub reason: String,
}

impl fmt::Display for FactUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not read {}: {}", self.kind, self.reason)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<Fact<Catalog>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flavors: Option<Fact<Vec<Flavor>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Fact<Vec<Image>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_types: Option<Fact<Vec<VolumeType>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_security_group_rules: Option<Fact<Vec<SecurityGroupRule>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_store_s3: Option<Fact<ObjectStoreS3>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<Fact<KubernetesVersion>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes: Option<Fact<Vec<Node>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_classes: Option<Fact<Vec<StorageClass>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e2e_conformance: Option<Fact<E2eResults>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e2e_network_policy: Option<Fact<E2eResults>>,
}

fn get<T>(slot: &Option<Fact<T>>, kind: FactKind) -> Result<&T, FactUnavailable> {
    match slot {
        Some(Fact::Ok(value)) => Ok(value),
        Some(Fact::Error(reason)) => Err(FactUnavailable {
            kind,
            reason: reason.clone(),
        }),
        None => Err(FactUnavailable {
            kind,
            reason: "not gathered in this run (a snapshot recorded for other testcases?)".into(),
        }),
    }
}

impl Facts {
    pub fn catalog(&self) -> Result<&Catalog, FactUnavailable> {
        get(&self.catalog, FactKind::Catalog)
    }

    pub fn flavors(&self) -> Result<&[Flavor], FactUnavailable> {
        get(&self.flavors, FactKind::Flavors).map(Vec::as_slice)
    }
    pub fn images(&self) -> Result<&[Image], FactUnavailable> {
        get(&self.images, FactKind::Images).map(Vec::as_slice)
    }
    pub fn volume_types(&self) -> Result<&[VolumeType], FactUnavailable> {
        get(&self.volume_types, FactKind::VolumeTypes).map(Vec::as_slice)
    }

    pub fn default_security_group_rules(&self) -> Result<&[SecurityGroupRule], FactUnavailable> {
        get(
            &self.default_security_group_rules,
            FactKind::DefaultSecurityGroupRules,
        )
        .map(Vec::as_slice)
    }

    pub fn object_store_s3(&self) -> Result<&ObjectStoreS3, FactUnavailable> {
        get(&self.object_store_s3, FactKind::ObjectStoreS3)
    }

    pub fn kubernetes_version(&self) -> Result<&KubernetesVersion, FactUnavailable> {
        get(&self.kubernetes_version, FactKind::KubernetesVersion)
    }

    pub fn nodes(&self) -> Result<&[Node], FactUnavailable> {
        get(&self.nodes, FactKind::Nodes).map(Vec::as_slice)
    }

    pub fn storage_classes(&self) -> Result<&[StorageClass], FactUnavailable> {
        get(&self.storage_classes, FactKind::StorageClasses).map(Vec::as_slice)
    }

    pub fn e2e_conformance(&self) -> Result<&E2eResults, FactUnavailable> {
        get(&self.e2e_conformance, FactKind::E2eConformance)
    }

    pub fn e2e_network_policy(&self) -> Result<&E2eResults, FactUnavailable> {
        get(&self.e2e_network_policy, FactKind::E2eNetworkPolicy)
    }

    /// The facts of `other` fill the slots this one leaves empty (one source per platform).
    pub fn merge(self, other: Facts) -> Facts {
        Facts {
            catalog: self.catalog.or(other.catalog),
            flavors: self.flavors.or(other.flavors),
            images: self.images.or(other.images),
            volume_types: self.volume_types.or(other.volume_types),
            default_security_group_rules: self
                .default_security_group_rules
                .or(other.default_security_group_rules),
            object_store_s3: self.object_store_s3.or(other.object_store_s3),
            kubernetes_version: self.kubernetes_version.or(other.kubernetes_version),
            nodes: self.nodes.or(other.nodes),
            storage_classes: self.storage_classes.or(other.storage_classes),
            e2e_conformance: self.e2e_conformance.or(other.e2e_conformance),
            e2e_network_policy: self.e2e_network_policy.or(other.e2e_network_policy),
        }
    }

    /// Marks every requested fact as failed for the same reason (e.g. authentication failed).
    pub fn all_failed(kinds: impl IntoIterator<Item = FactKind>, reason: &str) -> Self {
        let mut facts = Self::default();
        for kind in kinds {
            fn failed<T>(reason: &str) -> Option<Fact<T>> {
                Some(Fact::Error(reason.to_owned()))
            }
            match kind {
                FactKind::Catalog => facts.catalog = failed(reason),
                FactKind::Flavors => facts.flavors = failed(reason),
                FactKind::Images => facts.images = failed(reason),
                FactKind::VolumeTypes => facts.volume_types = failed(reason),
                FactKind::DefaultSecurityGroupRules => {
                    facts.default_security_group_rules = failed(reason)
                }
                FactKind::ObjectStoreS3 => facts.object_store_s3 = failed(reason),
                FactKind::KubernetesVersion => facts.kubernetes_version = failed(reason),
                FactKind::Nodes => facts.nodes = failed(reason),
                FactKind::StorageClasses => facts.storage_classes = failed(reason),
                FactKind::E2eConformance => facts.e2e_conformance = failed(reason),
                FactKind::E2eNetworkPolicy => facts.e2e_network_policy = failed(reason),
            }
        }
        facts
    }
}

/// The e2e tests of one sonobuoy run: the leaves of its `plugins/e2e/sonobuoy_results.yaml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct E2eResults {
    /// The tests were only listed (execution mode `dry`), not run.
    #[serde(default)]
    pub dry_run: bool,
    pub tests: Vec<E2eTest>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct E2eTest {
    pub name: String,
    /// `passed`, `failed` or `skipped` (sonobuoy's words).
    pub status: String,
}

/// The service catalog as the token lists it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Catalog {
    pub services: Vec<CatalogService>,
}

impl Catalog {
    /// Services of one type that have at least one endpoint.
    pub fn with_endpoints<'a>(
        &'a self,
        service_type: &'a str,
    ) -> impl Iterator<Item = &'a CatalogService> + 'a {
        self.services
            .iter()
            .filter(move |s| s.service_type == service_type && !s.endpoints.is_empty())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CatalogService {
    #[serde(rename = "type")]
    pub service_type: String,
    #[serde(default)]
    pub name: String,
    pub endpoints: Vec<CatalogEndpoint>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CatalogEndpoint {
    pub interface: String,
    pub region: Option<String>,
    pub url: String,
}

/// A flavor as Nova reports it; RAM in MiB, disk in GiB.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Flavor {
    pub id: String,
    pub name: String,
    pub vcpus: u64,
    pub ram: u64,
    pub disk: u64,
    #[serde(default)]
    pub extra_specs: BTreeMap<String, String>,
}

impl Flavor {
    /// How findings name a flavor: `name (id)`, since names need not be unique.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.id)
    }

    /// A flavor for unit tests, its id derived from its name.
    #[cfg(test)]
    pub fn for_test(name: &str, vcpus: u64, ram: u64, disk: u64, specs: &[(&str, &str)]) -> Self {
        Self {
            id: format!("id-{name}"),
            name: name.into(),
            vcpus,
            ram,
            disk,
            extra_specs: specs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }
}

/// An image as Glance v2 reports it. Sizes: `size` in bytes, `min_disk` in GiB, `min_ram` in
/// MiB. Every key that is not one of Glance's own fields is a free-form property (where SCS
/// puts `os_distro`, `image_source`, `replace_frequency`, …), kept as text.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Image {
    pub id: String,
    pub name: String,
    /// `public`, `community`, `shared` or `private`.
    pub visibility: String,
    pub status: String,
    #[serde(default)]
    pub os_hidden: bool,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub min_disk: u64,
    #[serde(default)]
    pub min_ram: u64,
    #[serde(default)]
    pub os_hash_algo: Option<String>,
    #[serde(default)]
    pub disk_format: Option<String>,
    /// RFC 3339, as Glance writes it.
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}
impl Image {
    /// How findings name an image: `name (id)`, since names need not be unique.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.id)
    }

    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties.get(key).map(String::as_str)
    }

    /// Public and community images: what every tenant of the cloud can use.
    pub fn is_public(&self) -> bool {
        matches!(self.visibility.as_str(), "public" | "community")
    }
}

/// A volume type as Cinder v3 reports it to a project.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VolumeType {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub is_public: bool,
    #[serde(default)]
    pub extra_specs: BTreeMap<String, String>,
}

/// A default security group rule (a template for the rules of new groups), as Neutron
/// (2023.2 and later) reports it at `/v2.0/default-security-group-rules`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SecurityGroupRule {
    pub id: String,
    /// `ingress` or `egress`.
    pub direction: String,
    /// `IPv4` or `IPv6`.
    pub ethertype: String,
    #[serde(default)]
    pub protocol: Option<String>,
    #[serde(default)]
    pub port_range_min: Option<u32>,
    #[serde(default)]
    pub port_range_max: Option<u32>,
    /// For templates, `PARENT` means the group the rule is added to.
    #[serde(default)]
    pub remote_group_id: Option<String>,
    #[serde(default)]
    pub remote_ip_prefix: Option<String>,
    #[serde(default)]
    pub remote_address_group_id: Option<String>,
    /// Templates only: whether the rule goes into each project's `default` group …
    #[serde(default)]
    pub used_in_default_sg: Option<bool>,
    /// … and into every other new group.
    #[serde(default)]
    pub used_in_non_default_sg: Option<bool>,
}

/// What the host of the Swift (`object-store`) endpoint answered to an S3 `ListBuckets`
/// request signed with an access key that does not exist.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum ObjectStoreS3 {
    /// The catalog lists no `object-store` service.
    NoObjectStore,
    Answer {
        /// The S3 URL asked (scheme and host of the object-store endpoint).
        url: String,
        status: u16,
        /// The `<Code>` of an S3 error document, if the answer was one.
        error_code: Option<String>,
    },
}

/// What the API server says about itself at `/version`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KubernetesVersion {
    /// E.g. `v1.33.4` or `v1.33.4+k3s1`.
    pub git_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
}

/// A node with its labels (where the topology labels live).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Node {
    pub name: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

impl Node {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }
}

/// A storage class, with the one annotation SCS reads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StorageClass {
    pub name: String,
    pub provisioner: String,
    /// The value of `storageclass.kubernetes.io/is-default-class`, if annotated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default_class: Option<String>,
}

/// Fetches a fact under `timeout` if it is `wanted`; a failure or timeout is the fact's error.
pub(crate) async fn maybe<T>(
    wanted: bool,
    timeout: Duration,
    fetch: impl std::future::Future<Output = Result<T, String>>,
) -> Option<Fact<T>> {
    if !wanted {
        return None;
    }
    Some(match tokio::time::timeout(timeout, fetch).await {
        Ok(Ok(value)) => Fact::Ok(value),
        Ok(Err(reason)) => Fact::Error(reason),
        Err(_) => Fact::Error(format!("no complete answer within {}s", timeout.as_secs())),
    })
}

/// An error with its sources, as one line.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = one_line(&error.to_string());
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = one_line(&cause.to_string());
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
