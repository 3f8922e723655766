//! `scs-check data update`: refreshes the Kubernetes release data that scs-0210
//! (`version-policy-check`) judges against, from the public sources upstream reads:
//!
//! - releases: the GitHub releases of kubernetes/kubernetes (one page of the newest 100, as
//!   upstream reads them; drafts and pre-releases dropped; the date is `published_at`, UTC),
//!   sent with `GITHUB_TOKEN` when it is set;
//! - branches and end-of-life dates: the SCS standards repository's `k8s-eol-data.yml`;
//! - critical CVEs: the official Kubernetes CVE feed, as far as its text can be read
//!   unambiguously ([`cve_feed`]); upstream asks MITRE per CVE instead, which has structured
//!   versions, but the standard names the official feed's scores as well.
//!
//! They are merged into the data in use (the output file, else what the check reads now), so
//! older releases and hand-kept `critical_cves` survive; `releases_as_of` becomes today.
//! Answers are cached with their `ETag` / `Last-Modified` under `~/.cache/scs-check`, so an
//! unchanged source costs a `304`. A failed fetch writes nothing: the data in use stay, and the
//! command says so and exits 1.

mod cve_feed;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result};
use chrono::{DateTime, NaiveDate, Utc};
use reqwest::header::{self, HeaderMap};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use crate::checks::scs_0210_version_policy::{
    data_in_use, installed_path, load_data, Branch, Release, ReleaseData, Version,
};
use crate::cli::DataUpdateArgs;
use cve_feed::CriticalCve;

/// Exit code when a source could not be read and nothing was written.
const NOT_UPDATED: i32 = 1;

/// Answers kept for conditional requests, by URL.
#[derive(Default, Serialize, Deserialize)]
struct Cache {
    entries: BTreeMap<String, CachedAnswer>,
}

#[derive(Serialize, Deserialize)]
struct CachedAnswer {
    etag: Option<String>,
    last_modified: Option<String>,
    body: String,
}

fn cache_file(args: &DataUpdateArgs) -> Option<PathBuf> {
    let non_empty = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let dir = args.cache_dir.clone().or_else(|| {
        non_empty("XDG_CACHE_HOME")
            .or_else(|| non_empty("HOME").map(|home| home.join(".cache")))
            .map(|base| base.join("scs-check"))
    })?;
    Some(dir.join("http-cache.json"))
}

impl Cache {
    /// An unreadable cache is no error: the requests are then simply unconditional.
    fn load(path: Option<&Path>) -> Self {
        path.and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    fn save(&self, path: Option<&Path>) {
        let Some(path) = path else { return };
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(path, serde_json::to_string(self).unwrap_or_default()));
        if let Err(e) = written {
            tracing::warn!("cannot write the cache {}: {e}", path.display());
        }
    }
}

/// One source: what it is (for messages), where, and whether the GitHub token goes with it.
struct Source<'a> {
    what: &'static str,
    url: &'a str,
    token: Option<&'a str>,
}

/// Why a 403 or 429 was sent: the rate-limit headers GitHub sets, in words.
fn refusal(status: StatusCode, headers: &HeaderMap, body: &str, source: &Source) -> String {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let reset = get("x-ratelimit-reset")
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|secs| DateTime::<Utc>::from_timestamp(secs, 0))
        .map(|t| format!(" until {}", t.format("%Y-%m-%d %H:%M UTC")));
    let token_hint = if source.token.is_some() {
        "wait, or use another GITHUB_TOKEN"
    } else {
        "set GITHUB_TOKEN to a GitHub token (no scopes needed) for 5000 requests an hour, or wait"
    };
    if get("x-ratelimit-remaining") == Some("0") || get("retry-after").is_some() {
        let limit = get("x-ratelimit-limit").map_or(String::new(), |l| format!(" of {l}/hour"));
        let retry = get("retry-after").map_or(String::new(), |s| format!(", retry after {s} s"));
        return format!(
            "{} ({}) refused the request ({status}): rate limit{limit} used up{}{retry}; {token_hint}",
            source.what,
            source.url,
            reset.unwrap_or_default()
        );
    }
    let excerpt: String = body.chars().take(200).collect();
    format!(
        "{} ({}) refused the request ({status}): {excerpt}",
        source.what, source.url
    )
}

