//! `scs-check data update` against fake GitHub, end-of-life and CVE feed endpoints on
//! 127.0.0.1 (wiremock; the real sources cannot be reached from the test machine): a fresh
//! file, a `304` from the cache, a rate limit, a refused connection, invalid JSON and a feed
//! that fails; critical CVEs of the feed credited to their releases; and the written file is
//! what version-policy-check then judges by. The feed fixture is described in
//! `tests/data/k8s-cve-feed.md`.

mod common;

use std::path::Path;

use chrono::{Days, Utc};
use common::{path, scs_check, text};
use serde_json::{json, Value};
use wiremock::matchers::{header, method, path as url_path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const RELEASES: &str = "/repos/kubernetes/kubernetes/releases";
const EOL: &str = "/eol.yml";
const FEED: &str = "/official-cve-feed/index.json";
const TOKEN: &str = "ghp_secret-token-value";

fn days_ago(n: u64) -> String {
    format!("{}T12:00:00Z", Utc::now().date_naive() - Days::new(n))
}

/// 1.37.2 out for 40 days, a pre-release and a draft that must be ignored. Branch 1.37 is
/// beyond the built-in data, so what the file holds of it came from this answer.
fn releases() -> Value {
    json!([
        {"tag_name": "v1.38.0-rc.1", "draft": false, "prerelease": true, "published_at": days_ago(1)},
        {"tag_name": "v1.37.3", "draft": true, "prerelease": false, "published_at": null},
        {"tag_name": "v1.37.2", "draft": false, "prerelease": false, "published_at": days_ago(40)},
        {"tag_name": "v1.37.1", "draft": false, "prerelease": false, "published_at": days_ago(70)},
    ])
}

fn eol() -> String {
    let eol = Utc::now().date_naive() + Days::new(200);
    format!(
        "- branch: '1.37'\n  end-of-life: '{eol}'\n- branch: '1.30'\n  end-of-life: '2025-06-28'\n"
    )
}

fn feed() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/json")
        .set_body_string(std::fs::read_to_string(path("tests/data/k8s-cve-feed.json")).unwrap())
}

async fn sources(releases_answer: ResponseTemplate, feed_answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(url_path(FEED))
        .respond_with(feed_answer)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(url_path(RELEASES))
        .respond_with(releases_answer)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(url_path(EOL))
        .respond_with(ResponseTemplate::new(200).set_body_string(eol()))
        .mount(&server)
        .await;
    server
}

/// Runs `data update` in `home` with the releases at `releases_url` and the other sources on
/// `server`: exit code, stdout, stderr.
async fn update(home: &Path, releases_url: String, server: &str) -> (i32, String, String) {
    let mut command = scs_check(home);
    command
        .env("GITHUB_TOKEN", TOKEN)
        .args(["data", "update", "--releases-url", &releases_url])
        .args(["--eol-url", &format!("{server}{EOL}")])
        .args(["--cve-feed-url", &format!("{server}{FEED}")]);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    (output.status.code().unwrap(), stdout, stderr)
}

