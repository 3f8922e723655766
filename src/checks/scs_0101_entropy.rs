//! scs-0101-v1 "SCS Entropy", the part that reads the API: the two recommendations of text
//! version 1.0 (section "Entropy in SCS clouds") that let Nova give VMs a virtio RNG.
//!
//! - `scs-0101-flavor-property`: every flavor has the extra spec `hw_rng:allowed=True`;
//! - `scs-0101-image-property`: every public (or community) image has the property
//!   `hw_rng_model=virtio`.
//!
//! Version 1.1 of the text no longer recommends the virtio RNG, and the scope lists both
//! testcases in no module, so no version runs them; they are decided for whoever selects them
//! in a scope of their own. (The VM-based testcases of scs-0101 are not read-only and live
//! elsewhere.)
//!
//! Spelling: Nova reads `hw_rng:allowed` as a boolean (oslo's `bool_from_string`: `1`, `t`,
//! `true`, `on`, `y`, `yes` in any case), so every spelling that allows the RNG meets the
//! text's `True`; upstream demanded the exact string `True`. Nova compares `hw_rng_model`
//! with `virtio` exactly, so that value is exact.

use super::{shown, Check, Context, Finding, Outcome};
use crate::facts::{FactKind, FactUnavailable, Facts, Flavor, Image};

pub const CHECK: Check = Check {
    name: "scs-0101-entropy-properties",
    standard: "scs-0101-v1 (text version 1.0)",
    reads: &[FactKind::Flavors, FactKind::Images],
    testcases,
    evaluate,
};

const FLAVOR_TESTCASE: &str = "scs-0101-flavor-property";
const IMAGE_TESTCASE: &str = "scs-0101-image-property";
const FLAVOR_SPEC: &str = "hw_rng:allowed";
const IMAGE_PROPERTY: &str = "hw_rng_model";
/// What Nova's boolean parsing reads as true, lower-cased.
const NOVA_TRUE: &[&str] = &["1", "t", "true", "on", "y", "yes"];

fn testcases() -> Vec<String> {
    vec![FLAVOR_TESTCASE.to_owned(), IMAGE_TESTCASE.to_owned()]
}

fn evaluate(testcase: &str, _context: &Context, facts: &Facts) -> Result<Outcome, FactUnavailable> {
    Ok(match testcase {
        FLAVOR_TESTCASE => flavors_allow_rng(facts.flavors()?),
        IMAGE_TESTCASE => images_ask_for_rng(facts.images()?),
        other => Outcome::abort(format!("{other} is not a scs-0101 read-only testcase")),
    })
}

/// Whether Nova reads `hw_rng:allowed = value` as true (the entropy VM prefers such flavors).
pub(crate) fn allows_rng(value: &str) -> bool {
    NOVA_TRUE.contains(&value.trim().to_lowercase().as_str())
}

fn flavors_allow_rng(flavors: &[Flavor]) -> Outcome {
    let findings = flavors
        .iter()
        .filter_map(|flavor| {
            let value = flavor.extra_specs.get(FLAVOR_SPEC).map(String::as_str);
            (!value.is_some_and(allows_rng)).then(|| {
                Finding::error(
                    Some(&flavor.label()),
                    format!(
                        "extra spec {FLAVOR_SPEC} is {}, must be True; set it: \
                         openstack flavor set --property {FLAVOR_SPEC}=True {}",
                        shown(value),
                        flavor.id
                    ),
                )
            })
        })
        .collect();
    Outcome::from_findings(findings)
}

