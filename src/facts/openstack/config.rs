//! Which cloud to talk to, resolved as the `openstack` CLI does.
//!
//! `--os-cloud` / `-a os_cloud=` / `OS_CLOUD` name an entry of `clouds.yaml` (merged with
//! `secure.yaml` and `clouds-public.yaml` from the current directory, `~/.config/openstack`
//! and `/etc/openstack`, or the file in `OS_CLIENT_CONFIG_FILE`); without a name, the
//! `OS_*` variables (`OS_AUTH_URL`, …) describe the cloud.

use std::path::PathBuf;

use openstack_sdk::config::{CloudConfig, ConfigFile};

use crate::facts::error_chain;

/// A cloud configuration that cannot be used; always a usage error, never a verdict.
#[derive(Debug, thiserror::Error)]
pub enum CloudConfigError {
    #[error(
        "no cloud to check: pass --os-cloud NAME (or -a os_cloud=NAME, or set OS_CLOUD) naming \
         an entry of clouds.yaml, or set OS_AUTH_URL and the other OS_* variables"
    )]
    NoCloud,
    #[error("cannot read the OpenStack client configuration: {0}")]
    Unreadable(String),
    #[error("cloud `{name}` is not defined in {searched}; defined clouds: {known}")]
    UnknownCloud {
        name: String,
        searched: String,
        known: String,
    },
}

/// The resolved configuration and a name for it in messages and reports.
pub struct ResolvedCloud {
    pub name: String,
    pub config: CloudConfig,
}

fn config_file_from_env() -> Option<PathBuf> {
    std::env::var_os("OS_CLIENT_CONFIG_FILE").map(PathBuf::from)
}

/// Resolves `name` (or `OS_CLOUD`, or the `OS_*` variables).
pub fn resolve(name: Option<&str>) -> Result<ResolvedCloud, CloudConfigError> {
    let name = name
        .map(str::to_owned)
        .or_else(|| std::env::var("OS_CLOUD").ok().filter(|n| !n.is_empty()));
    let Some(name) = name else {
        if std::env::var_os("OS_AUTH_URL").is_none() {
            return Err(CloudConfigError::NoCloud);
        }
        let config = CloudConfig::from_env()
            .map_err(|e| CloudConfigError::Unreadable(format!("OS_* variables: {e}")))?;
        return Ok(ResolvedCloud {
            name: "envvars".into(),
            config,
        });
    };
    let explicit = config_file_from_env();
    if let Some(path) = &explicit {
        if !path.is_file() {
            return Err(CloudConfigError::Unreadable(format!(
                "OS_CLIENT_CONFIG_FILE names {}, which is not a file",
                path.display()
            )));
        }
    }
    let file = ConfigFile::new_with_user_specified_configs(explicit.as_ref(), None::<PathBuf>)
        .map_err(|e| CloudConfigError::Unreadable(error_chain(&e)))?;
    match file.get_cloud_config(&name) {
        Ok(Some(config)) => Ok(ResolvedCloud { name, config }),
        Ok(None) => {
            let mut known = file.get_available_clouds();
            known.sort();
            Err(CloudConfigError::UnknownCloud {
                name,
                searched: explicit.map_or_else(
                    || {
                        "clouds.yaml (searched ./, ~/.config/openstack/, /etc/openstack/)"
                            .to_owned()
                    },
                    |p| p.display().to_string(),
                ),
                known: if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                },
            })
        }
        Err(e) => Err(CloudConfigError::Unreadable(error_chain(&e))),
    }
}