fn installed(home: &Path) -> std::path::PathBuf {
    home.join(".local/share/scs-check/k8s-releases.yaml")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fresh_file_then_a_304_from_the_cache_and_the_check_judges_by_it() {
    let server = MockServer::start().await;
    // The second request carries the ETag of the first answer and gets 304.
    Mock::given(method("GET"))
        .and(url_path(RELEASES))
        .and(header("if-none-match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304))
        .expect(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(url_path(RELEASES))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"v1\"")
                .set_body_json(releases()),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(url_path(EOL))
        .respond_with(ResponseTemplate::new(200).set_body_string(eol()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(url_path(FEED))
        .respond_with(feed())
        .mount(&server)
        .await;
    let home = tempfile::tempdir().unwrap();
    let releases_url = server.uri() + RELEASES;
    for newly_credited in [1, 0] {
        let (code, stdout, stderr) = update(home.path(), releases_url.clone(), &server.uri()).await;
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stdout.contains("17 releases of 2 branches (supported: 1.37)"),
            "{stdout}"
        );
        // CVE-2024-10220 is already on 1.30.3 in the built-in data; the add-on cannot be placed.
        assert!(
            stdout.contains(&format!(
                "3 critical CVEs of the feed, {newly_credited} newly credited to releases, 1 to check by hand"
            )),
            "{stdout}"
        );
        assert!(
            stderr.contains("warning: CVE-2099-0002 (CVSS 9.8, https://github.com/kubernetes/kubernetes/issues/999004): the feed names no Kubernetes release"),
            "{stderr}"
        );
    }
    let written = std::fs::read_to_string(installed(home.path())).unwrap();
    assert!(
        written.contains(&format!("releases_as_of: {}", Utc::now().date_naive())),
        "{written}"
    );
    assert!(
        !written.contains("1.38.0") && !written.contains("1.37.3"),
        "{written}"
    );
    // 1.30 keeps the built-in releases and CVE data; the feed's critical kubelet fix lands on
    // 1.37.2 only, the medium CVE and the add-on nowhere, and nothing is claimed to fix none.
    assert!(
        written.contains("{version: 1.30.14, date: 2025-06-17}"),
        "{written}"
    );
    assert!(
        written.contains("{version: 1.30.3, date: 2024-07-16, critical_cves: [CVE-2024-10220]}"),
        "{written}"
    );
    assert!(
        written.contains(&format!(
            "{{version: 1.37.2, date: {}, critical_cves: [CVE-2099-0001]}}",
            &days_ago(40)[..10]
        )),
        "{written}"
    );
    assert!(
        written.contains(&format!(
            "{{version: 1.37.1, date: {}}}",
            &days_ago(70)[..10]
        )),
        "{written}"
    );
    assert!(
        !written.contains("CVE-2099-0002") && !written.contains("CVE-2023-2431"),
        "{written}"
    );
    assert!(!written.contains("critical_cves: []"), "{written}");

    // A cluster on 1.37.1, read now: 1.37.2 has been out for 40 days.
    let snapshot = json!({
        "format": "scs-check-snapshot", "version": 1, "recorded_at": Utc::now(),
        "cloud": "c", "facts": {"kubernetes_version": {"ok": {"git_version": "v1.37.1", "platform": "linux/amd64"}}}
    });
    let file = home.path().join("snapshot.json");
    std::fs::write(&file, snapshot.to_string()).unwrap();
    let output = scs_check(home.path())
        .args([
            "run",
            &path("scopes/scs-compatible-kaas.yaml"),
            "-t",
            "version-policy-check",
            "-v",
        ])
        .arg("--snapshot")
        .arg(&file)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("1.37.2 was released on"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limit_says_until_when_and_writes_nothing() {
    let reset = Utc::now().timestamp() + 1800;
    let server = sources(
        ResponseTemplate::new(403)
            .insert_header("x-ratelimit-limit", "60")
            .insert_header("x-ratelimit-remaining", "0")
            .insert_header("x-ratelimit-reset", reset.to_string().as_str())
            .set_body_json(json!({"message": "API rate limit exceeded"})),
        feed(),
    )
    .await;
    let home = tempfile::tempdir().unwrap();
    let (code, _, stderr) = update(home.path(), server.uri() + RELEASES, &server.uri()).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("rate limit of 60/hour used up until"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing written"), "{stderr}");
    assert!(
        stderr.contains("standards/k8s-releases.yaml (releases as of"),
        "{stderr}"
    );
    assert!(!installed(home.path()).exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_or_invalid_answers_keep_the_data_in_use() {
    let home = tempfile::tempdir().unwrap();
    let server = sources(
        ResponseTemplate::new(200).set_body_string("<html>not json</html>"),
        feed(),
    )
    .await;
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/releases", listener.local_addr().unwrap())
    };
    for (releases_url, expected) in [
        (refused, "cannot connect"),
        (server.uri() + RELEASES, "not a JSON list of releases"),
    ] {
        let (code, _, stderr) = update(home.path(), releases_url, &server.uri()).await;
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(stderr.contains("nothing written"), "{stderr}");
        assert!(!installed(home.path()).exists());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_or_foreign_cve_feed_writes_nothing() {
    for (answer, expected) in [
        (
            ResponseTemplate::new(503),
            "the official Kubernetes CVE feed (".to_owned(),
        ),
        (
            ResponseTemplate::new(200).set_body_json(json!({"version": "x"})),
            "is not a JSON feed with `items`".to_owned(),
        ),
    ] {
        let server = sources(ResponseTemplate::new(200).set_body_json(releases()), answer).await;
        let home = tempfile::tempdir().unwrap();
        let (code, _, stderr) = update(home.path(), server.uri() + RELEASES, &server.uri()).await;
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains(&expected), "{stderr}");
        assert!(stderr.contains("nothing written"), "{stderr}");
        assert!(!installed(home.path()).exists());
    }
}