fn images_ask_for_rng(images: &[Image]) -> Outcome {
    let findings = images
        .iter()
        .filter(|image| image.is_public())
        .filter_map(|image| {
            let value = image.property(IMAGE_PROPERTY);
            (value != Some("virtio")).then(|| {
                Finding::error(
                    Some(&image.label()),
                    format!(
                        "property {IMAGE_PROPERTY} is {}, must be virtio; set it: \
                         openstack image set --property {IMAGE_PROPERTY}=virtio {}",
                        shown(value),
                        image.id
                    ),
                )
            })
        })
        .collect();
    Outcome::from_findings(findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Verdict;
    use crate::facts::Fact;

    fn flavor(name: &str, rng: Option<&str>) -> Flavor {
        Flavor {
            id: format!("id-{name}"),
            name: name.into(),
            vcpus: 1,
            ram: 1024,
            disk: 0,
            extra_specs: rng
                .map(|v| (FLAVOR_SPEC.to_owned(), v.to_owned()))
                .into_iter()
                .collect(),
        }
    }

    fn image(name: &str, visibility: &str, rng: Option<&str>) -> Image {
        Image {
            id: format!("id-{name}"),
            name: name.into(),
            visibility: visibility.into(),
            status: "active".into(),
            os_hidden: false,
            size: None,
            min_disk: 0,
            min_ram: 0,
            os_hash_algo: None,
            disk_format: None,
            created_at: None,
            updated_at: None,
            properties: rng
                .map(|v| (IMAGE_PROPERTY.to_owned(), v.to_owned()))
                .into_iter()
                .collect(),
        }
    }

    fn run(testcase: &str, flavors: Vec<Flavor>, images: Vec<Image>) -> Outcome {
        let facts = Facts {
            flavors: Some(Fact::Ok(flavors)),
            images: Some(Fact::Ok(images)),
            ..Facts::default()
        };
        CHECK.run(testcase, &Context::default(), &facts)
    }

    #[test]
    fn flavor_spec_accepts_what_nova_reads_as_true_unlike_upstream() {
        for (value, verdict) in [
            (Some("True"), Verdict::Pass),
            // Upstream's exact comparison with "True" fails these; Nova allows the RNG.
            (Some("true"), Verdict::Pass),
            (Some("TRUE"), Verdict::Pass),
            (Some("yes"), Verdict::Pass),
            (Some("1"), Verdict::Pass),
            (Some("False"), Verdict::Fail),
            (Some("virtio"), Verdict::Fail),
            (None, Verdict::Fail),
        ] {
            let outcome = run(FLAVOR_TESTCASE, vec![flavor("f", value)], vec![]);
            assert_eq!(outcome.verdict, verdict, "{value:?}");
        }
    }

    #[test]
    fn every_flavor_is_named_with_the_command_that_fixes_it() {
        let outcome = run(
            FLAVOR_TESTCASE,
            vec![
                flavor("a", Some("True")),
                flavor("b", None),
                flavor("c", Some("no")),
            ],
            vec![],
        );
        assert_eq!(outcome.verdict, Verdict::Fail);
        let objects: Vec<_> = outcome.findings.iter().map(|f| f.object.clone()).collect();
        assert_eq!(
            objects,
            [Some("b (id-b)".to_owned()), Some("c (id-c)".to_owned())]
        );
        assert!(outcome.findings[0].message.contains("is missing"));
        assert!(outcome.findings[1].message.contains(
            "is `no`, must be True; set it: openstack flavor set --property hw_rng:allowed=True id-c"
        ));
    }

    #[test]
    fn image_property_is_exactly_virtio_on_public_and_community_images() {
        for (visibility, value, verdict) in [
            ("public", Some("virtio"), Verdict::Pass),
            ("community", Some("virtio"), Verdict::Pass),
            ("public", Some("Virtio"), Verdict::Fail),
            ("community", None, Verdict::Fail),
            // Images the provider does not offer to everyone are not judged.
            ("private", None, Verdict::Pass),
            ("shared", None, Verdict::Pass),
        ] {
            let outcome = run(IMAGE_TESTCASE, vec![], vec![image("i", visibility, value)]);
            assert_eq!(outcome.verdict, verdict, "{visibility} {value:?}");
        }
        let outcome = run(IMAGE_TESTCASE, vec![], vec![image("i", "public", None)]);
        assert!(outcome.findings[0]
            .message
            .contains("openstack image set --property hw_rng_model=virtio id-i"));
    }

    #[test]
    fn unreadable_facts_abort_with_the_reason() {
        let facts = Facts {
            images: Some(Fact::Error("HTTP 500 from image".into())),
            ..Facts::default()
        };
        let outcome = CHECK.run(IMAGE_TESTCASE, &Context::default(), &facts);
        assert_eq!(outcome.verdict, Verdict::Abort);
        assert!(outcome.findings[0].message.contains("HTTP 500 from image"));
        assert_eq!(
            CHECK
                .run(FLAVOR_TESTCASE, &Context::default(), &facts)
                .verdict,
            Verdict::Abort
        );
    }
}
