//! scs-0100-v3 "SCS Flavor Naming Standard" (text version 3.3, "Naming policy compliance"),
//! with the name-related extra specs of scs-0103-v1 (text 1.2, "Properties") and the testing
//! notes of scs-0100-w1.
//!
//! - `scs-0100-syntax-check`: every flavor whose name starts with `SCS-` has a name that v3
//!   accepts (v2 names are v3 names, except GPU unit counts without a generation). A v1 name
//!   is "merely tolerated" (v3 text, "Previous standard versions"): a warning, not a failure.
//! - `scs-0100-semantics-check`: every name a flavor claims, by its own name (when it starts
//!   with `SCS-` and parses) or by an extra spec `scs:name-vN` (on any flavor), promises no
//!   more than the flavor provides: at least the named vCPUs, RAM (GiB × 1024 MiB, exactly)
//!   and root disk; a vCPU type no stronger than `scs:cpu-type` says and disk types no better
//!   than `scs:diskN-type` say, where those are set. Every `scs:name-vN` must be a valid
//!   name under some version ("a valid name for this flavor according to any major version").
//!
//! Names may understate (the text's `SCS-1C-1.5-8s` may be called `SCS-1T-1-5n`), so the
//! vCPU types are ordered L < V < T < C and the disk types n < h < s < p.
//!
//! Where we follow the text rather than upstream's script: the RAM is compared exactly
//! (upstream rounds to 0.1 GiB and accepts up to 51 MiB less); a name with a disk but no size
//! (`SCS-2V-4-n`) promises no size and is decided (upstream crashes and ABORTs); the extra
//! specs are compared (upstream ignores them); and the grammar differences listed in
//! `flavor_name` (e.g. `chy` and video memory only since v3).

use super::{Check, Context, Finding, Outcome};
use crate::facts::{FactKind, FactUnavailable, Facts, Flavor};
use crate::flavor_name::{self, CpuType, DiskType, FlavorName, Version};

pub const CHECK: Check = Check {
    name: "scs-0100-flavor-naming",
    standard: "scs-0100-v3",
    reads: &[FactKind::Flavors],
    testcases,
    evaluate,
};

const SYNTAX: &str = "scs-0100-syntax-check";
const SEMANTICS: &str = "scs-0100-semantics-check";
const PREFIX: &str = "SCS-";

fn testcases() -> Vec<String> {
    vec![SYNTAX.to_owned(), SEMANTICS.to_owned()]
}

fn evaluate(testcase: &str, _context: &Context, facts: &Facts) -> Result<Outcome, FactUnavailable> {
    let flavors = facts.flavors()?;
    Ok(match testcase {
        SYNTAX => syntax(flavors),
        SEMANTICS => semantics(flavors),
        other => Outcome::abort(format!("{other} is not a scs-0100 testcase")),
    })
}

/// A flavor's own name as the check reads it: v3, else a tolerated v1 name.
fn own_name(flavor: &Flavor) -> Option<FlavorName> {
    flavor_name::parse(&flavor.name, Version::V3)
        .or_else(|_| flavor_name::parse(&flavor.name, Version::V1))
        .ok()
}

const RENAME: &str = "Nova cannot rename a flavor: create it under a valid name \
    (`scs-check flavor-name NAME` explains names) and delete this one, or give it a name \
    that does not start with SCS-";

fn syntax(flavors: &[Flavor]) -> Outcome {
    let named: Vec<&Flavor> = flavors
        .iter()
        .filter(|f| f.name.starts_with(PREFIX))
        .collect();
    let mut findings: Vec<Finding> = named.iter().flat_map(|f| syntax_findings(f)).collect();
    if named.is_empty() {
        findings.push(Finding::info(None, "no flavor name starts with SCS-"));
    }
    Outcome::from_findings(findings)
}

fn syntax_findings(flavor: &Flavor) -> Vec<Finding> {
    match flavor_name::parse(&flavor.name, Version::V3) {
        Ok(name) => spelling_notes(flavor, &name),
        Err(_) => vec![rejection(flavor)],
    }
}

