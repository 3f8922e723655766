//! The official Kubernetes CVE feed (<https://kubernetes.io/docs/reference/issues-security/official-cve-feed/>,
//! JSON Feed 1.1, built from the kubernetes/kubernetes issues labelled `official-cve-feed`),
//! read for scs-0210's "critical CVE" rule: which releases fix a CVE with a CVSS base score
//! of 8 or more.
//!
//! The feed carries no structured versions or scores, only each issue's Markdown. So an item
//! counts only when its text is unambiguous: the score is computed from its CVSS v3 vector (one
//! score, or one CVE), and the fixing releases are the lines of its "Fixed Versions" section
//! that name a Kubernetes component (`kubelet v1.30.3`). Items of add-ons (ingress-nginx, CSI
//! drivers, …) name no such component and are left out; a critical item that cannot be mapped,
//! and an item without a v3 vector (which may be critical), are reported for a look by hand. Nothing here ever concludes that a release fixes *no*
//! critical CVE: a release without a mapped item keeps "not known".

use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use crate::checks::scs_0210_version_policy::Version;

/// "Critical" in scs-0210-v2: a CVSS base score of at least 8.
const CRITICAL: f64 = 8.0;

#[derive(Deserialize)]
struct Feed {
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    id: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    content_text: String,
}

/// A critical item of the feed, and what its text says fixed it.
#[derive(Debug, PartialEq)]
pub struct CriticalCve {
    pub ids: Vec<String>,
    /// `None`: the item has no CVSS v3 vector to compute it from (a v4 vector only, or the
    /// score in prose), so it may be critical and is listed for a look by hand.
    pub score: Option<f64>,
    pub url: String,
    /// Empty: the text names no Kubernetes release that fixes it.
    pub fixed_in: Vec<Version>,
}

static CVE_ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"CVE-\d{4}-\d{4,}").unwrap());
static CVSS3: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"CVSS:3\.[01]((?:/[A-Z]{1,2}:[A-Z])+)").unwrap());
/// A fix line: `- kubelet v1.30.3 - fixed by #…`. Bare versions are not taken: add-ons list
/// theirs the same way.
static FIX_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*[-*]?\s*(?:kubelet|kube-apiserver|kube-controller-manager|kube-scheduler|kube-proxy|kubectl|kubeadm)\s+v?(1\.\d+\.\d+)\b",
    )
    .unwrap()
});

/// The critical items of the feed `body` (from `url`, for messages).
pub fn critical_cves(body: &str, url: &str) -> Result<Vec<CriticalCve>, String> {
    let feed: Feed = serde_json::from_str(body).map_err(|e| {
        format!(
            "the CVE feed ({url}) is not a JSON feed with `items` of `id` and `content_text`: {e}"
        )
    })?;
    Ok(feed
        .items
        .into_iter()
        .filter_map(|item| {
            let ids: Vec<String> = CVE_ID
                .find_iter(&item.id)
                .map(|m| m.as_str().to_owned())
                .collect();
            let mut scores: Vec<f64> = CVSS3
                .captures_iter(&item.content_text)
                .filter_map(|c| base_score(&c[1]))
                .collect();
            scores.sort_by(f64::total_cmp);
            scores.dedup();
            // Sorted: the last is the highest. No readable vector: unknown, which is kept.
            let score = scores.last().copied();
            if ids.is_empty() || score.is_some_and(|score| score < CRITICAL) {
                return None;
            }
            // Several CVEs with different scores in one item: which one is critical is not
            // said in a way we can read, so no release is credited with any of them; nor with
            // a CVE whose score is unknown.
            let ambiguous = ids.len() > 1 && scores.len() > 1;
            let fixed_in = if ambiguous || score.is_none() {
                Vec::new()
            } else {
                fixed_versions(&item.content_text)
            };
            Some(CriticalCve {
                ids,
                score,
                url: item.url.unwrap_or_default(),
                fixed_in,
            })
        })
        .collect())
}

/// The Kubernetes releases the "Fixed Versions" section names, in the order given.
fn fixed_versions(text: &str) -> Vec<Version> {
    text.lines()
        .skip_while(|line| !line.to_lowercase().contains("fixed versions"))
        .skip(1)
        .take_while(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| FIX_LINE.captures(line))
        .filter_map(|c| Version::parse(&c[1]).ok())
        .collect()
}

