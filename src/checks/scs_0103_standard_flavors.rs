//! scs-0103-v1 "SCS Standard Flavors and Properties" (text version 1.2), which also carries
//! the flavors of scs-0110 (SSD flavors).
//!
//! Testcases `scs-0103-flavor-<name>` (15 mandatory, 16 recommended; the list is data in
//! `standards/scs-0103-v1-flavors.yaml`). A standard flavor is found by its extra spec
//! `scs:name-v2`, else by its name; its vCPUs, RAM and disk must match precisely, and the
//! extra specs `scs:name-v1`, `scs:name-v2`, `scs:cpu-type` and `scs:disk0-type` must be set
//! as section "Guarantees and properties" says.
//!
//! Where we follow the text rather than upstream's script: a flavor with a disk of type
//! "(any)" may name any recognised disk type in `scs:disk0-type` (upstream demands
//! `network`), and a flavor without a disk must not set `scs:disk0-type` ("not set if no
//! disk is provided"; upstream does not look).

use std::sync::OnceLock;

use serde::Deserialize;

use super::{Check, Context, Finding, Outcome};
use crate::facts::{FactKind, FactUnavailable, Facts, Flavor};
use crate::flavor_name::DiskType;

pub const CHECK: Check = Check {
    name: "scs-0103-standard-flavors",
    standard: "scs-0103-v1",
    reads: &[FactKind::Flavors],
    testcases,
    evaluate,
};

const DATA: &str = include_str!("../../standards/scs-0103-v1-flavors.yaml");
const TESTCASE_PREFIX: &str = "scs-0103-flavor-";