/// A tolerated v1 name (warning) or an invalid one (error).
fn rejection(flavor: &Flavor) -> Finding {
    let object = flavor.label();
    if let Ok(v1) = flavor_name::parse(&flavor.name, Version::V1) {
        let respelled = v1.canonical().to_string();
        // v1 had GPU unit counts without a generation; v3 has no such names.
        let v3_name = match flavor_name::parse(&respelled, Version::V3) {
            Ok(_) => format!("its v3 name is {respelled}"),
            Err(error) => format!("its v3 spelling {respelled} is no v3 name either ({error})"),
        };
        return Finding::warning(
            Some(&object),
            format!("a v1 name, merely tolerated by scs-0100-v3; {v3_name}. {RENAME}"),
        );
    }
    let (version, error) =
        flavor_name::explain_rejection(&flavor.name).expect("v3 rejects the name");
    let reading = match version {
        Version::V3 => String::new(),
        other => format!(" (read as a {other} name)"),
    };
    Finding::error(
        Some(&object),
        format!("not a valid SCS flavor name{reading}: {error}. {RENAME}"),
    )
}

/// What the standard advises against in a valid name; never a failure.
fn spelling_notes(flavor: &Flavor, name: &FlavorName) -> Vec<Finding> {
    let object = flavor.label();
    let mut findings = Vec::new();
    if name.ram.half_gib >= 20 && name.ram.half_gib % 2 == 1 {
        findings.push(Finding::warning(
            Some(&object),
            format!(
                "{} GiB RAM: half GiBs should not be used for 10 GiB and more (scs-0100-v3, \
                 Memory)",
                name.ram.gib_text()
            ),
        ));
    }
    let canonical = name.canonical().to_string();
    if canonical != flavor.name {
        findings.push(Finding::info(
            Some(&object),
            format!(
                "written the long way: the standard's tools write it {canonical} (no disk count \
                 of 1, no CPU generation 0)"
            ),
        ));
    }
    findings
}

/// Where a flavor claims a name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Claimant {
    OwnName,
    ExtraSpec(String),
}

impl Claimant {
    fn describe(&self) -> String {
        match self {
            Self::OwnName => "its name".to_owned(),
            Self::ExtraSpec(key) => key.clone(),
        }
    }
}

/// `scs:name-vN` with N a positive integer (scs-0103).
fn is_name_variant_key(key: &str) -> bool {
    key.strip_prefix("scs:name-v")
        .and_then(|n| n.parse::<u32>().ok())
        .is_some_and(|n| n > 0)
}

fn semantics(flavors: &[Flavor]) -> Outcome {
    let mut findings = Vec::new();
    let mut claims = 0;
    for flavor in flavors {
        let (claimed, invalid) = claims_of(flavor);
        claims += claimed.len() + invalid.len();
        findings.extend(invalid);
        if !claimed.is_empty() {
            findings.extend(broken_promises(flavor, &claimed));
        }
    }
    if claims == 0 {
        findings.push(Finding::info(
            None,
            "no flavor claims an SCS name (by a name starting with SCS- or scs:name-vN)",
        ));
    }
    Outcome::from_findings(findings)
}

/// The names `flavor` claims, and an error for each `scs:name-vN` that is not a name.
/// An own name that does not parse is the syntax check's business.
fn claims_of(flavor: &Flavor) -> (Vec<(Claimant, FlavorName)>, Vec<Finding>) {
    let mut claimed = Vec::new();
    let mut invalid = Vec::new();
    if flavor.name.starts_with(PREFIX) {
        if let Some(name) = own_name(flavor) {
            claimed.push((Claimant::OwnName, name));
        }
    }
    for (key, value) in &flavor.extra_specs {
        if !is_name_variant_key(key) {
            continue;
        }
        let newest_reading = Version::ALL
            .into_iter()
            .rev()
            .find_map(|v| flavor_name::parse(value, v).ok());
        match newest_reading {
            Some(name) => claimed.push((Claimant::ExtraSpec(key.clone()), name)),
            None => invalid.push(Finding::error(
                Some(&flavor.label()),
                format!(
                    "extra spec {key}=`{value}` is not an SCS flavor name under any version of \
                     scs-0100 ({}); correct it (`openstack flavor set --property \
                     {key}=<valid name> {flavor}`) or remove it (`openstack flavor unset \
                     --property {key} {flavor}`)",
                    flavor_name::explain_rejection(value)
                        .expect("no version accepts it")
                        .1,
                    flavor = flavor.name,
                ),
            )),
        }
    }
    (claimed, invalid)
}

