//! scs-0210-v2 "SCS K8S Version Policy" (testcase `version-policy-check`; v1 had the same
//! testcase with a one-week patch window and no CVE deadline, and is no longer in any scope).
//!
//! Judged on the API server's `/version` as of the moment the facts were read, against the
//! release data the testcase parameter `release_data` names, else the newer (by
//! `releases_as_of`) of `standards/k8s-releases.yaml` (built in) and the file
//! `scs-check data update` writes ([`installed_path`]):
//!
//! - The cluster's branch must not be past its end of life (supported through the EOL date).
//!   The text makes not offering EOL versions a recommendation; we fail an EOL cluster as
//!   upstream does, because an EOL branch gets no further patch releases, so the cluster can
//!   no longer receive the patches the MUSTs below demand.
//! - Every newer release of the cluster's branch must have been installed within one
//!   calendar month of its release date ("no later than 1 month after release"; upstream
//!   uses 31 days, so a release of 1 February is overdue on 2 March here, not upstream).
//! - A newer release that fixes a critical CVE (CVSS ≥ 8) must have been installed within 2
//!   weeks (FAIL), and is RECOMMENDED within 2 days (warning). Without CVE data for a newer
//!   release between 2 weeks and a month old, the testcase cannot be decided: ABORT.
//! - The release data must be recent: more than 2 weeks behind the facts, a release unknown
//!   to them could already be overdue: ABORT.
//! - "The latest minor version MUST be provided no later than 4 months after release" is
//!   about the versions a provider offers, which one cluster does not show: reported as not
//!   tested (info), as upstream does not test it either.

use std::cmp::Ordering;
use std::fmt;
use std::path::PathBuf;

use chrono::{Days, Months, NaiveDate};
use serde::Deserialize;

use super::{Check, Context, Finding, Level, Outcome, Verdict};
use crate::facts::{FactKind, FactUnavailable, Facts};

pub const CHECK: Check = Check {
    name: "scs-0210-version-policy",
    standard: "scs-0210-v2",
    reads: &[FactKind::KubernetesVersion],
    testcases: || vec![TESTCASE.to_owned()],
    evaluate,
};

const TESTCASE: &str = "version-policy-check";
const PARAMETER: &str = "release_data";
const SHIPPED_PATH: &str = "standards/k8s-releases.yaml";
const SHIPPED: &str = include_str!("../../standards/k8s-releases.yaml");
/// How long a critical-CVE fix may be missing (MUST), and should be (RECOMMENDED).
const CVE_DEADLINE: Days = Days::new(14);
const CVE_RECOMMENDED: Days = Days::new(2);
const PATCH_DEADLINE: Months = Months::new(1);

// --- versions --------------------------------------------------------------------------------

/// `MAJOR.MINOR.PATCH`, maybe with a pre-release (`-rc.1`), which ranks below the release.
/// Build metadata (`+k3s1`) is dropped: it does not change which Kubernetes release it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Option<String>,
}

impl Version {
    pub fn parse(text: &str) -> Result<Self, String> {
        let bare = text.strip_prefix('v').unwrap_or(text);
        let bare = bare.split_once('+').map_or(bare, |(v, _)| v);
        let (core, pre) = match bare.split_once('-') {
            Some((core, pre)) => (core, Some(pre.to_owned())),
            None => (bare, None),
        };
        let parts: Vec<u64> = core
            .split('.')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|_| format!("`{text}` is not a version MAJOR.MINOR.PATCH"))?;
        let [major, minor, patch] = parts[..] else {
            return Err(format!("`{text}` is not a version MAJOR.MINOR.PATCH"));
        };
        Ok(Self {
            major,
            minor,
            patch,
            pre,
        })
    }

    pub fn branch(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }

    /// Whether `self` is a later release of the same branch than `other`.
    fn supersedes(&self, other: &Version) -> bool {
        self.branch() == other.branch()
            && match self.patch.cmp(&other.patch) {
                Ordering::Greater => true,
                Ordering::Equal => self.pre.is_none() && other.pre.is_some(),
                Ordering::Less => false,
            }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        match &self.pre {
            Some(pre) => write!(f, "-{pre}"),
            None => Ok(()),
        }
    }
}