/// The body of `source`, from the network or, on `304 Not Modified`, from the cache.
async fn fetch(
    client: &reqwest::Client,
    cache: &mut Cache,
    source: &Source<'_>,
) -> Result<String, String> {
    let cached = cache.entries.get(source.url);
    let mut request = client.get(source.url);
    if let Some(etag) = cached.and_then(|c| c.etag.as_deref()) {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    if let Some(date) = cached.and_then(|c| c.last_modified.as_deref()) {
        request = request.header(header::IF_MODIFIED_SINCE, date);
    }
    if let Some(token) = source.token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|e| {
        let why = if e.is_timeout() {
            "timed out"
        } else {
            "cannot connect"
        };
        format!(
            "{} ({}): {why} ({}); offline? Without internet access, point --releases-url, \
             --eol-url and --cve-feed-url at reachable copies",
            source.what,
            source.url,
            e.without_url()
        )
    })?;
    let status = response.status();
    let headers = response.headers().clone();
    if status == StatusCode::NOT_MODIFIED {
        return cached.map(|c| c.body.clone()).ok_or_else(|| {
            format!(
                "{} ({}) answered 304 Not Modified, but nothing is cached",
                source.what, source.url
            )
        });
    }
    let body = response.text().await.map_err(|e| {
        format!(
            "{} ({}): the answer broke off: {}",
            source.what,
            source.url,
            e.without_url()
        )
    })?;
    match status {
        StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS => {
            return Err(refusal(status, &headers, &body, source))
        }
        StatusCode::UNAUTHORIZED if source.token.is_some() => {
            return Err(format!(
                "{} ({}) refused GITHUB_TOKEN (401): renew it or unset it",
                source.what, source.url
            ))
        }
        status if !status.is_success() => {
            return Err(format!(
                "{} ({}) answered {status}",
                source.what, source.url
            ))
        }
        _ => {}
    }
    let header_text = |name| {
        headers
            .get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let etag = header_text(header::ETAG);
    let last_modified = header_text(header::LAST_MODIFIED);
    if etag.is_some() || last_modified.is_some() {
        cache.entries.insert(
            source.url.to_owned(),
            CachedAnswer {
                etag,
                last_modified,
                body: body.clone(),
            },
        );
    }
    Ok(body)
}

#[derive(Deserialize)]
struct GithubRelease {
    tag_name: String,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    prerelease: bool,
    published_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct EolEntry {
    branch: String,
    #[serde(rename = "end-of-life")]
    end_of_life: NaiveDate,
}

/// Releases (not drafts, not pre-releases) from the GitHub releases JSON.
fn parse_releases(body: &str, url: &str) -> Result<Vec<(Version, NaiveDate)>, String> {
    let releases: Vec<GithubRelease> = serde_json::from_str(body)
        .map_err(|e| format!("the GitHub releases ({url}) are not a JSON list of releases: {e}"))?;
    Ok(releases
        .into_iter()
        .filter(|r| !r.draft && !r.prerelease)
        .filter_map(|r| {
            let version = Version::parse(&r.tag_name)
                .ok()
                .filter(|v| v.pre.is_none())?;
            Some((version, r.published_at?.date_naive()))
        })
        .collect())
}

fn parse_eol(body: &str, url: &str) -> Result<Vec<EolEntry>, String> {
    let entries: Vec<EolEntry> = serde_saphyr::from_str(body).map_err(|e| {
        format!("the end-of-life data ({url}) are not a list of `branch` / `end-of-life`: {e}")
    })?;
    if entries.is_empty() {
        return Err(format!("the end-of-life data ({url}) list no branch"));
    }
    Ok(entries)
}

/// The branches of `eol`, each with the previous releases overlaid by the fetched ones
/// (their dates win; the previous `critical_cves` stay). Branches without any release are
/// left out, so the check ABORTs for them rather than seeing no newer release.
fn merge(
    previous: &ReleaseData,
    eol: &[EolEntry],
    fetched: &[(Version, NaiveDate)],
    today: NaiveDate,
) -> (ReleaseData, Vec<String>) {
    let mut dropped = Vec::new();
    let mut branches: Vec<Branch> = eol
        .iter()
        .filter_map(|entry| {
            let old = previous.branches.iter().find(|b| b.branch == entry.branch);
            let mut releases: BTreeMap<u64, Release> = old
                .into_iter()
                .flat_map(|b| &b.releases)
                .filter_map(|r| Some((Version::parse(&r.version).ok()?.patch, r.clone())))
                .collect();
            for (version, date) in fetched.iter().filter(|(v, _)| v.branch() == entry.branch) {
                let critical_cves = releases
                    .get(&version.patch)
                    .and_then(|r| r.critical_cves.clone());
                releases.insert(
                    version.patch,
                    Release {
                        version: version.to_string(),
                        date: *date,
                        critical_cves,
                    },
                );
            }
            if releases.is_empty() {
                dropped.push(entry.branch.clone());
                return None;
            }
            Some(Branch {
                branch: entry.branch.clone(),
                end_of_life: entry.end_of_life,
                releases: releases.into_values().collect(),
            })
        })
        .collect();
    branches.sort_by_key(|b| {
        Version::parse(&format!("{}.0", b.branch))
            .map(|v| (v.major, v.minor))
            .ok()
    });
    (
        ReleaseData {
            releases_as_of: today,
            branches,
        },
        dropped,
    )
}

/// Credits each critical CVE to the releases the feed says fix it; what it cannot credit, in
/// words, for a look by hand. Releases the feed does not name keep what they had.
fn credit_cves(data: &mut ReleaseData, cves: &[CriticalCve]) -> (usize, Vec<String>) {
    let mut credited = 0;
    let mut unmapped = Vec::new();
    for cve in cves {
        let mut known = false;
        for fixed in &cve.fixed_in {
            let release = data
                .branches
                .iter_mut()
                .filter(|b| b.branch == fixed.branch())
                .flat_map(|b| b.releases.iter_mut())
                .find(|r| Version::parse(&r.version).is_ok_and(|v| v == *fixed));
            let Some(release) = release else { continue };
            known = true;
            let list = release.critical_cves.get_or_insert_with(Vec::new);
            for id in &cve.ids {
                if !list.contains(id) {
                    list.push(id.clone());
                    credited += 1;
                }
            }
        }
        if cve.fixed_in.is_empty() {
            unmapped.push(format!(
                "{} (CVSS {}, {}): the feed names no Kubernetes release that fixes it (an \
                 add-on, text that cannot be read unambiguously, or no CVSS v3 vector to tell \
                 whether it is critical); if it is critical and concerns Kubernetes itself, add \
                 it to the critical_cves of the fixing releases by hand",
                cve.ids.join(", "),
                cve.score
                    .map_or_else(|| "score unknown".to_owned(), |score| score.to_string()),
                cve.url
            ));
        } else if !known {
            tracing::debug!(
                "{}: fixed in releases outside the data ({:?})",
                cve.ids.join(", "),
                cve.fixed_in
            );
        }
    }
    (credited, unmapped)
}

/// The data file, with a header saying where its parts come from.
fn to_yaml(data: &ReleaseData, provenance: &[String]) -> String {
    let mut text = String::from(
        "# Kubernetes release data for scs-0210 (version-policy-check), written by\n\
         # `scs-check data update`; the format of standards/k8s-releases.yaml.\n",
    );
    for line in provenance {
        text.push_str(&format!("# - {line}\n"));
    }
    text.push_str(&format!(
        "releases_as_of: {}\nbranches:\n",
        data.releases_as_of
    ));
    for branch in &data.branches {
        text.push_str(&format!(
            "  - branch: \"{}\"\n    end_of_life: {}\n    releases:\n",
            branch.branch, branch.end_of_life
        ));
        for release in &branch.releases {
            let cves = release.critical_cves.as_ref().map_or(String::new(), |c| {
                format!(", critical_cves: [{}]", c.join(", "))
            });
            text.push_str(&format!(
                "      - {{version: {}, date: {}{cves}}}\n",
                release.version, release.date
            ));
        }
    }
    text
}

/// Writes `text` to `path` through a temporary file, so readers never see half a file.
fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let temporary = dir.join(format!(".{}.tmp", std::process::id()));
    std::fs::write(&temporary, text)
        .and_then(|()| std::fs::rename(&temporary, path))
        .with_context(|| format!("cannot write {}", path.display()))
}

pub fn run(args: &DataUpdateArgs) -> Result<i32> {
    let Some(output) = args.output.clone().or_else(installed_path) else {
        anyhow::bail!("neither HOME nor XDG_DATA_HOME is set: name the file with --output");
    };
    let (previous, previous_origin) = load_data(Some(&output.to_string_lossy()))
        .or_else(|_| data_in_use())
        .or_else(|_| load_data(None))
        .map_err(anyhow::Error::msg)?;
    let token = std::env::var("GITHUB_TOKEN").ok().filter(|t| !t.is_empty());
    let releases = Source {
        what: "the GitHub releases of Kubernetes",
        url: &args.releases_url,
        token: token.as_deref(),
    };
    let eol = Source {
        what: "the end-of-life data",
        url: &args.eol_url,
        token: None,
    };
    let feed = Source {
        what: "the official Kubernetes CVE feed",
        url: &args.cve_feed_url,
        token: None,
    };
    let cache_path = cache_file(args);
    let mut cache = Cache::load(cache_path.as_deref());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(args.timeout))
        .user_agent(concat!("scs-check/", env!("CARGO_PKG_VERSION")))
        .default_headers(HeaderMap::from_iter([(
            header::ACCEPT,
            header::HeaderValue::from_static("application/vnd.github+json, application/json, */*"),
        )]))
        .build()
        .context("cannot set up the HTTP client")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let fetched = runtime.block_on(async {
        let releases = parse_releases(&fetch(&client, &mut cache, &releases).await?, releases.url)?;
        let eol = parse_eol(&fetch(&client, &mut cache, &eol).await?, eol.url)?;
        let cves = cve_feed::critical_cves(&fetch(&client, &mut cache, &feed).await?, feed.url)?;
        Ok::<_, String>((releases, eol, cves))
    });
    cache.save(cache_path.as_deref());
    let (releases, eol, cves) = match fetched {
        Ok(fetched) => fetched,
        Err(reason) => {
            eprintln!(
                "error: {reason}\nnothing written: version-policy-check keeps using {previous_origin} \
                 (releases as of {}), and ABORTs once those data are more than 2 weeks old",
                previous.releases_as_of
            );
            return Ok(NOT_UPDATED);
        }
    };
    let today = Utc::now().date_naive();
    let (mut data, dropped) = merge(&previous, &eol, &releases, today);
    let (credited, unmapped) = credit_cves(&mut data, &cves);
    let provenance = vec![
        format!("written {}", Utc::now().format("%Y-%m-%dT%H:%M:%SZ")),
        format!(
            "releases: {} (drafts and pre-releases dropped; date: published_at)",
            args.releases_url
        ),
        format!("end_of_life: {}", args.eol_url),
        format!("merged into {previous_origin}, whose older releases and critical_cves are kept"),
        format!(
            "critical_cves: {} (CVSS v3 base score >= 8 computed from each item's vector; \
             fixing releases from the component lines of its \"Fixed Versions\"); a release \
             the feed does not name keeps what it had: absent means not known",
            args.cve_feed_url
        ),
    ];
    write_atomically(&output, &to_yaml(&data, &provenance))?;
    for line in &unmapped {
        eprintln!("warning: {line}");
    }
    for branch in &dropped {
        eprintln!("warning: no release of Kubernetes {branch} is known; left out, so the check ABORTs for it");
    }
    let supported: Vec<&str> = data
        .branches
        .iter()
        .filter(|b| b.end_of_life >= today)
        .map(|b| b.branch.as_str())
        .collect();
    println!(
        "wrote {}: releases as of {today}, {} releases of {} branches (supported: {}); {} \
         critical CVEs of the feed, {credited} newly credited to releases, {} to check by hand",
        output.display(),
        data.branches
            .iter()
            .map(|b| b.releases.len())
            .sum::<usize>(),
        data.branches.len(),
        supported.join(", "),
        cves.len(),
        unmapped.len()
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_keeps_old_releases_and_cves_and_drops_branches_without_releases() {
        let previous: ReleaseData = serde_saphyr::from_str(
            "releases_as_of: 2025-09-10\nbranches:\n- branch: '1.34'\n  end_of_life: 2026-10-27\n  \
             releases:\n  - {version: 1.34.0, date: 2025-08-27, critical_cves: [CVE-0000-1]}\n  \
             - {version: 1.34.1, date: 2025-09-10}\n",
        )
        .unwrap();
        let eol = parse_eol("- branch: '1.34'\n  end-of-life: '2026-10-27'\n- branch: '1.99'\n  end-of-life: '2099-01-01'\n", "x").unwrap();
        let fetched = parse_releases(
            r#"[{"tag_name":"v1.34.2","draft":false,"prerelease":false,"published_at":"2025-10-14T12:00:00Z"},
                {"tag_name":"v1.34.3-rc.0","draft":false,"prerelease":true,"published_at":"2025-10-10T12:00:00Z"},
                {"tag_name":"v1.34.1","draft":false,"prerelease":false,"published_at":"2025-09-09T18:00:00Z"}]"#,
            "x",
        )
        .unwrap();
        let today = NaiveDate::from_ymd_opt(2025, 10, 20).unwrap();
        let (data, dropped) = merge(&previous, &eol, &fetched, today);
        assert_eq!(dropped, ["1.99"]);
        let versions: Vec<&str> = data.branches[0]
            .releases
            .iter()
            .map(|r| r.version.as_str())
            .collect();
        assert_eq!(versions, ["1.34.0", "1.34.1", "1.34.2"]);
        let releases = &data.branches[0].releases;
        assert_eq!(
            releases[0].critical_cves.as_deref(),
            Some(&["CVE-0000-1".to_owned()][..])
        );
        assert_eq!(
            releases[1].date,
            NaiveDate::from_ymd_opt(2025, 9, 9).unwrap()
        );
        let written = to_yaml(&data, &["test".to_owned()]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.yaml");
        write_atomically(&path, &written).unwrap();
        let (again, _) = load_data(Some(&path.to_string_lossy())).unwrap();
        assert_eq!(again.releases_as_of, today);
        assert_eq!(again.branches[0].releases.len(), 3);
    }

    #[test]
    fn a_rate_limit_object_is_not_a_list_of_releases() {
        let error = parse_releases(r#"{"message":"API rate limit exceeded"}"#, "u").unwrap_err();
        assert!(error.contains("not a JSON list of releases"), "{error}");
    }
}