/// One way a flavor falls short of a name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shortfall {
    promise: String,
    /// The extra spec (key and value) that would keep the promise, if what the flavor
    /// provides is better than what the extra spec says.
    declaration: Option<(String, &'static str)>,
}

/// Every shortfall of `flavor` against the names it claims: one finding per shortfall,
/// naming every claim that makes the same promise.
fn broken_promises(flavor: &Flavor, claimed: &[(Claimant, FlavorName)]) -> Vec<Finding> {
    let object = flavor.label();
    let mut findings: Vec<Finding> = unknown_spec_values(flavor)
        .into_iter()
        .map(|message| Finding::error(Some(&object), message))
        .collect();
    // In the order of the claims: the flavor's own name first.
    let mut by_shortfall: Vec<(Shortfall, Vec<&(Claimant, FlavorName)>)> = Vec::new();
    for claim in claimed {
        for shortfall in shortfalls(flavor, &claim.1) {
            match by_shortfall.iter_mut().find(|(s, _)| *s == shortfall) {
                Some((_, claims)) => claims.push(claim),
                None => by_shortfall.push((shortfall, vec![claim])),
            }
        }
    }
    for (shortfall, claims) in by_shortfall {
        let who: Vec<String> = claims.iter().map(|(c, _)| c.describe()).collect();
        findings.push(Finding::error(
            Some(&object),
            format!(
                "{} promise{} {}; {}",
                who.join(" and "),
                if who.len() == 1 { "s" } else { "" },
                shortfall.promise,
                fix(flavor, &shortfall, &claims)
            ),
        ));
    }
    findings
}

/// How to put a shortfall right: declare what the flavor does provide, or stop claiming
/// the names (for its own name: replace the flavor, as Nova cannot change it).
fn fix(flavor: &Flavor, shortfall: &Shortfall, claims: &[&(Claimant, FlavorName)]) -> String {
    let own_name = claims
        .iter()
        .find_map(|(c, name)| (*c == Claimant::OwnName).then_some(name));
    let stop_claiming = match own_name {
        Some(name) => format!(
            "Nova cannot change a flavor's figures or name: create a flavor that keeps the \
             promise (`scs-check flavor-name {}` shows the command) and delete this one",
            name.canonical()
        ),
        None => {
            let keys: Vec<&str> = claims
                .iter()
                .filter_map(|(c, _)| match c {
                    Claimant::ExtraSpec(key) => Some(key.as_str()),
                    Claimant::OwnName => None,
                })
                .collect();
            let sets: Vec<String> = keys
                .iter()
                .map(|k| format!("--property {k}=<name>"))
                .collect();
            let unsets: Vec<String> = keys.iter().map(|k| format!("--property {k}")).collect();
            format!(
                "claim only names the flavor lives up to (`openstack flavor set {} {flavor}`) \
                 or none (`openstack flavor unset {} {flavor}`)",
                sets.join(" "),
                unsets.join(" "),
                flavor = flavor.name
            )
        }
    };
    match &shortfall.declaration {
        None => stop_claiming,
        Some((key, value)) => format!(
            "if the flavor does provide that, say so (`openstack flavor set --property \
             {key}={value} {}`); if not, it is overstated: {stop_claiming}",
            flavor.name
        ),
    }
}

/// Values of `scs:cpu-type` and `scs:diskN-type` that scs-0103 does not define: no name can
/// be compared with them.
fn unknown_spec_values(flavor: &Flavor) -> Vec<String> {
    let cpu_types = || CpuType::ALL.iter().map(|t| t.extra_spec_value());
    let disk_types = || DiskType::ALL.iter().map(|t| t.extra_spec_value());
    flavor
        .extra_specs
        .iter()
        .filter_map(|(key, value)| {
            let known: Vec<&str> = if key == "scs:cpu-type" {
                cpu_types().collect()
            } else if disk_index(key).is_some() {
                disk_types().collect()
            } else {
                return None;
            };
            (!known.contains(&value.as_str())).then(|| {
                format!(
                    "extra spec {key}=`{value}` is none of {}; set what is true: `openstack \
                     flavor set --property {key}=<{}> {}`",
                    known.join(", "),
                    known.join("|"),
                    flavor.name
                )
            })
        })
        .collect()
}

