//! Which cluster to talk to, resolved as `kubectl` does.
//!
//! The kubeconfig is `--kubeconfig PATH` / `-a kubeconfig=PATH` (one file, which must exist);
//! else the files listed in `KUBECONFIG` (separated like `PATH`; files that do not exist are
//! skipped, as kubectl skips them; the first file to set a key wins); else
//! `~/.kube/config`. The context is `--context NAME`, else the kubeconfig's
//! `current-context`. Token, token file, client certificate, exec plugins, inline or file
//! CAs and `insecure-skip-tls-verify` work through `kube`; nothing of the credentials is
//! copied into messages, logs or snapshots.

use std::path::{Path, PathBuf};

use kube::config::{KubeConfigOptions, Kubeconfig};

/// A kubeconfig that cannot be used; always a usage error, never a verdict.
#[derive(Debug, thiserror::Error)]
pub enum KubeconfigError {
    #[error(
        "no kubeconfig: {0} does not exist; pass --kubeconfig PATH (or -a kubeconfig=PATH), or \
         set KUBECONFIG"
    )]
    NoFile(String),
    #[error("kubeconfig {path}: {reason}")]
    Invalid { path: String, reason: String },
    #[error(
        "kubeconfig {files}: {reason}; choose a context with --context NAME (contexts: {known})"
    )]
    Context {
        files: String,
        reason: String,
        known: String,
    },
}

/// The resolved client configuration and a name for the cluster in messages and reports.
pub struct ResolvedCluster {
    /// The context used.
    pub name: String,
    pub config: kube::Config,
    /// The kubeconfig files read, for the commands messages suggest.
    pub files: Vec<PathBuf>,
}

/// The files to read: the explicit one, else `KUBECONFIG`'s existing entries, else the
/// default file.
fn files(explicit: Option<&Path>) -> Result<Vec<PathBuf>, KubeconfigError> {
    if let Some(path) = explicit {
        return if path.is_file() {
            Ok(vec![path.to_owned()])
        } else {
            Err(KubeconfigError::NoFile(path.display().to_string()))
        };
    }
    if let Some(value) = std::env::var_os("KUBECONFIG") {
        let listed: Vec<PathBuf> = std::env::split_paths(&value)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        if !listed.is_empty() {
            let existing: Vec<PathBuf> = listed.iter().filter(|p| p.is_file()).cloned().collect();
            if existing.is_empty() {
                let names: Vec<String> = listed.iter().map(|p| p.display().to_string()).collect();
                return Err(KubeconfigError::NoFile(format!(
                    "none of the files in KUBECONFIG ({})",
                    names.join(", ")
                )));
            }
            return Ok(existing);
        }
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let default = home.join(".kube").join("config");
    if default.is_file() {
        Ok(vec![default])
    } else {
        Err(KubeconfigError::NoFile(default.display().to_string()))
    }
}

fn read(paths: &[PathBuf]) -> Result<Kubeconfig, KubeconfigError> {
    paths
        .iter()
        .try_fold(Kubeconfig::default(), |merged, path| {
            let invalid = |e: kube::config::KubeconfigError| KubeconfigError::Invalid {
                path: path.display().to_string(),
                reason: e.to_string(),
            };
            let next = Kubeconfig::read_from(path).map_err(invalid)?;
            merged.merge(next).map_err(invalid)
        })
}

/// Resolves the kubeconfig (`explicit` file or the defaults) and the context.
pub async fn resolve(
    explicit: Option<&Path>,
    context: Option<&str>,
) -> Result<ResolvedCluster, KubeconfigError> {
    let paths = files(explicit)?;
    let kubeconfig = read(&paths)?;
    let files = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let known = kubeconfig
        .contexts
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let name = match context.or(kubeconfig.current_context.as_deref()) {
        Some(name) if kubeconfig.contexts.iter().any(|c| c.name == name) => name.to_owned(),
        Some(name) => {
            return Err(KubeconfigError::Context {
                files,
                reason: format!("context `{name}` is not defined"),
                known,
            })
        }
        None => {
            return Err(KubeconfigError::Context {
                files,
                reason: "no current-context".into(),
                known,
            })
        }
    };
    let options = KubeConfigOptions {
        context: Some(name.clone()),
        ..KubeConfigOptions::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| KubeconfigError::Invalid {
            path: files.clone(),
            reason: format!("context `{name}`: {e}"),
        })?;
    Ok(ResolvedCluster {
        name,
        config,
        files: paths,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = "apiVersion: v1
kind: Config
current-context: one
clusters:
- name: c1
  cluster: {server: 'https://127.0.0.1:6443', insecure-skip-tls-verify: true}
users:
- name: u1
  user: {token: t1}
contexts:
- name: one
  context: {cluster: c1, user: u1}
";

    const TWO: &str = "apiVersion: v1
kind: Config
current-context: two
clusters:
- name: c2
  cluster: {server: 'https://127.0.0.2:6443', insecure-skip-tls-verify: true}
users:
- name: u2
  user: {token: t2}
contexts:
- name: two
  context: {cluster: c2, user: u2}
";

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[tokio::test]
    async fn an_explicit_file_and_its_current_context() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "one.yaml", ONE);
        let cluster = resolve(Some(&path), None).await.unwrap();
        assert_eq!(cluster.name, "one");
        assert_eq!(cluster.config.cluster_url, "https://127.0.0.1:6443/");
    }

    #[tokio::test]
    async fn merged_files_first_current_context_wins_and_any_context_can_be_chosen() {
        let dir = tempfile::tempdir().unwrap();
        let paths = [write(dir.path(), "one", ONE), write(dir.path(), "two", TWO)];
        let merged = read(&paths).unwrap();
        assert_eq!(merged.current_context.as_deref(), Some("one"));
        assert_eq!(merged.contexts.len(), 2);
    }

    #[tokio::test]
    async fn a_missing_explicit_file_is_named() {
        let error = resolve(Some(Path::new("/nonexistent/kc")), None)
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("/nonexistent/kc does not exist"), "{error}");
    }

    #[tokio::test]
    async fn a_broken_file_and_an_unknown_context_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let broken = write(dir.path(), "broken", "clusters: [");
        let error = resolve(Some(&broken), None)
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.starts_with(&format!("kubeconfig {}:", broken.display())),
            "{error}"
        );
        let one = write(dir.path(), "one", ONE);
        let error = resolve(Some(&one), Some("nope"))
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("context `nope` is not defined"), "{error}");
        assert!(error.contains("contexts: one"), "{error}");
    }
}
