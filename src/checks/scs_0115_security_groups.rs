//! scs-0115-v1 "Default Rules for Security Groups".
//!
//! Testcase `scs-0115-default-rules`, decided on Neutron's default security group rule
//! templates (`/v2.0/default-security-group-rules`, OpenStack 2023.2 and later; the standard
//! applies only to such clouds, and older Neutron makes the testcase ABORT with that reason).
//!
//! MUST: no template allows incoming traffic, except ingress from the group itself
//! (`remote_group_id = PARENT`) used in the `default` group only. SHOULD: the default group
//! allows ingress from itself; every group allows egress for IPv4 and IPv6. Upstream enforces
//! the SHOULDs as MUSTs and does not count an explicit `0.0.0.0/0` / `::/0` egress rule;
//! here SHOULDs are warnings, and an explicit all-addresses prefix counts as "all egress".

use super::{Check, Context, Finding, Outcome};
use crate::facts::{FactKind, FactUnavailable, Facts, SecurityGroupRule};

pub const CHECK: Check = Check {
    name: "scs-0115-default-rules",
    standard: "scs-0115-v1",
    reads: &[FactKind::DefaultSecurityGroupRules],
    testcases,
    evaluate,
};

const TESTCASE: &str = "scs-0115-default-rules";

fn testcases() -> Vec<String> {
    vec![TESTCASE.to_owned()]
}

fn in_default(rule: &SecurityGroupRule) -> bool {
    rule.used_in_default_sg.unwrap_or(false)
}

fn in_custom(rule: &SecurityGroupRule) -> bool {
    rule.used_in_non_default_sg.unwrap_or(false)
}

fn from_own_group(rule: &SecurityGroupRule) -> bool {
    rule.remote_group_id.as_deref() == Some("PARENT")
        && rule.remote_ip_prefix.is_none()
        && rule.remote_address_group_id.is_none()
}

/// Egress to everywhere on every protocol and port.
fn allows_all_egress(rule: &SecurityGroupRule) -> bool {
    let everywhere = match rule.remote_ip_prefix.as_deref() {
        None => true,
        Some(prefix) => matches!(prefix, "0.0.0.0/0" | "::/0"),
    };
    rule.direction == "egress"
        && everywhere
        && rule.remote_group_id.is_none()
        && rule.remote_address_group_id.is_none()
        && rule.protocol.as_deref().is_none_or(|p| p == "any")
        && rule.port_range_min.is_none()
        && rule.port_range_max.is_none()
}

fn describe(rule: &SecurityGroupRule) -> String {
    let remote = rule
        .remote_ip_prefix
        .clone()
        .or_else(|| rule.remote_group_id.as_ref().map(|g| format!("group {g}")))
        .unwrap_or_else(|| "anywhere".into());
    format!(
        "{} {} {} from {remote}",
        rule.ethertype,
        rule.direction,
        rule.protocol.as_deref().unwrap_or("any protocol")
    )
}

fn findings(rules: &[SecurityGroupRule]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in rules.iter().filter(|r| r.direction == "ingress") {
        let allowed = from_own_group(rule) && in_default(rule) && !in_custom(rule);
        if !allowed {
            findings.push(Finding::error(
                Some(&rule.id),
                format!(
                    "default rule {} lets incoming traffic into {}; only ingress from the \
                     group itself (PARENT), in the default group only, is allowed: \
                     `openstack default security group rule delete {}`",
                    describe(rule),
                    match (in_default(rule), in_custom(rule)) {
                        (true, true) => "every group",
                        (false, true) => "custom groups",
                        _ => "default groups",
                    },
                    rule.id
                ),
            ));
        }
    }
    for ethertype in ["IPv4", "IPv6"] {
        let own = rules.iter().any(|r| {
            r.direction == "ingress"
                && r.ethertype == ethertype
                && from_own_group(r)
                && in_default(r)
        });
        if !own {
            findings.push(Finding::warning(
                None,
                format!("the default group should allow {ethertype} ingress from itself (remote group PARENT)"),
            ));
        }
        for (kind, used) in [
            ("default", in_default as fn(&SecurityGroupRule) -> bool),
            ("custom", in_custom),
        ] {
            let egress = rules
                .iter()
                .any(|r| r.ethertype == ethertype && allows_all_egress(r) && used(r));
            if !egress {
                findings.push(Finding::warning(
                    None,
                    format!(
                        "{kind} groups should allow all {ethertype} egress: \
                         `openstack default security group rule create --egress --ethertype {ethertype} \
                         --for-{}`",
                        if kind == "default" { "default-sg" } else { "custom-sg" }
                    ),
                ));
            }
        }
    }
    findings
}

