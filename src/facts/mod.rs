//! Facts: everything the checks read from a cloud, fetched once per run.
//!
//! Checks declare which [`FactKind`]s they read; a source (the live cloud or a snapshot
//! file) fills exactly those. A fact that could not be fetched carries the reason, so every
//! check reading it can ABORT with that reason instead of guessing. The same structure is
//! the snapshot format (`--record` / `--snapshot`): it never holds credentials or tokens.

pub mod openstack;
pub mod snapshot;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One collection a check can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FactKind {
    /// The service catalog of the token (Keystone).
    Catalog,
    /// Flavors with their extra specs (Nova, microversion 2.61+).
    Flavors,
}

impl FactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Catalog => "catalog",
            Self::Flavors => "flavors",
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

    /// Marks every requested fact as failed for the same reason (e.g. authentication failed).
    pub fn all_failed(kinds: impl IntoIterator<Item = FactKind>, reason: &str) -> Self {
        let mut facts = Self::default();
        for kind in kinds {
            match kind {
                FactKind::Catalog => facts.catalog = Some(Fact::Error(reason.to_owned())),
                FactKind::Flavors => facts.flavors = Some(Fact::Error(reason.to_owned())),
            }
        }
        facts
    }
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
