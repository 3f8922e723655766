//! Snapshot files: the facts of one run, saved (`--record`) and replayed (`--snapshot`).
//!
//! A snapshot lets a provider send the state of its cloud to someone debugging a verdict,
//! and lets us ship a demo cloud. It holds facts only: never tokens, passwords or
//! application credential secrets (the catalog is the one thing taken from the token).

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Facts;

pub const FORMAT: &str = "scs-check-snapshot";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub format: String,
    pub version: u32,
    pub recorded_at: DateTime<Utc>,
    /// The cloud name the facts were recorded from (`--os-cloud`), for reports.
    pub cloud: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub facts: Facts,
}

impl Snapshot {
    /// `recorded_at`: when the facts were read, which checks judge dates against.
    pub fn new(cloud: &str, facts: Facts, recorded_at: DateTime<Utc>) -> Self {
        Self {
            format: FORMAT.into(),
            version: VERSION,
            recorded_at,
            cloud: cloud.into(),
            description: None,
            facts,
        }
    }

    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read snapshot {}: {e}", path.display()))?;
        let snapshot: Self = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}:{}:{}: not a scs-check snapshot: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        if snapshot.format != FORMAT || snapshot.version != VERSION {
            return Err(format!(
                "{}: snapshot format `{}` version {} is not supported; this scs-check reads \
                 `{FORMAT}` version {VERSION} (record it again with --record)",
                path.display(),
                snapshot.format,
                snapshot.version
            ));
        }
        Ok(snapshot)
    }

    pub fn save(&self, path: &Path) -> Result<(), String> {
        let mut text = serde_json::to_string_pretty(self).expect("facts serialise");
        text.push('\n');
        std::fs::write(path, text)
            .map_err(|e| format!("cannot write snapshot {}: {e}", path.display()))
    }
}
