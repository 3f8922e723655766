use super::*;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn v(text: &str) -> Version {
    Version::parse(text).unwrap()
}

/// Branch 1.33 (EOL 2026-06-28) with one release after 1.33.0, and CVE data as given.
fn data(release: &str, released: &str, critical_cves: Option<&[&str]>, as_of: &str) -> ReleaseData {
    ReleaseData {
        releases_as_of: date(as_of),
        branches: vec![Branch {
            branch: "1.33".into(),
            end_of_life: date("2026-06-28"),
            releases: vec![
                Release {
                    version: "1.33.0".into(),
                    date: date("2025-04-23"),
                    critical_cves: Some(vec![]),
                },
                Release {
                    version: release.into(),
                    date: date(released),
                    critical_cves: critical_cves
                        .map(|cves| cves.iter().map(|c| c.to_string()).collect()),
                },
            ],
        }],
    }
}

fn verdict(running: &str, data: &ReleaseData, today: &str) -> (Verdict, Vec<Finding>) {
    let outcome = judge(&v(running), data, "test data", date(today)).outcome();
    (outcome.verdict, outcome.findings)
}

#[test]
fn versions_drop_v_and_build_metadata_and_keep_pre_releases() {
    assert_eq!(v("v1.33.4+k3s1"), v("1.33.4"));
    let rc = v("v1.34.0-rc.1+build.5");
    assert_eq!(rc.pre.as_deref(), Some("rc.1"));
    assert_eq!(rc.to_string(), "1.34.0-rc.1");
    assert!(v("1.34.0").supersedes(&rc));
    assert!(!rc.supersedes(&v("1.34.0")));
    assert!(!v("1.35.0").supersedes(&v("1.34.9")));
    for bad in ["1.33", "v1.33.x", "1.33.4.1", ""] {
        assert!(Version::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_patch_is_due_one_calendar_month_after_release_leap_day_included() {
    // 31 January + 1 month = 29 February in a leap year.
    let d = data("1.33.1", "2024-01-31", Some(&[]), "2024-03-01");
    assert_eq!(verdict("1.33.0", &d, "2024-02-29").0, Verdict::Pass);
    let (verdict_after, findings) = verdict("1.33.0", &d, "2024-03-01");
    assert_eq!(verdict_after, Verdict::Fail);
    assert!(findings[0]
        .message
        .contains("upgrade the cluster from 1.33.0 to 1.33.1"));
}

#[test]
fn deviation_one_month_is_a_calendar_month_not_31_days() {
    // Upstream allows 31 days; released 1 February, 2 March is 29 days later but past the month.
    let d = data("1.33.1", "2025-02-01", Some(&[]), "2025-03-02");
    assert_eq!(verdict("1.33.0", &d, "2025-03-01").0, Verdict::Pass);
    assert_eq!(verdict("1.33.0", &d, "2025-03-02").0, Verdict::Fail);
}

#[test]
fn the_running_release_or_a_newer_one_is_up_to_date() {
    let d = data("1.33.1", "2025-05-15", None, "2025-09-01");
    assert_eq!(verdict("v1.33.1+k3s1", &d, "2025-09-01").0, Verdict::Pass);
    assert_eq!(verdict("1.33.7", &d, "2025-09-01").0, Verdict::Pass);
    // A pre-release of the release is behind it.
    assert_eq!(verdict("1.33.1-rc.0", &d, "2025-09-01").0, Verdict::Fail);
}

#[test]
fn critical_cve_fixes_are_due_after_exactly_two_weeks_and_recommended_after_two_days() {
    let d = data(
        "1.33.1",
        "2025-05-01",
        Some(&["CVE-2025-0001"]),
        "2025-05-20",
    );
    assert_eq!(
        verdict("1.33.0", &d, "2025-05-03").1.len(),
        1,
        "2 days: only the info"
    );
    let (at_three, findings) = verdict("1.33.0", &d, "2025-05-04");
    assert_eq!(at_three, Verdict::Pass);
    assert!(findings.iter().any(|f| f.level == Level::Warning));
    assert_eq!(
        verdict("1.33.0", &d, "2025-05-15").0,
        Verdict::Pass,
        "14 days"
    );
    let (at_fifteen, findings) = verdict("1.33.0", &d, "2025-05-16");
    assert_eq!(at_fifteen, Verdict::Fail);
    assert!(findings[0].message.contains("CVE-2025-0001"));
}

#[test]
fn without_cve_data_a_release_between_two_weeks_and_a_month_old_is_undecided() {
    let d = data("1.33.1", "2025-05-01", None, "2025-05-20");
    let (at_fourteen, findings) = verdict("1.33.0", &d, "2025-05-15");
    assert_eq!(at_fourteen, Verdict::Pass);
    assert!(findings
        .iter()
        .any(|f| f.message.contains("carry no CVE information")));
    let (at_fifteen, findings) = verdict("1.33.0", &d, "2025-05-16");
    assert_eq!(at_fifteen, Verdict::Abort);
    assert!(findings[0]
        .message
        .contains("do not say whether it fixes critical CVEs"));
}

#[test]
fn a_branch_is_supported_through_its_end_of_life_date() {
    let d = data("1.33.1", "2026-06-20", Some(&[]), "2026-06-28");
    assert_eq!(verdict("1.33.1", &d, "2026-06-28").0, Verdict::Pass);
    let (after, findings) = verdict("1.33.1", &d, "2026-06-29");
    assert_eq!(after, Verdict::Fail);
    assert!(findings[0].message.contains("end of life on 2026-06-28"));
}

#[test]
fn an_unknown_minor_or_stale_data_abort_and_a_failure_outranks_them() {
    let d = data("1.33.1", "2025-05-01", Some(&[]), "2025-06-01");
    let (unknown, findings) = verdict("1.36.0", &d, "2025-06-01");
    assert_eq!(unknown, Verdict::Abort);
    assert!(findings[0].message.contains("know no Kubernetes 1.36"));
    assert_eq!(
        verdict("1.33.1", &d, "2025-06-15").0,
        Verdict::Pass,
        "14 days old"
    );
    let (stale, findings) = verdict("1.33.1", &d, "2025-06-16");
    assert_eq!(stale, Verdict::Abort);
    assert!(findings[0]
        .message
        .contains("more than 2 weeks before the facts"));
    assert_eq!(verdict("1.33.0", &d, "2025-06-16").0, Verdict::Fail);
}

#[test]
fn the_shipped_data_parse_and_name_their_branches_correctly() {
    let (data, origin) = load_data(None).unwrap();
    assert_eq!(origin, SHIPPED_PATH);
    for branch in &data.branches {
        for release in &branch.releases {
            assert_eq!(v(&release.version).branch(), branch.branch);
            assert!(release.date <= data.releases_as_of);
        }
    }
}

#[test]
fn the_check_reads_the_server_version_and_a_data_file_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("releases.yaml");
    std::fs::write(
        &path,
        "releases_as_of: 2025-06-01\nbranches:\n- branch: '1.33'\n  end_of_life: 2026-06-28\n  \
         releases:\n  - {version: 1.33.1, date: 2025-05-15, critical_cves: []}\n",
    )
    .unwrap();
    let context = Context {
        parameters: [(PARAMETER.to_owned(), path.display().to_string())].into(),
        observed_at: "2025-06-01T12:00:00Z".parse().unwrap(),
    };
    let facts = |git_version: &str| Facts {
        kubernetes_version: Some(crate::facts::Fact::Ok(crate::facts::KubernetesVersion {
            git_version: git_version.into(),
            platform: None,
        })),
        ..Facts::default()
    };
    assert_eq!(
        CHECK.run(TESTCASE, &context, &facts("v1.33.1")).verdict,
        Verdict::Pass
    );
    assert_eq!(
        CHECK.run(TESTCASE, &context, &facts("v1.33.0")).verdict,
        Verdict::Pass
    );
    let outcome = CHECK.run(TESTCASE, &context, &facts("1.33"));
    assert_eq!(outcome.verdict, Verdict::Abort);
    assert!(outcome.findings[0].message.contains("/version"));
    let missing = Context {
        parameters: [(PARAMETER.to_owned(), "/nonexistent.yaml".to_owned())].into(),
        ..context
    };
    let outcome = CHECK.run(TESTCASE, &missing, &facts("v1.33.1"));
    assert_eq!(outcome.verdict, Verdict::Abort);
    assert!(outcome.findings[0]
        .message
        .contains("cannot read /nonexistent.yaml"));
}

#[test]
fn releases_after_the_facts_day_are_not_judged() {
    let d = data("1.33.1", "2025-05-15", None, "2026-08-22");
    let (verdict_before, findings) = verdict("1.33.0", &d, "2025-05-14");
    assert_eq!(verdict_before, Verdict::Pass);
    assert!(
        findings.iter().all(|f| !f.message.contains("1.33.1")),
        "{findings:?}"
    );
    let (_, findings) = verdict("1.33.0", &d, "2025-05-15");
    assert!(
        findings
            .iter()
            .any(|f| f.message.contains("1.33.1 was released 0 days ago")),
        "{findings:?}"
    );
}