fn evaluate(testcase: &str, _context: &Context, facts: &Facts) -> Result<Outcome, FactUnavailable> {
    if testcase != TESTCASE {
        return Ok(Outcome::abort(format!(
            "{testcase} is not a scs-0115 testcase"
        )));
    }
    Ok(Outcome::from_findings(findings(
        facts.default_security_group_rules()?,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Level, Verdict};
    use crate::facts::Fact;

    fn rule(
        direction: &str,
        ethertype: &str,
        remote: Option<&str>,
        prefix: Option<&str>,
        default: bool,
        custom: bool,
    ) -> SecurityGroupRule {
        SecurityGroupRule {
            id: format!("{direction}-{ethertype}-{default}-{custom}"),
            direction: direction.into(),
            ethertype: ethertype.into(),
            protocol: None,
            port_range_min: None,
            port_range_max: None,
            remote_group_id: remote.map(str::to_owned),
            remote_ip_prefix: prefix.map(str::to_owned),
            remote_address_group_id: None,
            used_in_default_sg: Some(default),
            used_in_non_default_sg: Some(custom),
        }
    }

    /// OpenStack's own defaults, which the standard's example shows.
    fn openstack_defaults() -> Vec<SecurityGroupRule> {
        vec![
            rule("egress", "IPv4", None, None, true, true),
            rule("egress", "IPv6", None, None, true, true),
            rule("ingress", "IPv4", Some("PARENT"), None, true, false),
            rule("ingress", "IPv6", Some("PARENT"), None, true, false),
        ]
    }

    fn outcome(rules: Vec<SecurityGroupRule>) -> Outcome {
        let facts = Facts {
            default_security_group_rules: Some(Fact::Ok(rules)),
            ..Facts::default()
        };
        CHECK.run(TESTCASE, &Context::default(), &facts)
    }

    #[test]
    fn openstack_defaults_pass_without_remarks() {
        let outcome = outcome(openstack_defaults());
        assert_eq!(outcome.verdict, Verdict::Pass);
        assert!(outcome.findings.is_empty(), "{:?}", outcome.findings);
    }

    #[test]
    fn any_other_ingress_fails() {
        let open_ssh = SecurityGroupRule {
            protocol: Some("tcp".into()),
            port_range_min: Some(22),
            port_range_max: Some(22),
            ..rule("ingress", "IPv4", None, Some("0.0.0.0/0"), true, true)
        };
        let parent_in_custom = rule("ingress", "IPv6", Some("PARENT"), None, true, true);
        for bad in [open_ssh, parent_in_custom] {
            let mut rules = openstack_defaults();
            rules.push(bad);
            assert_eq!(outcome(rules).verdict, Verdict::Fail);
        }
    }

    #[test]
    fn missing_egress_is_a_should_and_only_warns_unlike_upstream() {
        let rules: Vec<_> = openstack_defaults()
            .into_iter()
            .filter(|r| !(r.direction == "egress" && r.ethertype == "IPv6"))
            .collect();
        let outcome = outcome(rules);
        assert_eq!(outcome.verdict, Verdict::Pass);
        assert!(outcome.findings.iter().all(|f| f.level == Level::Warning));
        assert_eq!(outcome.findings.len(), 2, "default and custom IPv6 egress");
    }

    #[test]
    fn explicit_all_addresses_egress_counts_unlike_upstream() {
        let mut rules = openstack_defaults();
        rules[0].remote_ip_prefix = Some("0.0.0.0/0".into());
        rules[1].remote_ip_prefix = Some("::/0".into());
        assert!(outcome(rules).findings.is_empty());
    }

    #[test]
    fn restricted_egress_does_not_count_as_all_egress() {
        let mut rules = openstack_defaults();
        rules[0].protocol = Some("tcp".into());
        let outcome = outcome(rules);
        assert_eq!(outcome.verdict, Verdict::Pass);
        assert_eq!(outcome.findings.len(), 2);
    }

    #[test]
    fn older_neutron_without_the_api_aborts_with_the_reason() {
        let facts = Facts {
            default_security_group_rules: Some(Fact::Error(
                "HTTP 404: this Neutron has no default security group rules API".into(),
            )),
            ..Facts::default()
        };
        let outcome = CHECK.run(TESTCASE, &Context::default(), &facts);
        assert_eq!(outcome.verdict, Verdict::Abort);
        assert!(outcome.findings[0]
            .message
            .contains("no default security group rules API"));
    }
}