// --- release data ----------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseData {
    pub releases_as_of: NaiveDate,
    pub branches: Vec<Branch>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    pub branch: String,
    pub end_of_life: NaiveDate,
    pub releases: Vec<Release>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    pub version: String,
    pub date: NaiveDate,
    /// The critical CVEs the release fixes; `None`: not known.
    #[serde(default)]
    pub critical_cves: Option<Vec<String>>,
}

/// Where `scs-check data update` writes release data by default, and where the check looks
/// for them: `$XDG_DATA_HOME/scs-check/k8s-releases.yaml`, else
/// `~/.local/share/scs-check/k8s-releases.yaml`.
pub fn installed_path() -> Option<PathBuf> {
    let non_empty = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base =
        non_empty("XDG_DATA_HOME").or_else(|| non_empty("HOME").map(|h| h.join(".local/share")))?;
    Some(base.join("scs-check/k8s-releases.yaml"))
}

/// The release data used without a `release_data` parameter: the newer of the built-in data
/// and those `scs-check data update` installed. A broken installed file is an error, not a
/// reason to fall back silently.
pub fn data_in_use() -> Result<(ReleaseData, String), String> {
    let shipped = load_data(None)?;
    match installed_path().filter(|path| path.is_file()) {
        None => Ok(shipped),
        Some(path) => {
            let installed = load_data(Some(&path.to_string_lossy())).map_err(|e| {
                format!("{e}; run `scs-check data update` again or delete the file")
            })?;
            Ok(if installed.0.releases_as_of >= shipped.0.releases_as_of {
                installed
            } else {
                shipped
            })
        }
    }
}

/// The release data and where they come from (for messages).
pub fn load_data(parameter: Option<&str>) -> Result<(ReleaseData, String), String> {
    let (text, origin) = match parameter {
        None => (SHIPPED.to_owned(), SHIPPED_PATH.to_owned()),
        Some(path) => (
            std::fs::read_to_string(path)
                .map_err(|e| format!("{PARAMETER}: cannot read {path}: {e}"))?,
            path.to_owned(),
        ),
    };
    let data = serde_saphyr::from_str(&text)
        .map_err(|e| format!("{origin}: not Kubernetes release data: {e}"))?;
    Ok((data, origin))
}

// --- the rules -------------------------------------------------------------------------------

/// What the rules found: findings, and what they could not decide.
#[derive(Default)]
struct Judgement {
    findings: Vec<Finding>,
    undecided: Vec<String>,
}

impl Judgement {
    fn outcome(mut self) -> Outcome {
        if self.findings.iter().any(|f| f.level == Level::Error) || self.undecided.is_empty() {
            return Outcome::from_findings(self.findings);
        }
        let mut findings: Vec<Finding> = self
            .undecided
            .iter()
            .map(|reason| Finding::error(None, reason.clone()))
            .collect();
        findings.append(&mut self.findings);
        Outcome {
            verdict: Verdict::Abort,
            findings,
        }
    }
}