/// The CVSS v3.1 base score of the metrics after `CVSS:3.x` (`/AV:N/AC:L/…`), as the
/// specification computes it; `None` when a base metric is missing or unknown.
fn base_score(metrics: &str) -> Option<f64> {
    let get = |name: &str| {
        metrics
            .split('/')
            .filter_map(|m| m.split_once(':'))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value)
    };
    let changed = match get("S")? {
        "U" => false,
        "C" => true,
        _ => return None,
    };
    let av = match get("AV")? {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        "P" => 0.2,
        _ => return None,
    };
    let ac = match get("AC")? {
        "L" => 0.77,
        "H" => 0.44,
        _ => return None,
    };
    let pr = match (get("PR")?, changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        ("H", false) => 0.27,
        ("H", true) => 0.5,
        _ => return None,
    };
    let ui = match get("UI")? {
        "N" => 0.85,
        "R" => 0.62,
        _ => return None,
    };
    let cia = |name| match get(name)? {
        "H" => Some(0.56),
        "L" => Some(0.22),
        "N" => Some(0.0),
        _ => None,
    };
    let iss = 1.0 - (1.0 - cia("C")?) * (1.0 - cia("I")?) * (1.0 - cia("A")?);
    let impact = if changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02_f64).powi(15)
    } else {
        6.42 * iss
    };
    if impact <= 0.0 {
        return Some(0.0);
    }
    let exploitability = 8.22 * av * ac * pr * ui;
    let sum = if changed {
        1.08 * (impact + exploitability)
    } else {
        impact + exploitability
    };
    Some(round_up(sum.min(10.0)))
}

/// CVSS v3.1 "Roundup": the smallest one-decimal number not below `x`, without the floating
/// point artefacts of a plain `ceil(x * 10)`.
fn round_up(x: f64) -> f64 {
    #[allow(clippy::cast_possible_truncation)]
    let scaled = (x * 100_000.0).round() as i64;
    if scaled % 10_000 == 0 {
        scaled as f64 / 100_000.0
    } else {
        ((scaled / 10_000) + 1) as f64 / 10.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_scores_as_the_specification_and_the_issues_give_them() {
        // kubernetes/kubernetes#128885 (CVE-2024-10220) says 8.1, #119339 (CVE-2023-3676) 8.8,
        // #121879 (CVE-2023-5528) 7.2.
        assert_eq!(
            base_score("/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N"),
            Some(8.1)
        );
        assert_eq!(
            base_score("/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"),
            Some(8.8)
        );
        assert_eq!(
            base_score("/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"),
            Some(7.2)
        );
        assert_eq!(
            base_score("/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"),
            Some(10.0)
        );
        assert_eq!(
            base_score("/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N"),
            Some(3.4)
        );
        assert_eq!(
            base_score("/AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:N"),
            Some(0.0)
        );
        assert_eq!(base_score("/AV:N/AC:L/PR:L/UI:N/C:H/I:H/A:H"), None);
    }

    #[test]
    fn only_component_lines_of_the_fixed_versions_section_count() {
        let text = "#### Affected Versions\r\n\r\n- kubelet v1.30.0 to v1.30.2\r\n\r\n\
                    #### Fixed Versions\r\n\r\n- kubelet master - fixed by #1\r\n\
                    - kubelet v1.31.0 - fixed by #2\r\n* kube-apiserver 1.30.3\r\n\
                    - v1.29.7\r\n- ingress-nginx controller v1.11.5\r\n\r\n\
                    ### How do I mitigate\r\n- kubelet v1.28.99\r\n";
        let fixed: Vec<String> = fixed_versions(text)
            .iter()
            .map(Version::to_string)
            .collect();
        assert_eq!(fixed, ["1.31.0", "1.30.3"]);
    }

    #[test]
    fn several_cves_of_different_scores_in_one_item_are_credited_to_no_release() {
        let feed = r#"{"items": [{"id": "CVE-2023-2727, CVE-2023-2728", "url": "u",
            "content_text": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:N\nCVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H\n#### Fixed Versions\n- kube-apiserver v1.27.3\n"}]}"#;
        let found = critical_cves(feed, "f").unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].score, Some(8.8));
        assert!(found[0].fixed_in.is_empty());
        // Only a v4 vector: its severity is unknown here, so it is listed, never credited.
        let feed = r#"{"items": [{"id": "CVE-2025-0001", "url": "u",
            "content_text": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N\n#### Fixed Versions\n- kubelet v1.33.2\n"}]}"#;
        let found = critical_cves(feed, "f").unwrap();
        assert_eq!(found[0].score, None);
        assert!(found[0].fixed_in.is_empty());
        let error = critical_cves("[]", "f").unwrap_err();
        assert!(error.contains("not a JSON feed"), "{error}");
    }
}
