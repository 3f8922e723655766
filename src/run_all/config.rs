//! The `run-all` config file: the upstream runner's `config.toml` layout (`Tests/config.toml`
//! of SovereignCloudStack/standards), read into the list of runs (scope × subject) of a preset.
//!
//! Accepted as upstream: `[scopes.NAME] spec`, `[presets.NAME] scopes, subjects, workers`,
//! `[subjects._.mapping]` (the default mapping, `{subject}` interpolated) and
//! `[subjects.NAME.mapping]` (per subject, overriding the default key by key, also
//! interpolated; an empty value drops a default variable). Our addition: a top-level
//! `allowed_failures = ["FILE", …]` (see `crate::waivers`), for every run. `[secrets]` and `[subjects.*.kubernetes_setup]` are accepted and ignored:
//! keys and passwords come from `run-all` flags, clusters are not provisioned. Unknown keys are
//! errors, so a misspelt key does not silently change a nightly run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

/// The name of the default subject, which only declares the default mapping.
const DEFAULT_SUBJECT: &str = "_";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// Accepted for upstream compatibility and ignored, see the module comment.
    #[serde(default, rename = "secrets")]
    _secrets: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    presets: BTreeMap<String, Preset>,
    #[serde(default)]
    scopes: BTreeMap<String, ScopeEntry>,
    #[serde(default)]
    subjects: BTreeMap<String, SubjectEntry>,
    /// Allowed-failures files for every run (entries may name their subject).
    #[serde(default)]
    allowed_failures: Vec<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Preset {
    scopes: Vec<String>,
    subjects: Vec<String>,
    workers: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeEntry {
    spec: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectEntry {
    #[serde(default)]
    mapping: BTreeMap<String, String>,
    /// Accepted for upstream compatibility and ignored, see the module comment.
    #[serde(default, rename = "kubernetes_setup")]
    _kubernetes_setup: Option<serde::de::IgnoredAny>,
}

/// One run of a preset.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub subject: String,
    /// The scope's name in the config.
    pub scope: String,
    /// The scope file, resolved against the config file's directory.
    pub spec: PathBuf,
    /// The subject's variables: the default mapping overridden by its own, interpolated;
    /// path variables (`snapshot`, `kubeconfig`) resolved against the config file's directory.
    pub variables: BTreeMap<String, String>,
}

/// What a preset runs.
#[derive(Debug)]
pub struct Batch {
    /// Subject-major: every scope of the first subject, then of the second, …
    pub jobs: Vec<Job>,
    pub workers: Option<u64>,
    /// The config's allowed-failures files, resolved against its directory.
    pub allowed_failures: Vec<PathBuf>,
}

/// Variables holding paths, made relative to the config file as upstream's runner (which
/// runs in the config file's directory) sees them.
const PATH_VARIABLES: &[&str] = &["snapshot", "kubeconfig"];

/// Subject names become directory names in the output directory.
fn check_subject_name(path: &Path, name: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
    if name.is_empty() || name.starts_with('.') || !name.chars().all(allowed) {
        bail!(
            "{}: subject name {name:?}: use letters, digits, `.`, `_` and `-` only (it names \
             the subject's report directory), not starting with `.`",
            path.display()
        );
    }
    Ok(())
}

/// Reads `path` and lists the runs of `preset`, of its subjects or of `subjects` when some
/// are given.
pub fn load(path: &Path, preset: &str, subjects: &[String]) -> Result<Batch> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the run-all config {}", path.display()))?;
    let file: File = toml::from_str(&text).map_err(|error| {
        anyhow::anyhow!(
            "{}: not a valid run-all config (the upstream runner's config.toml layout; see \
             docs/ci.md): {error}",
            path.display()
        )
    })?;
    let Some(chosen) = file.presets.get(preset) else {
        bail!(
            "{}: no preset {preset:?}; the file has: {}",
            path.display(),
            if file.presets.is_empty() {
                "none (add a [presets.NAME] table with scopes and subjects)".to_owned()
            } else {
                file.presets.keys().cloned().collect::<Vec<_>>().join(", ")
            }
        );
    };
    let base = path.parent().unwrap_or(Path::new(""));
    let default_mapping = file
        .subjects
        .get(DEFAULT_SUBJECT)
        .map(|s| s.mapping.clone())
        .unwrap_or_default();
    let mut jobs = Vec::new();
    let subjects = if subjects.is_empty() {
        &chosen.subjects
    } else {
        subjects
    };
    for subject in subjects {
        check_subject_name(path, subject)?;
        if subject == DEFAULT_SUBJECT {
            bail!(
                "{}: preset {preset}: `_` only declares the default mapping; it is no subject",
                path.display()
            );
        }
        let mut mapping = default_mapping.clone();
        if let Some(own) = file.subjects.get(subject) {
            mapping.extend(own.mapping.clone());
        }
        let variables = mapping
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(key, value)| {
                let value = value.replace("{subject}", subject);
                let value = if PATH_VARIABLES.contains(&key.as_str()) {
                    base.join(value).display().to_string()
                } else {
                    value
                };
                (key, value)
            })
            .collect::<BTreeMap<_, _>>();
        for scope in &chosen.scopes {
            let Some(entry) = file.scopes.get(scope) else {
                bail!(
                    "{}: preset {preset} names scope {scope:?}, which has no [scopes.{scope}] \
                     table with its `spec` file",
                    path.display()
                );
            };
            jobs.push(Job {
                subject: subject.clone(),
                scope: scope.clone(),
                spec: base.join(&entry.spec),
                variables: variables.clone(),
            });
        }
    }
    if jobs.is_empty() {
        bail!(
            "{}: preset {preset} runs nothing: give it scopes and subjects",
            path.display()
        );
    }
    Ok(Batch {
        jobs,
        workers: chosen.workers,
        allowed_failures: file.allowed_failures.iter().map(|f| base.join(f)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str, preset: &str) -> Result<Batch> {
        load_subjects(text, preset, &[])
    }

    fn load_subjects(text: &str, preset: &str, subjects: &[String]) -> Result<Batch> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        load(&path, preset, subjects).map(|mut batch| {
            // Paths relative to the temp dir, for comparisons.
            for job in &mut batch.jobs {
                job.spec = job.spec.strip_prefix(dir.path()).unwrap().to_path_buf();
                for value in job.variables.values_mut() {
                    let prefix = format!("{}/", dir.path().display());
                    *value = value.replacen(&prefix, "", 1);
                }
            }
            batch
        })
    }

    const UPSTREAM: &str = r#"
[secrets]
keyfile = ".secret/keyfile"
tokenfile = ".secret/tokenfile"

[presets.default]
scopes = ["scs-compatible-iaas"]
subjects = ["scs2", "other"]
workers = 4

[scopes.scs-compatible-iaas]
spec = "./scs-compatible-iaas.yaml"

[subjects._.mapping]
os_cloud = "{subject}"
subject_root = "{subject}"
kubeconfig = "{subject}/kubeconfig.yaml"

[subjects._.kubernetes_setup]
clusterspec = "kaas/clusterspec.yaml"

[subjects.other.mapping]
os_cloud = "other-cloud"
snapshot = "{subject}.json"
kubeconfig = ""
"#;

    #[test]
    fn reads_the_upstream_layout_and_interpolates_the_mapping() {
        let batch = load_text(UPSTREAM, "default").unwrap();
        assert_eq!(batch.workers, Some(4));
        assert!(batch.allowed_failures.is_empty());
        assert_eq!(batch.jobs.len(), 2);
        let scs2 = &batch.jobs[0];
        assert_eq!(scs2.subject, "scs2");
        assert_eq!(scs2.spec, PathBuf::from("scs-compatible-iaas.yaml"));
        assert_eq!(scs2.variables["os_cloud"], "scs2");
        assert_eq!(scs2.variables["kubeconfig"], "scs2/kubeconfig.yaml");
        let other = &batch.jobs[1];
        assert_eq!(other.variables["os_cloud"], "other-cloud");
        assert_eq!(other.variables["subject_root"], "other");
        assert_eq!(other.variables["snapshot"], "other.json");
        assert!(!other.variables.contains_key("kubeconfig"));
    }

    #[test]
    fn allowed_failures_files_are_relative_to_the_config() {
        let text = format!("allowed_failures = [\"waivers.yaml\"]\n{UPSTREAM}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        let batch = load(&path, "default", &[]).unwrap();
        assert_eq!(batch.allowed_failures, [dir.path().join("waivers.yaml")]);
    }

    #[test]
    fn subjects_given_replace_the_presets() {
        let batch = load_subjects(UPSTREAM, "default", &["pco-prod1".to_owned()]).unwrap();
        assert_eq!(batch.jobs.len(), 1);
        assert_eq!(batch.jobs[0].variables["os_cloud"], "pco-prod1");
    }

    #[test]
    fn the_zuul_jobs_config_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("zuul/subjects.toml");
        for preset in ["nightly", "certification"] {
            let batch = load(&path, preset, &[]).unwrap();
            assert!(!batch.jobs.is_empty());
        }
    }

    #[test]
    fn mistakes_are_named() {
        let error =
            |text: &str, preset: &str| format!("{:#}", load_text(text, preset).unwrap_err());
        assert!(error(UPSTREAM, "nightly").contains("no preset \"nightly\"; the file has: default"));
        let typo = UPSTREAM.replace("workers = 4", "worker = 4");
        assert!(error(&typo, "default").contains("unknown field `worker`"));
        let unknown_scope = UPSTREAM.replace("[scopes.scs-compatible-iaas]", "[scopes.iaas]");
        assert!(error(&unknown_scope, "default").contains("names scope \"scs-compatible-iaas\""));
        let bad_name = UPSTREAM.replace("\"other\"]", "\"../x\"]");
        assert!(error(&bad_name, "default").contains("subject name \"../x\""));
    }
}
