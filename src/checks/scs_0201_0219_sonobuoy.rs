//! scs-0201-v1 "CNCF Kubernetes conformance" (testcase `cncf-k8s-conformance`) and scs-0219-v1
//! "KaaS networking" (testcase `kaas-networking-check`): decided by the Kubernetes e2e tests
//! that sonobuoy runs in the cluster (certified-conformance mode, and the `NetworkPolicy`
//! focus; see `facts::kubernetes::sonobuoy`).
//!
//! Every failed test fails the testcase unless it is an allowed failure of
//! `standards/sonobuoy-allowed-failures.yaml` (upstream's `okToFail` data, read by the
//! allowed-failures loader of `crate::waivers`: a regex searched in the test's name, a reason,
//! optionally an expiry date, judged as of the facts): those are warnings. A user's own
//! `e2e` entries (`--allowed-failures`) are not applied here: they waive a FAIL without
//! changing it (see `crate::waivers`), so each failed test stays an error naming the test. Undecidable, hence ABORT: no sonobuoy, a failed sonobuoy step (the fact's error),
//! a dry run (tests listed, not run), no test that ran, a status other than passed / failed
//! / skipped (unless a failure already fails the testcase).

use std::path::Path;

use super::{Check, Context, Finding, Outcome, Verdict};
use crate::facts::{E2eResults, FactKind};
use crate::waivers::{Origin, Waivers};

pub const CONFORMANCE: Check = Check {
    name: "scs-0201-cncf-conformance",
    standard: "scs-0201-v1",
    reads: &[FactKind::E2eConformance],
    testcases: || vec!["cncf-k8s-conformance".to_owned()],
    evaluate: |_, context, facts| Ok(judge(facts.e2e_conformance()?, context)),
};

pub const NETWORKING: Check = Check {
    name: "scs-0219-kaas-networking",
    standard: "scs-0219-v1",
    reads: &[FactKind::E2eNetworkPolicy],
    testcases: || vec!["kaas-networking-check".to_owned()],
    evaluate: |_, context, facts| Ok(judge(facts.e2e_network_policy()?, context)),
};

const ALLOWED_PATH: &str = "standards/sonobuoy-allowed-failures.yaml";
const ALLOWED: &str = include_str!("../../standards/sonobuoy-allowed-failures.yaml");

/// The shipped list; a broken one (a bad edit) ABORTs both testcases, and a test keeps it valid.
fn allowed_failures(text: &str) -> Result<Waivers, String> {
    Waivers::parse(Path::new(ALLOWED_PATH), text, Origin::Shipped).map_err(|e| e.to_string())
}

fn judge(results: &E2eResults, context: &Context) -> Outcome {
    judge_with(results, context, ALLOWED)
}