/// N of `scs:diskN-type`.
fn disk_index(key: &str) -> Option<u32> {
    key.strip_prefix("scs:disk")?
        .strip_suffix("-type")?
        .parse()
        .ok()
}

fn shortfalls(flavor: &Flavor, name: &FlavorName) -> Vec<Shortfall> {
    let spec = name.spec();
    let mut found = Vec::new();
    let mut short = |promise: String, declaration: Option<(String, &'static str)>| {
        found.push(Shortfall {
            promise,
            declaration,
        })
    };
    if flavor.vcpus < u64::from(spec.vcpus) {
        short(
            format!("{} vCPUs, the flavor has {}", spec.vcpus, flavor.vcpus),
            None,
        );
    }
    if flavor.ram < spec.ram_mib {
        short(
            format!(
                "{} GiB RAM ({} MiB), the flavor has {} MiB",
                name.ram.gib_text(),
                spec.ram_mib,
                flavor.ram
            ),
            None,
        );
    }
    if let Some(gb) = spec.disk_gb.filter(|&gb| flavor.disk < u64::from(gb)) {
        short(
            format!("a root disk of {gb} GB, the flavor has {} GB", flavor.disk),
            None,
        );
    }
    let key = "scs:cpu-type";
    if let Some(declared) = declared(flavor, key, CpuType::from_extra_spec_value) {
        if declared < spec.cpu_type {
            let promised = spec.cpu_type.extra_spec_value();
            short(
                format!(
                    "vCPUs of type {} ({promised}), but {key} says {}",
                    spec.cpu_type.code(),
                    declared.extra_spec_value()
                ),
                Some((key.to_owned(), promised)),
            );
        }
    }
    if let Some(promised) = spec.disk_type {
        for n in 0..spec.disks {
            let key = format!("scs:disk{n}-type");
            let Some(declared) = declared(flavor, &key, DiskType::from_extra_spec_value) else {
                continue;
            };
            if declared < promised {
                short(
                    format!(
                        "disk {n} of type {} ({}), but {key} says {}",
                        promised.code(),
                        promised.extra_spec_value(),
                        declared.extra_spec_value()
                    ),
                    Some((key, promised.extra_spec_value())),
                );
            }
        }
    }
    found
}