#[derive(Debug, Deserialize)]
struct Data {
    flavors: Vec<StandardFlavor>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Requirement {
    Mandatory,
    Recommended,
}

impl Requirement {
    fn as_str(self) -> &'static str {
        match self {
            Self::Mandatory => "mandatory",
            Self::Recommended => "recommended",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum DiskRule {
    Ssd,
    Any,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StandardFlavor {
    pub name: String,
    cpus: u64,
    cpu_type: String,
    ram: u64,
    disk: Option<u64>,
    disk_type: Option<DiskRule>,
    pub status: Requirement,
}

impl StandardFlavor {
    pub fn testcase(&self) -> String {
        let short = self.name.strip_prefix("SCS-").unwrap_or(&self.name);
        format!("{TESTCASE_PREFIX}{}", short.to_lowercase())
    }

    /// "the recommended name, but with each dash AFTER the first one replaced by a colon".
    fn name_v1(&self) -> String {
        match self.name.split_once('-') {
            Some((head, rest)) => format!("{head}-{}", rest.replace('-', ":")),
            None => self.name.clone(),
        }
    }

    fn create_command(&self) -> String {
        let mut command = format!(
            "openstack flavor create --vcpus {} --ram {} --disk {} \
             --property scs:cpu-type={} --property scs:name-v1={} --property scs:name-v2={}",
            self.cpus,
            self.ram * 1024,
            self.disk.unwrap_or(0),
            self.cpu_type,
            self.name_v1(),
            self.name
        );
        match self.disk_type {
            Some(DiskRule::Ssd) => command.push_str(" --property scs:disk0-type=ssd"),
            Some(DiskRule::Any) => {
                command.push_str(" --property scs:disk0-type=<network|hdd|ssd|nvme>")
            }
            None => {}
        }
        command.push(' ');
        command.push_str(&self.name);
        command
    }

    /// Everything about `flavor` that differs from this standard flavor.
    fn mismatches(&self, flavor: &Flavor) -> Vec<String> {
        let mut wrong = Vec::new();
        let mut expect = |what: &str, actual: String, wanted: String| {
            if actual != wanted {
                wrong.push(format!("{what} is {actual}, must be {wanted}"));
            }
        };
        expect("vcpus", flavor.vcpus.to_string(), self.cpus.to_string());
        expect(
            "ram",
            format!("{} MiB", flavor.ram),
            format!("{} MiB", self.ram * 1024),
        );
        expect(
            "disk",
            format!("{} GB", flavor.disk),
            format!("{} GB", self.disk.unwrap_or(0)),
        );
        let spec = |key: &str| flavor.extra_specs.get(key).map(String::as_str);
        let mut expect_spec = |key: &str, wanted: &str| match spec(key) {
            Some(actual) if actual == wanted => {}
            Some(actual) => wrong.push(format!(
                "extra spec {key} is `{actual}`, must be `{wanted}`"
            )),
            None => wrong.push(format!("extra spec {key} is missing, must be `{wanted}`")),
        };
        expect_spec("scs:cpu-type", &self.cpu_type);
        expect_spec("scs:name-v1", &self.name_v1());
        expect_spec("scs:name-v2", &self.name);
        match (&self.disk_type, spec("scs:disk0-type")) {
            (Some(DiskRule::Ssd), _) => expect_spec("scs:disk0-type", "ssd"),
            (Some(DiskRule::Any), Some(t)) if DiskType::from_extra_spec_value(t).is_some() => {}
            (Some(DiskRule::Any), Some(t)) => wrong.push(format!(
                "extra spec scs:disk0-type is `{t}`, must be one of {}",
                disk_types()
            )),
            (Some(DiskRule::Any), None) => wrong.push(format!(
                "extra spec scs:disk0-type is missing, must be one of {}",
                disk_types()
            )),
            (None, Some(t)) => wrong.push(format!(
                "extra spec scs:disk0-type is `{t}`, but the flavor has no root disk: remove it"
            )),
            (None, None) => {}
        }
        wrong
    }
}

/// The values of `scs:diskN-type` scs-0103 defines, for messages.
fn disk_types() -> String {
    DiskType::ALL
        .iter()
        .map(|t| t.extra_spec_value())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn standard_flavors() -> &'static [StandardFlavor] {
    static FLAVORS: OnceLock<Vec<StandardFlavor>> = OnceLock::new();
    FLAVORS.get_or_init(|| {
        let data: Data = serde_saphyr::from_str(DATA)
            .expect("standards/scs-0103-v1-flavors.yaml is valid (tested)");
        data.flavors
    })
}

fn testcases() -> Vec<String> {
    standard_flavors()
        .iter()
        .map(StandardFlavor::testcase)
        .collect()
}

/// Flavors that claim to be `name`: by `scs:name-v2` first, then by their own name.
fn candidates<'a>(flavors: &'a [Flavor], name: &str) -> Vec<&'a Flavor> {
    let by_spec = flavors
        .iter()
        .filter(|f| f.extra_specs.get("scs:name-v2").is_some_and(|n| n == name));
    let by_name = flavors.iter().filter(|f| f.name == name);
    let mut found: Vec<&Flavor> = Vec::new();
    for flavor in by_spec.chain(by_name) {
        if !found.iter().any(|f| f.id == flavor.id) {
            found.push(flavor);
        }
    }
    found
}

fn evaluate(testcase: &str, _context: &Context, facts: &Facts) -> Result<Outcome, FactUnavailable> {
    let Some(standard) = standard_flavors().iter().find(|s| s.testcase() == testcase) else {
        return Ok(Outcome::abort(format!(
            "{testcase} is not a scs-0103 testcase"
        )));
    };
    let flavors = facts.flavors()?;
    let candidates = candidates(flavors, &standard.name);
    if candidates.is_empty() {
        return Ok(Outcome::from_findings(vec![Finding::error(
            Some(&standard.name),
            format!(
                "no flavor is named {name} or has extra spec scs:name-v2={name} ({status} in \
                 scs-0103); create it: {command}",
                name = standard.name,
                status = standard.status.as_str(),
                command = standard.create_command(),
            ),
        )]));
    }
    let checked: Vec<(&Flavor, Vec<String>)> = candidates
        .into_iter()
        .map(|f| (f, standard.mismatches(f)))
        .collect();
    let compliant = checked.iter().any(|(_, wrong)| wrong.is_empty());
    let findings = checked
        .iter()
        .filter(|(_, wrong)| !wrong.is_empty())
        .map(|(flavor, wrong)| {
            let object = flavor.label();
            let message = format!(
                "claims to be {} but {}; fix it with `openstack flavor set` / `unset`",
                standard.name,
                wrong.join("; ")
            );
            if compliant {
                Finding::warning(Some(&object), message)
            } else {
                Finding::error(Some(&object), message)
            }
        })
        .collect();
    Ok(Outcome::from_findings(findings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Verdict;
    use crate::facts::Fact;

    fn flavor(name: &str, vcpus: u64, ram: u64, disk: u64, specs: &[(&str, &str)]) -> Flavor {
        Flavor::for_test(name, vcpus, ram, disk, specs)
    }

    fn facts(flavors: Vec<Flavor>) -> Facts {
        Facts {
            flavors: Some(Fact::Ok(flavors)),
            ..Facts::default()
        }
    }

    fn good_2v_4_20s() -> Flavor {
        flavor(
            "SCS-2V-4-20s",
            2,
            4096,
            20,
            &[
                ("scs:cpu-type", "shared-core"),
                ("scs:name-v1", "SCS-2V:4:20s"),
                ("scs:name-v2", "SCS-2V-4-20s"),
                ("scs:disk0-type", "ssd"),
            ],
        )
    }

    #[test]
    fn data_has_15_mandatory_and_16_recommended_flavors() {
        let all = standard_flavors();
        let mandatory = all
            .iter()
            .filter(|f| f.status == Requirement::Mandatory)
            .count();
        assert_eq!((mandatory, all.len() - mandatory), (15, 16));
        assert!(testcases().contains(&"scs-0103-flavor-2v-4-20s".to_string()));
        assert!(testcases().contains(&"scs-0103-flavor-1l-1".to_string()));
    }

    #[test]
    fn v1_name_replaces_dashes_after_the_first() {
        let f = standard_flavors()
            .iter()
            .find(|f| f.name == "SCS-2V-4-20s")
            .unwrap();
        assert_eq!(f.name_v1(), "SCS-2V:4:20s");
    }

    #[test]
    fn compliant_flavor_passes() {
        let outcome = CHECK.run(
            "scs-0103-flavor-2v-4-20s",
            &Context::default(),
            &facts(vec![good_2v_4_20s()]),
        );
        assert_eq!(outcome.verdict, Verdict::Pass, "{:?}", outcome.findings);
    }

    #[test]
    fn missing_flavor_fails_and_says_how_to_create_it() {
        let outcome = CHECK.run(
            "scs-0103-flavor-1v-4",
            &Context::default(),
            &facts(vec![good_2v_4_20s()]),
        );
        assert_eq!(outcome.verdict, Verdict::Fail);
        assert!(outcome.findings[0]
            .message
            .contains("openstack flavor create --vcpus 1 --ram 4096"));
    }

    #[test]
    fn found_by_name_v2_spec_under_another_name() {
        let mut f = good_2v_4_20s();
        f.name = "m1.small-ssd".into();
        let outcome = CHECK.run(
            "scs-0103-flavor-2v-4-20s",
            &Context::default(),
            &facts(vec![f]),
        );
        assert_eq!(outcome.verdict, Verdict::Pass);
    }

    #[test]
    fn figures_must_match_precisely() {
        let mut more_ram = good_2v_4_20s();
        more_ram.ram = 8192;
        let outcome = CHECK.run(
            "scs-0103-flavor-2v-4-20s",
            &Context::default(),
            &facts(vec![more_ram]),
        );
        assert_eq!(outcome.verdict, Verdict::Fail);
        assert!(outcome.findings[0]
            .message
            .contains("ram is 8192 MiB, must be 4096 MiB"));
    }

    #[test]
    fn ssd_flavor_needs_ssd_disk_type() {
        let mut f = good_2v_4_20s();
        f.extra_specs
            .insert("scs:disk0-type".into(), "network".into());
        let outcome = CHECK.run(
            "scs-0103-flavor-2v-4-20s",
            &Context::default(),
            &facts(vec![f]),
        );
        assert_eq!(outcome.verdict, Verdict::Fail);
    }

    #[test]
    fn any_disk_type_accepts_every_recognised_type_unlike_upstream() {
        let specs = |t: &'static str| {
            vec![
                ("scs:cpu-type", "shared-core"),
                ("scs:name-v1", "SCS-1V:4:10"),
                ("scs:name-v2", "SCS-1V-4-10"),
                ("scs:disk0-type", t),
            ]
        };
        for (disk_type, verdict) in [
            ("network", Verdict::Pass),
            ("hdd", Verdict::Pass),
            ("nvme", Verdict::Pass),
            ("floppy", Verdict::Fail),
        ] {
            let f = flavor("SCS-1V-4-10", 1, 4096, 10, &specs(disk_type));
            let outcome = CHECK.run(
                "scs-0103-flavor-1v-4-10",
                &Context::default(),
                &facts(vec![f]),
            );
            assert_eq!(outcome.verdict, verdict, "disk type {disk_type}");
        }
        let without = flavor("SCS-1V-4-10", 1, 4096, 10, &specs("x")[..3]);
        assert_eq!(
            CHECK
                .run(
                    "scs-0103-flavor-1v-4-10",
                    &Context::default(),
                    &facts(vec![without])
                )
                .verdict,
            Verdict::Fail
        );
    }

    #[test]
    fn diskless_flavor_must_not_set_disk_type() {
        let specs = [
            ("scs:cpu-type", "shared-core"),
            ("scs:name-v1", "SCS-1V:4"),
            ("scs:name-v2", "SCS-1V-4"),
        ];
        let ok = flavor("SCS-1V-4", 1, 4096, 0, &specs);
        assert_eq!(
            CHECK
                .run(
                    "scs-0103-flavor-1v-4",
                    &Context::default(),
                    &facts(vec![ok])
                )
                .verdict,
            Verdict::Pass
        );
        let mut with_type = specs.to_vec();
        with_type.push(("scs:disk0-type", "network"));
        let bad = flavor("SCS-1V-4", 1, 4096, 0, &with_type);
        assert_eq!(
            CHECK
                .run(
                    "scs-0103-flavor-1v-4",
                    &Context::default(),
                    &facts(vec![bad])
                )
                .verdict,
            Verdict::Fail
        );
    }

    #[test]
    fn one_compliant_candidate_is_enough_others_warn() {
        let mut wrong = good_2v_4_20s();
        wrong.id = "other".into();
        wrong.vcpus = 1;
        let outcome = CHECK.run(
            "scs-0103-flavor-2v-4-20s",
            &Context::default(),
            &facts(vec![wrong, good_2v_4_20s()]),
        );
        assert_eq!(outcome.verdict, Verdict::Pass);
        assert_eq!(outcome.findings.len(), 1);
        assert_eq!(outcome.findings[0].level, crate::checks::Level::Warning);
    }

    #[test]
    fn unreadable_flavors_abort_with_the_reason() {
        let facts = Facts {
            flavors: Some(Fact::Error("HTTP 503 from compute".into())),
            ..Facts::default()
        };
        let outcome = CHECK.run("scs-0103-flavor-1v-4", &Context::default(), &facts);
        assert_eq!(outcome.verdict, Verdict::Abort);
        assert!(outcome.findings[0]
            .message
            .contains("HTTP 503 from compute"));
    }
}