fn judge_with(results: &E2eResults, context: &Context, allowed: &str) -> Outcome {
    if results.dry_run {
        return Outcome::abort(
            "execution_mode dry only lists the e2e tests, it does not run them: run with \
             -a execution_mode=parallel (or serial) to decide this testcase",
        );
    }
    let allowed = match allowed_failures(allowed) {
        Ok(allowed) => allowed,
        Err(reason) => return Outcome::abort(reason),
    };
    let today = context.observed_at.date_naive();
    let (mut passed, mut skipped) = (0, 0);
    let mut findings = Vec::new();
    let mut undecided = Vec::new();
    for test in &results.tests {
        let name = Some(test.name.as_str());
        match test.status.as_str() {
            "passed" => passed += 1,
            "skipped" => skipped += 1,
            "failed" => {
                findings.push(match allowed.e2e_entry(&test.name) {
                    Some(entry) if entry.applies_on(today) => {
                        Finding::warning(name, format!("failed, allowed: {}", entry.reason))
                    }
                    Some(entry) => Finding::error(
                        name,
                        format!(
                            "failed; its exception in {ALLOWED_PATH} expired on {} ({})",
                            entry.expires.unwrap_or_default(),
                            entry.reason
                        ),
                    ),
                    None => Finding::error(
                        name,
                        "failed: see the e2e log in the sonobuoy results, fix the cluster \
                         and run again",
                    ),
                });
            }
            other => undecided.push(format!("e2e test `{}` ended `{other}`", test.name)),
        }
    }
    let failed = findings.len();
    findings.push(Finding::info(
        None,
        format!("{passed} e2e tests passed, {skipped} skipped, {failed} failed"),
    ));
    if passed + failed == 0 {
        undecided.push("sonobuoy reported no e2e test that ran".to_owned());
    }
    let mut outcome = Outcome::from_findings(findings);
    if undecided.is_empty() {
        return outcome;
    }
    let undecided = undecided
        .into_iter()
        .map(|reason| Finding::error(None, reason));
    if outcome.verdict == Verdict::Fail {
        // A failure decides the testcase, but what stayed undecided is still said: it must
        // not vanish, and an `e2e:` waiver (which covers named failed tests) cannot cover it.
        outcome.findings.extend(
            undecided.map(|f| Finding::error(None, format!("also undecided: {}", f.message))),
        );
        return outcome;
    }
    let mut findings: Vec<Finding> = undecided.collect();
    findings.extend(outcome.findings);
    Outcome {
        verdict: Verdict::Abort,
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Level;
    use crate::facts::{E2eTest, Facts};

    fn results(tests: &[(&str, &str)]) -> E2eResults {
        E2eResults {
            dry_run: false,
            tests: tests
                .iter()
                .map(|(name, status)| E2eTest {
                    name: (*name).to_owned(),
                    status: (*status).to_owned(),
                })
                .collect(),
        }
    }

    fn on(day: &str) -> Context {
        Context {
            observed_at: format!("{day}T12:00:00Z").parse().unwrap(),
            ..Context::default()
        }
    }

    #[test]
    fn the_shipped_list_reproduces_upstreams_nine_entries() {
        let list = allowed_failures(ALLOWED).unwrap();
        assert_eq!(list.entries.len(), 9);
        assert!(list
            .e2e_entry(
                "[sig-network] Feature:SCTPConnectivity should create a Pod with SCTP HostPort"
            )
            .is_some());
    }

    #[test]
    fn allowed_failures_warn_others_fail_expired_ones_fail_again() {
        let allowed = "allowed_failures:\n- {e2e: 'flaky', reason: known}\n\
                       - {e2e: 'old', reason: gone, expires: 2026-01-31}\n";
        let tests = results(&[("a flaky one", "failed"), ("ok", "passed")]);
        let outcome = judge_with(&tests, &on("2026-02-01"), allowed);
        assert_eq!(outcome.verdict, Verdict::Pass);
        assert_eq!(outcome.findings[0].message, "failed, allowed: known");

        let tests = results(&[("an old one", "failed"), ("real", "failed")]);
        assert_eq!(
            judge_with(&tests, &on("2026-01-31"), allowed)
                .findings
                .len(),
            3
        );
        let outcome = judge_with(&tests, &on("2026-02-01"), allowed);
        assert_eq!(outcome.verdict, Verdict::Fail);
        assert!(outcome.findings[0]
            .message
            .contains("expired on 2026-01-31"));
        assert_eq!(outcome.findings[1].object.as_deref(), Some("real"));
    }

    #[test]
    fn nothing_run_a_dry_run_or_an_odd_status_abort() {
        let day = on("2026-02-01");
        for tests in [results(&[("x", "skipped")]), results(&[("x", "unknown")])] {
            assert_eq!(judge(&tests, &day).verdict, Verdict::Abort);
        }
        let mut dry = results(&[("x", "passed")]);
        dry.dry_run = true;
        assert_eq!(judge(&dry, &day).verdict, Verdict::Abort);
        let odd_but_failed = results(&[("x", "unknown"), ("y", "failed")]);
        let outcome = judge(&odd_but_failed, &day);
        assert_eq!(outcome.verdict, Verdict::Fail);
        // The undecided test is still said, without a test name an `e2e:` waiver could match.
        let undecided = outcome
            .findings
            .iter()
            .find(|f| f.message.contains("also undecided"))
            .unwrap();
        assert_eq!(undecided.level, Level::Error);
        assert_eq!(undecided.object, None);
        assert!(undecided.message.contains("`x` ended `unknown`"));
    }

    #[test]
    fn without_the_fact_the_testcases_abort_with_its_reason() {
        for check in [CONFORMANCE, NETWORKING] {
            let testcase = &(check.testcases)()[0];
            let outcome = check.run(testcase, &Context::default(), &Facts::default());
            assert_eq!(outcome.verdict, Verdict::Abort);
        }
    }
}