/// A recognised value of the extra spec `key`; unknown values are reported on their own.
fn declared<T>(flavor: &Flavor, key: &str, from: fn(&str) -> Option<T>) -> Option<T> {
    flavor.extra_specs.get(key).and_then(|v| from(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Level, Verdict};
    use crate::facts::Fact;

    fn flavor(name: &str, vcpus: u64, ram: u64, disk: u64, specs: &[(&str, &str)]) -> Flavor {
        Flavor::for_test(name, vcpus, ram, disk, specs)
    }

    fn run(testcase: &str, flavors: Vec<Flavor>) -> Outcome {
        let facts = Facts {
            flavors: Some(Fact::Ok(flavors)),
            ..Facts::default()
        };
        CHECK.run(testcase, &Context::default(), &facts)
    }

    /// The verdict, and the messages of the findings at `level`.
    fn outcome(testcase: &str, flavors: Vec<Flavor>, level: Level) -> (Verdict, Vec<String>) {
        let outcome = run(testcase, flavors);
        let messages = outcome
            .findings
            .into_iter()
            .filter(|f| f.level == level)
            .map(|f| f.message)
            .collect();
        (outcome.verdict, messages)
    }

    fn standard_2v_4_20s() -> Flavor {
        flavor(
            "SCS-2V-4-20s",
            2,
            4096,
            20,
            &[
                ("scs:cpu-type", "shared-core"),
                ("scs:disk0-type", "ssd"),
                ("scs:name-v1", "SCS-2V:4:20s"),
                ("scs:name-v2", "SCS-2V-4-20s"),
            ],
        )
    }

    #[test]
    fn a_standard_flavor_passes_both_testcases_without_findings() {
        for testcase in [SYNTAX, SEMANTICS] {
            let outcome = run(testcase, vec![standard_2v_4_20s()]);
            assert_eq!(outcome.verdict, Verdict::Pass, "{testcase}");
            assert!(outcome.findings.is_empty(), "{:?}", outcome.findings);
        }
    }

    #[test]
    fn syntax_verdicts() {
        use Verdict::{Fail, Pass};
        for (name, verdict, level, fragment) in [
            ("SCS-4V-16-50", Pass, None, ""),
            (
                "SCS-2V:4:10",
                Pass,
                Some(Level::Warning),
                "a v1 name, merely tolerated by scs-0100-v3; its v3 name is SCS-2V-4-10",
            ),
            (
                "SCS-2V:4-GN:14",
                Pass,
                Some(Level::Warning),
                "its v3 spelling SCS-2V-4_GN-14 is no v3 name either (character 13: scs-0100-v3 \
                 gives the number",
            ),
            (
                "SCS-16V-32.5",
                Pass,
                Some(Level::Warning),
                "32.5 GiB RAM: half GiBs should not be used for 10 GiB",
            ),
            ("SCS-4V-9.5", Pass, None, ""),
            (
                "SCS-2V-4_z0",
                Pass,
                Some(Level::Info),
                "the standard's tools write it SCS-2V-4_z",
            ),
            (
                "SCS-2iT-4",
                Fail,
                Some(Level::Error),
                "not a valid SCS flavor name: character 6: expected the vCPU type",
            ),
            (
                "SCS-2V:4:10y",
                Fail,
                Some(Level::Error),
                "(read as a v1 name): character 12",
            ),
            (
                "SCS-2V-4_GN-14",
                Fail,
                Some(Level::Error),
                "only after a GPU generation",
            ),
            ("SCS-2V-4_chy", Pass, None, ""),
        ] {
            let outcome = run(SYNTAX, vec![flavor(name, 64, 1 << 20, 1000, &[])]);
            assert_eq!(outcome.verdict, verdict, "{name}: {:?}", outcome.findings);
            match level {
                None => assert!(
                    outcome.findings.is_empty(),
                    "{name}: {:?}",
                    outcome.findings
                ),
                Some(level) => {
                    assert_eq!(outcome.findings.len(), 1, "{name}: {:?}", outcome.findings);
                    let finding = &outcome.findings[0];
                    assert_eq!(finding.level, level, "{name}");
                    assert!(
                        finding.message.contains(fragment),
                        "{name}: {}",
                        finding.message
                    );
                    assert_eq!(
                        finding.object.as_deref(),
                        Some(format!("{name} (id-{name})").as_str())
                    );
                }
            }
        }
    }

    #[test]
    fn syntax_failure_lists_every_bad_name_and_says_how_to_fix_it() {
        let flavors = vec![
            flavor("SCS-2V-4-0", 2, 4096, 0, &[]),
            standard_2v_4_20s(),
            flavor("SCS-2C-4ou", 2, 4096, 0, &[]),
        ];
        let (verdict, errors) = outcome(SYNTAX, flavors, Level::Error);
        assert_eq!(verdict, Verdict::Fail);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("the disk size in GB must be more than 0"));
        assert!(errors[1].contains("`u` (no ECC) goes before `o`"));
        assert!(errors
            .iter()
            .all(|e| e.contains("Nova cannot rename a flavor")));
    }

    #[test]
    fn no_scs_flavors_pass_with_a_note() {
        for testcase in [SYNTAX, SEMANTICS] {
            let (verdict, notes) = outcome(
                testcase,
                vec![flavor("m1.small", 1, 2048, 0, &[])],
                Level::Info,
            );
            assert_eq!((verdict, notes.len()), (Verdict::Pass, 1), "{testcase}");
        }
    }

    #[test]
    fn figures_must_be_at_least_what_the_name_says() {
        use Verdict::{Fail, Pass};
        for (name, vcpus, ram, disk, verdict, fragment) in [
            ("SCS-2V-4-20", 2, 4096, 20, Pass, ""),
            ("SCS-2V-4-20", 4, 8192, 50, Pass, ""),
            (
                "SCS-2V-4-20",
                1,
                4096,
                20,
                Fail,
                "its name promises 2 vCPUs, the flavor has 1",
            ),
            (
                "SCS-2V-4-20",
                2,
                4096,
                10,
                Fail,
                "its name promises a root disk of 20 GB, the flavor has 10 GB",
            ),
            ("SCS-1V-0.5", 1, 512, 0, Pass, ""),
            (
                "SCS-1V-1.5",
                1,
                1535,
                0,
                Fail,
                "its name promises 1.5 GiB RAM (1536 MiB), the flavor has 1535 MiB",
            ),
            ("SCS-2V-4", 2, 4096, 0, Pass, ""),
            ("SCS-2V-4", 2, 4096, 30, Pass, ""),
            ("SCS-2V:4:20", 2, 4096, 10, Fail, "a root disk of 20 GB"),
        ] {
            let (got, errors) = outcome(
                SEMANTICS,
                vec![flavor(name, vcpus, ram, disk, &[])],
                Level::Error,
            );
            assert_eq!(got, verdict, "{name}: {errors:?}");
            assert!(
                errors.iter().all(|e| e.contains(fragment)),
                "{name}: {errors:?}"
            );
            if verdict == Fail {
                assert!(errors[0].contains("Nova cannot change a flavor's figures or name"));
            }
        }
    }

    #[test]
    fn ram_is_compared_exactly_unlike_upstream_rounding() {
        // Upstream rounds 4050 MiB to 4.0 GiB and passes it.
        let (verdict, errors) = outcome(
            SEMANTICS,
            vec![flavor("SCS-2V-4", 2, 4050, 0, &[])],
            Level::Error,
        );
        assert_eq!(verdict, Verdict::Fail);
        assert!(
            errors[0].contains("4 GiB RAM (4096 MiB), the flavor has 4050 MiB"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_disk_without_size_is_decided_unlike_upstream_abort() {
        for (name, disk) in [
            ("SCS-2V-4-n", 0),
            ("SCS-2V-4-n", 20),
            ("SCS-2V-4-", 0),
            ("SCS-2V-4-3x", 5),
        ] {
            let outcome = run(SEMANTICS, vec![flavor(name, 2, 4096, disk, &[])]);
            assert_eq!(
                outcome.verdict,
                Verdict::Pass,
                "{name}, disk {disk}: {:?}",
                outcome.findings
            );
        }
    }

    #[test]
    fn cpu_and_disk_types_must_not_be_stronger_than_the_extra_specs_say() {
        use Verdict::{Fail, Pass};
        for (name, specs, verdict, fragment) in [
            ("SCS-2C-4", vec![("scs:cpu-type", "dedicated-core")], Pass, ""),
            ("SCS-2V-4", vec![("scs:cpu-type", "dedicated-core")], Pass, ""),
            ("SCS-2L-4", vec![("scs:cpu-type", "shared-core")], Pass, ""),
            ("SCS-2C-4", vec![("scs:cpu-type", "shared-core")], Fail, "its name promises vCPUs of type C (dedicated-core), but scs:cpu-type says shared-core"),
            ("SCS-2T-4", vec![("scs:cpu-type", "crowded-core")], Fail, "say so (`openstack flavor set --property scs:cpu-type=dedicated-thread SCS-2T-4`)"),
            ("SCS-2V-4", vec![("scs:cpu-type", "fast")], Fail, "extra spec scs:cpu-type=`fast` is none of crowded-core, shared-core, dedicated-thread, dedicated-core"),
            ("SCS-2V-4-20s", vec![("scs:disk0-type", "ssd")], Pass, ""),
            ("SCS-2V-4-20s", vec![("scs:disk0-type", "nvme")], Pass, ""),
            ("SCS-2V-4-20n", vec![("scs:disk0-type", "ssd")], Pass, ""),
            ("SCS-2V-4-20", vec![("scs:disk0-type", "hdd")], Pass, ""),
            ("SCS-2V-4-20s", vec![("scs:disk0-type", "network")], Fail, "its name promises disk 0 of type s (ssd), but scs:disk0-type says network"),
            ("SCS-2V-4-20p", vec![("scs:disk0-type", "ssd")], Fail, "disk 0 of type p (nvme)"),
            ("SCS-2V-4-2x20s", vec![("scs:disk0-type", "ssd"), ("scs:disk1-type", "hdd")], Fail, "disk 1 of type s (ssd), but scs:disk1-type says hdd"),
            ("SCS-2V-4-20s", vec![("scs:disk1-type", "hdd")], Pass, ""),
            ("SCS-2V-4-20s", vec![("scs:disk0-type", "floppy")], Fail, "extra spec scs:disk0-type=`floppy` is none of network, hdd, ssd, nvme"),
        ] {
            let (got, errors) = outcome(SEMANTICS, vec![flavor(name, 2, 4096, 20, &specs)], Level::Error);
            assert_eq!(got, verdict, "{name} {specs:?}: {errors:?}");
            assert!(errors.iter().all(|e| e.contains(fragment)), "{name} {specs:?}: {errors:?}");
        }
    }

    #[test]
    fn name_variants_in_extra_specs_must_be_names_the_flavor_lives_up_to() {
        use Verdict::{Fail, Pass};
        for (specs, verdict, fragment) in [
            (vec![("scs:name-v1", "SCS-2V:4:20s"), ("scs:name-v2", "SCS-2V-4-20s")], Pass, ""),
            (vec![("scs:name-v7", "SCS-2V-4-20s_kvm_z3")], Pass, ""),
            (vec![("scs:name-v3", "SCS-2V-4_GN-14")], Pass, ""),
            (vec![("scs:name-v2", "SCS-2V-4-20y")], Fail, "extra spec scs:name-v2=`SCS-2V-4-20y` is not an SCS flavor name under any version of scs-0100 (character 12:"),
            (vec![("scs:name-v2", "m1.small")], Fail, "`openstack flavor unset --property scs:name-v2 m1.small`"),
            (vec![("scs:name-v2", "SCS-4V-4")], Fail, "scs:name-v2 promises 4 vCPUs, the flavor has 2; claim only names the flavor lives up to"),
            (vec![("scs:name-v2", "SCS-2C-4"), ("scs:cpu-type", "shared-core")], Fail, "scs:name-v2 promises vCPUs of type C"),
            // Keys that are not `scs:name-vN` with N > 0 are none of this check's business.
            (vec![("scs:name-v0", "x"), ("scs:name-vx", "x"), ("scs:name", "x")], Pass, ""),
        ] {
            let (got, errors) = outcome(SEMANTICS, vec![flavor("m1.small", 2, 4096, 20, &specs)], Level::Error);
            assert_eq!(got, verdict, "{specs:?}: {errors:?}");
            assert!(errors.iter().all(|e| e.contains(fragment)), "{specs:?}: {errors:?}");
        }
    }

    #[test]
    fn one_finding_per_broken_promise_naming_every_claim_that_makes_it() {
        let too_little_ram = flavor(
            "SCS-4V-8",
            4,
            8000,
            0,
            &[
                ("scs:name-v1", "SCS-4V:8"),
                ("scs:name-v2", "SCS-4V-8"),
                ("scs:name-v3", "SCS-4V-16"),
            ],
        );
        let (verdict, errors) = outcome(SEMANTICS, vec![too_little_ram], Level::Error);
        assert_eq!(verdict, Verdict::Fail);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("its name and scs:name-v1 and scs:name-v2 promise 8 GiB RAM (8192 MiB), the flavor has 8000 MiB; Nova cannot change a flavor's figures or name"), "{errors:?}");
        assert!(
            errors[1].starts_with("scs:name-v3 promises 16 GiB RAM"),
            "{errors:?}"
        );
    }

    #[test]
    fn an_invalid_own_name_is_left_to_the_syntax_check() {
        let outcome = run(SEMANTICS, vec![flavor("SCS-2V-4-0", 1, 1024, 0, &[])]);
        assert_eq!(outcome.verdict, Verdict::Pass, "{:?}", outcome.findings);
    }

    #[test]
    fn unreadable_flavors_abort_with_the_reason() {
        let facts = Facts {
            flavors: Some(Fact::Error("HTTP 503 from compute".into())),
            ..Facts::default()
        };
        for testcase in [SYNTAX, SEMANTICS] {
            let outcome = CHECK.run(testcase, &Context::default(), &facts);
            assert_eq!(outcome.verdict, Verdict::Abort);
            assert!(outcome.findings[0]
                .message
                .contains("HTTP 503 from compute"));
        }
    }
}
