//! scs-0214-v2 "Kubernetes Node Distribution and Availability" (testcase
//! `node-distribution-check`), on the nodes' labels.
//!
//! - Every node MUST carry `topology.kubernetes.io/zone` and `topology.kubernetes.io/region`
//!   (v2; v1 only asked for "some kind of labeling"): a node without them fails.
//! - The control plane MUST run on several physical machines: one control-plane node
//!   (label `node-role.kubernetes.io/control-plane`) fails. Several nodes may still share a
//!   machine, and the API does not say which machine a node runs on (scs-0214-w1), so this
//!   part needs the provider's confirmation: when nothing fails, the testcase ABORTs saying
//!   so, never PASSes. Without visible control-plane nodes (a hosted control plane) it is
//!   wholly the provider's to confirm.
//! - Control-plane nodes SHOULD, workers are RECOMMENDED to (the same, in RFC 2119), span
//!   several zones: warnings.
//!
//! Because the text leaves the decisive part to a manual confirmation, our KaaS scope keeps
//! the testcase manual, as upstream does; a scope can have this check decide what it can with
//! `implemented_by: scs-0214-node-distribution`. (v1's "one control plane instance in each
//! failure zone" is not applied: v1 is in no scope.)

use std::collections::BTreeSet;

use super::{Check, Context, Finding, Outcome, Verdict};
use crate::facts::{FactKind, FactUnavailable, Facts, Node};

pub const CHECK: Check = Check {
    name: "scs-0214-node-distribution",
    standard: "scs-0214-v2",
    reads: &[FactKind::Nodes],
    testcases: || vec!["node-distribution-check".to_owned()],
    evaluate,
};

const ZONE: &str = "topology.kubernetes.io/zone";
const REGION: &str = "topology.kubernetes.io/region";
const CONTROL_PLANE: &str = "node-role.kubernetes.io/control-plane";

fn zones<'a>(nodes: &[&'a Node]) -> BTreeSet<&'a str> {
    nodes.iter().filter_map(|n| n.label(ZONE)).collect()
}

fn judge(nodes: &[Node]) -> Outcome {
    let mut findings = Vec::new();
    for node in nodes {
        let missing: Vec<&str> = [ZONE, REGION]
            .into_iter()
            .filter(|key| node.label(key).is_none_or(str::is_empty))
            .collect();
        if !missing.is_empty() {
            findings.push(Finding::error(
                Some(&node.name),
                format!(
                    "node lacks the label {}: label every node with its failure zone and region",
                    missing.join(" and ")
                ),
            ));
        }
    }
    let (control_plane, workers): (Vec<&Node>, Vec<&Node>) = nodes
        .iter()
        .partition(|n| n.labels.contains_key(CONTROL_PLANE));
    if control_plane.len() == 1 {
        findings.push(Finding::error(
            Some(&control_plane[0].name),
            "the control plane runs on a single node, hence a single machine; it must be \
             distributed over several physical machines",
        ));
    }
    for (group, members) in [
        ("control-plane nodes should", &control_plane),
        ("worker nodes are recommended to", &workers),
    ] {
        let spread = zones(members);
        if members.len() > 1 && spread.len() < 2 {
            findings.push(Finding::warning(
                None,
                format!(
                    "{group} span several failure zones; all {} are in {}",
                    members.len(),
                    spread.first().copied().unwrap_or("no labelled zone")
                ),
            ));
        }
    }
    let outcome = Outcome::from_findings(findings);
    if outcome.verdict == Verdict::Fail {
        return outcome;
    }
    let manual = if control_plane.is_empty() {
        "no control-plane node is visible (a hosted control plane?)".to_owned()
    } else {
        format!(
            "the control plane runs on {} nodes in zones {}",
            control_plane.len(),
            zones(&control_plane)
                .into_iter()
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let mut findings = vec![Finding::error(
        None,
        format!(
            "{manual}; whether it runs on several physical machines cannot be read from the \
             Kubernetes API: the provider must confirm it (scs-0214-w1)"
        ),
    )];
    findings.extend(outcome.findings);
    Outcome {
        verdict: Verdict::Abort,
        findings,
    }
}

fn evaluate(_: &str, _: &Context, facts: &Facts) -> Result<Outcome, FactUnavailable> {
    Ok(judge(facts.nodes()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Level;

    fn node(name: &str, control_plane: bool, zone: Option<&str>) -> Node {
        let mut labels: std::collections::BTreeMap<String, String> =
            [("kubernetes.io/hostname".to_owned(), name.to_owned())].into();
        if let Some(zone) = zone {
            labels.insert(ZONE.into(), zone.into());
            labels.insert(REGION.into(), "region-1".into());
        }
        if control_plane {
            labels.insert(CONTROL_PLANE.into(), String::new());
        }
        Node {
            name: name.into(),
            labels,
        }
    }

    #[test]
    fn a_well_spread_cluster_still_needs_the_providers_confirmation() {
        let outcome = judge(&[
            node("cp-1", true, Some("az-1")),
            node("cp-2", true, Some("az-2")),
            node("cp-3", true, Some("az-3")),
            node("w-1", false, Some("az-1")),
            node("w-2", false, Some("az-2")),
        ]);
        assert_eq!(outcome.verdict, Verdict::Abort);
        assert!(outcome.findings[0]
            .message
            .starts_with("the control plane runs on 3 nodes in zones az-1, az-2, az-3;"));
        assert_eq!(outcome.findings.len(), 1);
    }

    #[test]
    fn missing_labels_and_a_single_control_plane_node_fail() {
        let outcome = judge(&[node("cp-1", true, Some("az-1")), node("w-1", false, None)]);
        assert_eq!(outcome.verdict, Verdict::Fail);
        let messages: Vec<&str> = outcome
            .findings
            .iter()
            .map(|f| f.message.as_str())
            .collect();
        assert!(messages[0].contains("lacks the label topology.kubernetes.io/zone and"));
        assert!(messages[1].contains("single node"));
    }

    #[test]
    fn all_nodes_in_one_zone_warns_and_leaves_the_machines_to_confirm() {
        let outcome = judge(&[
            node("cp-1", true, Some("az-1")),
            node("cp-2", true, Some("az-1")),
            node("w-1", false, Some("az-1")),
            node("w-2", false, Some("az-1")),
        ]);
        assert_eq!(outcome.verdict, Verdict::Abort);
        let levels: Vec<Level> = outcome.findings.iter().map(|f| f.level).collect();
        assert_eq!(levels, [Level::Error, Level::Warning, Level::Warning]);
        assert!(outcome.findings[1].message.contains("all 2 are in az-1"));
    }

    #[test]
    fn a_hosted_control_plane_is_for_the_provider_to_confirm() {
        let outcome = judge(&[
            node("w-1", false, Some("az-1")),
            node("w-2", false, Some("az-2")),
        ]);
        assert_eq!(outcome.verdict, Verdict::Abort);
        assert!(outcome.findings[0]
            .message
            .contains("no control-plane node is visible"));
    }
}
