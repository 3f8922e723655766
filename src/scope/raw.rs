//! The scope file exactly as written (scs-0003 "SCS Certification YAML"), before resolution.
//!
//! Every struct rejects unknown keys, and every value that a later validation step may
//! complain about is wrapped in [`Spanned`] so the error can name its line and column.
//! Keys that scs-0003 defines but scs-check does not use (script `env`/`args`, module
//! `name`/`url`, `prerequisite`, …) are still declared so that strictness does not reject
//! valid upstream files; they are read and dropped.
#![allow(dead_code)]

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScope {
    pub name: String,
    pub uuid: String,
    pub url: String,
    #[serde(default)]
    pub variables: Vec<Spanned<RawVariable>>,
    #[serde(default)]
    pub scripts: Vec<RawScript>,
    #[serde(default)]
    pub modules: Vec<RawModule>,
    #[serde(default)]
    pub versions: Vec<RawVersion>,
    #[serde(default)]
    pub timeline: Vec<RawTimelineEntry>,
    /// Accepted as upstream does; nothing evaluates it yet.
    pub prerequisite: Option<BTreeMap<String, String>>,
}

/// `- name` (required) or `- name: default`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawVariable {
    Required(String),
    WithDefault(BTreeMap<String, String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScript {
    /// Upstream's script; never run by scs-check. Absent for manual testcases.
    pub executable: Option<String>,
    pub env: Option<BTreeMap<String, String>>,
    pub args: Option<String>,
    pub testcases: Vec<RawTestcase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTestcase {
    pub id: Spanned<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub lifetime: Option<Spanned<String>>,
    pub section: Option<String>,
    /// scs-check's extension: the native check that decides this testcase.
    pub implemented_by: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModule {
    pub id: Spanned<String>,
    pub name: String,
    pub url: Option<String>,
    /// Parameter name → what it means; includes assign the values.
    pub parameters: Option<BTreeMap<String, String>>,
    pub targets: Option<BTreeMap<String, Vec<Spanned<String>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVersion {
    pub version: Spanned<String>,
    #[serde(default)]
    pub include: Vec<Spanned<RawInclude>>,
    pub stabilized_at: Option<Spanned<String>>,
    /// Legacy key of scs-0003-v1; accepted and ignored as upstream does.
    pub targets: Option<serde::de::IgnoredAny>,
}

/// `- module-id` or `- {ref: module-id, parameters: {...}}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawInclude {
    Module(String),
    Ref(RawRef),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRef {
    #[serde(rename = "ref")]
    pub module: String,
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTimelineEntry {
    pub date: Spanned<String>,
    pub versions: Spanned<BTreeMap<String, String>>,
}