fn judge(version: &Version, data: &ReleaseData, origin: &str, today: NaiveDate) -> Judgement {
    let mut judgement = Judgement::default();
    let update = format!(
        "run `scs-check data update` (or update {origin} from \
         https://kubernetes.io/releases/patch-releases/, or set the testcase parameter \
         {PARAMETER} to a current file)"
    );
    let Some(branch) = data.branches.iter().find(|b| b.branch == version.branch()) else {
        judgement.undecided.push(format!(
            "the release data know no Kubernetes {} (releases as of {}); {update}",
            version.branch(),
            data.releases_as_of
        ));
        return judgement;
    };
    if today > branch.end_of_life {
        judgement.findings.push(Finding::error(
            None,
            format!(
                "Kubernetes {} reached its end of life on {}; upgrade the cluster to a \
                 supported minor version",
                branch.branch, branch.end_of_life
            ),
        ));
    }
    if data.releases_as_of.checked_add_days(CVE_DEADLINE) < Some(today) {
        judgement.undecided.push(format!(
            "the release data are as of {}, more than 2 weeks before the facts ({today}): a \
             release since then could already be overdue; {update}",
            data.releases_as_of
        ));
    }
    for release in &branch.releases {
        let newer = match Version::parse(&release.version) {
            Ok(newer) => newer,
            Err(reason) => {
                judgement.undecided.push(format!("{origin}: {reason}"));
                continue;
            }
        };
        // A release after the facts' date did not exist then (a replayed snapshot is judged
        // as of its own day, with data that know the later releases).
        if newer.supersedes(version) && release.date <= today {
            judge_release(version, &newer, release, today, &mut judgement);
        }
    }
    judgement.findings.push(Finding::info(
        None,
        "not tested: whether the provider offers the latest minor version within 4 months \
         of its release (one cluster does not show what a provider offers)",
    ));
    judgement
}

/// One newer release of the cluster's branch.
fn judge_release(
    running: &Version,
    newer: &Version,
    release: &Release,
    today: NaiveDate,
    judgement: &mut Judgement,
) {
    let overdue = |window: Option<NaiveDate>| window.is_some_and(|deadline| today > deadline);
    let days = (today - release.date).num_days();
    let object = Some(release.version.as_str());
    let upgrade = format!("upgrade the cluster from {running} to {newer} or later");
    if overdue(release.date.checked_add_months(PATCH_DEADLINE)) {
        judgement.findings.push(Finding::error(
            object,
            format!(
                "{newer} was released on {} ({days} days ago); the latest patch version must \
                 be provided within 1 month: {upgrade}",
                release.date
            ),
        ));
        return;
    }
    let past_cve_deadline = overdue(release.date.checked_add_days(CVE_DEADLINE));
    let past_recommendation = overdue(release.date.checked_add_days(CVE_RECOMMENDED));
    match release.critical_cves.as_deref() {
        Some([]) => {}
        Some(cves) if past_cve_deadline => judgement.findings.push(Finding::error(
            object,
            format!(
                "{newer} fixes critical CVEs ({}) and was released {days} days ago; such \
                 patches must be provided within 2 weeks: {upgrade}",
                cves.join(", ")
            ),
        )),
        Some(cves) if past_recommendation => judgement.findings.push(Finding::warning(
            object,
            format!(
                "{newer} fixes critical CVEs ({}); it is recommended within 2 days of its \
                 release ({days} days ago): {upgrade}",
                cves.join(", ")
            ),
        )),
        Some(_) => {}
        None if past_cve_deadline => judgement.undecided.push(format!(
            "{newer} was released {days} days ago and the release data do not say whether \
             it fixes critical CVEs; if it does, the 2-week deadline has passed: {upgrade}, \
             or add its critical_cves to the release data"
        )),
        None => judgement.findings.push(Finding::info(
            object,
            format!(
                "{newer} was released {days} days ago; if it fixes critical CVEs it is due \
                 within 2 weeks of its release (the release data carry no CVE information)"
            ),
        )),
    }
}

fn evaluate(_: &str, context: &Context, facts: &Facts) -> Result<Outcome, FactUnavailable> {
    let server = facts.kubernetes_version()?;
    let version = match Version::parse(&server.git_version) {
        Ok(version) => version,
        Err(reason) => {
            return Ok(Outcome::abort(format!(
                "the API server's /version: {reason}"
            )))
        }
    };
    let loaded = match context.parameters.get(PARAMETER) {
        Some(path) => load_data(Some(path)),
        None => data_in_use(),
    };
    let (data, origin) = match loaded {
        Ok(loaded) => loaded,
        Err(reason) => return Ok(Outcome::abort(reason)),
    };
    let today = context.observed_at.date_naive();
    Ok(judge(&version, &data, &origin, today).outcome())
}

#[cfg(test)]
mod tests;
