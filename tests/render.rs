//! `report render`: every format from the JSON of one run of the demo cloud, compared with
//! what `run` itself wrote, and validated (JUnit schema, well-formed HTML without assets).

mod common;

use std::path::{Path, PathBuf};

use common::{assert_valid_junit, path, scs_check, text};
use serde_json::Value;

/// One run of the demo cloud writing JSON, JUnit, the YAML report and the table.
struct Run {
    dir: tempfile::TempDir,
    table: String,
}

impl Run {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let output = scs_check(dir.path())
            .args(["run", &path("scopes/scs-compatible-iaas.yaml")])
            .args(["--snapshot", &path("fixtures/demo-cloud.json")])
            .args([
                "--json",
                "result.json",
                "--junit",
                "run.xml",
                "-o",
                "run.yaml",
            ])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        Self {
            dir,
            table: text(&output).0,
        }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `report render result.json --format FORMAT -o render.FORMAT`; returns the file.
    fn render(&self, format: &str) -> PathBuf {
        let file = self.file(&format!("render.{format}"));
        scs_check(self.dir.path())
            .args(["report", "render", "result.json", "--format", format, "-o"])
            .arg(&file)
            .assert()
            .success();
        file
    }
}

fn read(file: &Path) -> String {
    std::fs::read_to_string(file).unwrap()
}

/// The YAML report with the invocation ids (fresh per rendering) taken out.
fn without_invocation_ids(yaml: &str) -> Value {
    let mut report: Value = serde_saphyr::from_str(yaml).unwrap();
    let invocations = report["run"]["invocations"].as_object().unwrap();
    let mut list: Vec<Value> = invocations
        .values()
        .map(|i| {
            let mut i = i.clone();
            i.as_object_mut().unwrap().remove("id");
            i
        })
        .collect();
    list.sort_by_key(|i| i["cmd"].as_str().unwrap().to_owned());
    report["run"]["invocations"] = Value::Array(list);
    report
}

#[test]
fn every_format_renders_from_the_saved_result_as_run_wrote_it() {
    let run = Run::new();

    let junit = run.render("junit");
    assert_valid_junit(&junit);
    assert_eq!(read(&junit), read(&run.file("run.xml")));

    let yaml = read(&run.render("yaml"));
    assert_eq!(
        without_invocation_ids(&yaml),
        without_invocation_ids(&read(&run.file("run.yaml")))
    );

    let output = scs_check(run.dir.path())
        .args(["report", "render", "result.json", "--format", "table"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(text(&output).0, run.table);

    let markdown = read(&run.render("markdown"));
    assert!(
        markdown.starts_with("## SCS-compatible IaaS: demo — FAIL\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| v5.1 | effective | main | **FAIL** |"),
        "{markdown}"
    );
    assert!(markdown.contains("### Failures ("), "{markdown}");
    assert!(
        markdown.contains("ram is 8000 MiB, must be 8192 MiB"),
        "{markdown}"
    );
    assert!(
        markdown.contains("<details><summary>Passed ("),
        "{markdown}"
    );
    let failures = markdown.find("### Failures").unwrap();
    let passes = markdown.find("<summary>Passed").unwrap();
    assert!(failures < passes);
}

#[test]
fn html_is_one_well_formed_page_without_assets_failures_first() {
    let run = Run::new();
    let file = run.render("html");
    let check = std::process::Command::new("xmllint")
        .args(["--html", "--noout"])
        .arg(&file)
        .output()
        .expect("xmllint is installed (Debian package libxml2-utils)");
    assert!(
        check.status.success() && check.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let html = read(&file);
    for asset in ["<link", "<script", "<img", "<iframe", "@import", "url("] {
        assert!(!html.contains(asset), "{asset} in the page");
    }
    assert!(html.contains("<style>"));
    let result: Value = serde_json::from_str(&read(&run.file("result.json"))).unwrap();
    for testcase in result["testcases"].as_array().unwrap() {
        if testcase["status"] != "NOT_SELECTED" {
            let id = testcase["id"].as_str().unwrap();
            assert!(html.contains(&format!("<tr id=\"{id}\">")), "{id} missing");
        }
    }
    let first_fail = html.find("class=\"verdict FAIL\">FAIL</td><td>").unwrap();
    let first_pass = html.find("class=\"verdict PASS\">PASS</td><td>").unwrap();
    assert!(first_fail < first_pass, "failures come first");
    assert!(html.contains("<a href=\"https://docs.scs.community/standards/"));
    assert!(html.contains("<tr><td>v5.1</td><td>effective</td><td>main</td>"));
}

#[test]
fn a_file_that_is_no_saved_result_is_named_and_explained() {
    let run = Run::new();
    for (name, content, says) in [
        ("run.yaml", None, "not JSON"),
        (
            "other.json",
            Some("{\"format\": \"junit\"}"),
            "not an scs-check result",
        ),
        (
            "future.json",
            Some("{\"format\": \"scs-check-report\", \"format_version\": 9}"),
            "format_version 9",
        ),
        ("missing.json", None, "cannot read the result"),
    ] {
        if let Some(content) = content {
            std::fs::write(run.file(name), content).unwrap();
        }
        let output = scs_check(run.dir.path())
            .args(["report", "render", name, "--format", "html"])
            .output()
            .unwrap();
        let stderr = text(&output).1;
        assert_eq!(output.status.code(), Some(2), "{name}");
        assert!(stderr.contains(name) && stderr.contains(says), "{stderr}");
    }
}

/// Headless Chromium (Debian package chromium) on `file`: a screenshot, and the DOM it parsed.
fn chromium(args: &[&str], file: &Path) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        // Nothing may be fetched: every request would go to a closed port.
        .args([
            "--proxy-server=http://127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>",
        ])
        .args(args)
        .arg(format!("file://{}", file.display()))
        .output()
        .expect("chromium is installed (Debian package chromium; .ci/run installs it)")
}

/// PNG width and height from the IHDR chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
#[ignore = "needs Debian chromium (heavy); tests/run-all.sh and CI run it"]
fn chromium_renders_the_html_page_with_every_testcase() {
    let run = Run::new();
    let page = run.render("html");
    let shot = run.file("page.png");
    let output = chromium(
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000",
        ],
        &page,
    );
    assert!(output.status.success(), "{}", text(&output).1);
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(png_size(&png), (1280, 2000));

    // An empty page gives a small, uniform PNG; the report is tables of text and colours.
    let blank = run.file("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><html><body></body></html>").unwrap();
    let blank_shot = run.file("blank.png");
    chromium(
        &[
            &format!("--screenshot={}", blank_shot.display()),
            "--window-size=1280,2000",
        ],
        &blank,
    );
    let blank_png = std::fs::read(&blank_shot).unwrap();
    assert!(
        png.len() > 10 * blank_png.len(),
        "screenshot {} bytes, blank page {} bytes",
        png.len(),
        blank_png.len()
    );

    // Chromium's parser keeps every testcase row: no markup swallowed one.
    let dom = text(&chromium(&["--dump-dom"], &page)).0;
    let rows = |html: &str| html.matches("<tr id=").count();
    assert!(rows(&dom) > 50);
    assert_eq!(rows(&dom), rows(&read(&page)));
}
