//! scs-0211 "SCS KaaS default storage class", v1 (stable) and v2 (draft): the part a reader of
//! the API can decide. Testcase `scs-0211-default-storage-class` (in no upstream scope; upstream
//! has a script without testcase id).
//!
//! - A default storage class must exist: a `StorageClass` annotated
//!   `storageclass.kubernetes.io/is-default-class=true` (v2: MUST; v1 presupposes "the
//!   default StorageClass"). Only the exact value `true` counts, as in Kubernetes; another
//!   spelling of it (`True`) gets a warning saying so.
//! - Several default classes: Kubernetes then uses the newest. The text asks for "a" default
//!   storage class and does not forbid several, so this is a warning here; upstream fails.
//! - The default class must not be backed by storage local to the node (v1 MUST; v2 for
//!   failure-safe volumes): provisioners known to be node-local fail
//!   (`kubernetes.io/no-provisioner`, `rancher.io/local-path`, `openebs.io/local`).
//! - Not decided here: `ReadWriteOnce` support and volumes that outlive a node, which need a
//!   volume to be provisioned (upstream creates a PVC and a pod). The active part
//!   [`crate::probes::cluster::default_storage_class`] does that with `--active`; without it,
//!   an info finding of the run says what stayed untested.

use super::{Check, Context, Finding, Outcome};
use crate::facts::{FactKind, FactUnavailable, Facts, StorageClass};

pub const CHECK: Check = Check {
    name: "scs-0211-default-storage-class",
    standard: "scs-0211-v1",
    reads: &[FactKind::StorageClasses],
    testcases: || vec!["scs-0211-default-storage-class".to_owned()],
    evaluate,
};

const ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";
const NODE_LOCAL: &[&str] = &[
    "kubernetes.io/no-provisioner",
    "rancher.io/local-path",
    "openebs.io/local",
];

fn findings(classes: &[StorageClass]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let defaults: Vec<&StorageClass> = classes
        .iter()
        .filter(|c| c.is_default_class.as_deref() == Some("true"))
        .collect();
    for class in classes {
        match class.is_default_class.as_deref() {
            Some(value) if value != "true" && value.eq_ignore_ascii_case("true") => {
                findings.push(Finding::warning(
                    Some(&class.name),
                    format!(
                        "{ANNOTATION}={value} does not make the class default (Kubernetes \
                         accepts only `true`)"
                    ),
                ))
            }
            _ => {}
        }
    }
    match defaults.as_slice() {
        [] => findings.push(Finding::error(
            None,
            format!(
                "no default storage class among {} classes: annotate one with {ANNOTATION}=true \
                 (`kubectl annotate storageclass NAME {ANNOTATION}=true`)",
                classes.len()
            ),
        )),
        [_] => {}
        several => findings.push(Finding::warning(
            None,
            format!(
                "{} storage classes are default ({}); Kubernetes uses the newest: remove the \
                 annotation from all but one",
                several.len(),
                several
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
    for class in &defaults {
        if NODE_LOCAL.contains(&class.provisioner.as_str()) {
            findings.push(Finding::error(
                Some(&class.name),
                format!(
                    "the default storage class uses {}, whose volumes live on one node; make a \
                     class with network or replicated storage (e.g. Cinder CSI) the default",
                    class.provisioner
                ),
            ));
        }
    }
    findings
}

fn evaluate(_: &str, _: &Context, facts: &Facts) -> Result<Outcome, FactUnavailable> {
    Ok(Outcome::from_findings(findings(facts.storage_classes()?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Level, Verdict};

    fn class(name: &str, provisioner: &str, default: Option<&str>) -> StorageClass {
        StorageClass {
            name: name.into(),
            provisioner: provisioner.into(),
            is_default_class: default.map(str::to_owned),
        }
    }

    fn verdict(classes: &[StorageClass]) -> (Verdict, Vec<Finding>) {
        let outcome = Outcome::from_findings(findings(classes));
        (outcome.verdict, outcome.findings)
    }

    const CINDER: &str = "cinder.csi.openstack.org";

    #[test]
    fn one_default_among_unannotated_classes_passes() {
        let (v, f) = verdict(&[
            class("fast", CINDER, None),
            class("standard", CINDER, Some("true")),
            class("other", CINDER, Some("false")),
        ]);
        assert_eq!(v, Verdict::Pass);
        assert!(f.iter().all(|f| f.level == Level::Info));
    }

    #[test]
    fn no_default_fails_and_a_wrongly_spelled_true_is_explained() {
        let (v, f) = verdict(&[class("standard", CINDER, Some("True"))]);
        assert_eq!(v, Verdict::Fail);
        assert!(f[0].message.starts_with("no default storage class among 1"));
        assert!(f.iter().any(|f| f.message.contains("accepts only `true`")));
        assert_eq!(verdict(&[]).0, Verdict::Fail);
    }

    #[test]
    fn deviation_two_defaults_are_a_warning_not_a_failure() {
        let (v, f) = verdict(&[
            class("a", CINDER, Some("true")),
            class("b", CINDER, Some("true")),
        ]);
        assert_eq!(v, Verdict::Pass);
        assert!(f[0]
            .message
            .starts_with("2 storage classes are default (a, b)"));
    }

    #[test]
    fn a_node_local_default_fails() {
        let (v, f) = verdict(&[class("local", "kubernetes.io/no-provisioner", Some("true"))]);
        assert_eq!(v, Verdict::Fail);
        assert_eq!(f[0].object.as_deref(), Some("local"));
    }
}
