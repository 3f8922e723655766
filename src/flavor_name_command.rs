//! The `flavor-name` command: for people designing flavor names, says which versions of
//! scs-0100 accept a name, what each component means, the canonical and short names, and
//! the flavor the name promises (with the `openstack flavor create` command for it).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::cli::FlavorNameArgs;
use crate::flavor_name::{self, FlavorName, FlavorSpec, ParseError, Spelling, Version};
use crate::report::exit;

/// What the command says about one name; `--json` prints a list of these.
#[derive(Debug, Serialize)]
struct NameReport {
    name: String,
    /// Whether the current version of the standard, v3, accepts the name.
    valid: bool,
    /// Every version that accepts it.
    version: Vec<&'static str>,
    /// `None` when no version accepts it.
    canonical: Option<Canonical>,
    /// Why v3 rejects it, in the reading that got furthest (see `explain_rejection`).
    error: Option<ErrorReport>,
    spec: Option<SpecReport>,
    components: Vec<ComponentReport>,
}

/// The canonical name in both spellings (named as the extra specs `scs:name-v1/-v2` of the
/// standard flavors are), and the short name.
#[derive(Debug, Serialize)]
struct Canonical {
    v2: String,
    /// `None` when v1 lacks a word the name uses.
    v1: Option<String>,
    short: String,
}

#[derive(Debug, Serialize)]
struct ErrorReport {
    /// Byte offset (0-based) of the character in question.
    position: usize,
    message: String,
    /// The version whose grammar the message refers to.
    reading: &'static str,
}

#[derive(Debug, Serialize)]
struct SpecReport {
    vcpus: u32,
    cpu_type: &'static str,
    ram_mib: u64,
    disk_gb: Option<u32>,
    disks: u32,
    disk_type: Option<&'static str>,
    extra_specs: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
struct ComponentReport {
    text: String,
    meaning: String,
}

/// Explains every name; the exit code is 1 when any is not valid under v3.
pub fn run(args: &FlavorNameArgs, quiet: bool) -> anyhow::Result<i32> {
    let reports: Vec<NameReport> = args.names.iter().map(|n| report(n)).collect();
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&reports).expect("reports serialise")
        );
    } else if !quiet {
        print!("{}", render(&reports));
    }
    Ok(if reports.iter().all(|r| r.valid) {
        exit::PASS
    } else {
        exit::FAIL
    })
}

fn report(name: &str) -> NameReport {
    let versions = flavor_name::accepting_versions(name);
    let valid = versions.contains(&Version::V3);
    let parsed = versions
        .last()
        .map(|newest| flavor_name::parse(name, *newest).expect("accepted by this version"));
    let error = flavor_name::explain_rejection(name);
    NameReport {
        name: name.to_owned(),
        valid,
        version: versions.iter().map(|v| v.as_str()).collect(),
        canonical: parsed.as_ref().map(canonical),
        error: error.map(|(version, e)| error_report(version, e)),
        spec: parsed.as_ref().map(|p| spec_report(&p.spec())),
        components: parsed
            .as_ref()
            .map(|p| {
                p.components(versions.last().expect("parsed").spelling())
                    .into_iter()
                    .map(|c| ComponentReport {
                        text: c.text,
                        meaning: c.meaning,
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn canonical(name: &FlavorName) -> Canonical {
    let canonical = name.canonical();
    let v1 = canonical.spelled(Spelling::V1);
    Canonical {
        v2: canonical.to_string(),
        v1: flavor_name::parse(&v1, Version::V1).is_ok().then_some(v1),
        short: name.short().to_string(),
    }
}

fn error_report(version: Version, error: ParseError) -> ErrorReport {
    ErrorReport {
        position: error.position,
        message: error.message,
        reading: version.as_str(),
    }
}

fn spec_report(spec: &FlavorSpec) -> SpecReport {
    SpecReport {
        vcpus: spec.vcpus,
        cpu_type: spec.cpu_type.extra_spec_value(),
        ram_mib: spec.ram_mib,
        disk_gb: spec.disk_gb,
        disks: spec.disks,
        disk_type: spec.disk_type.map(|t| t.extra_spec_value()),
        extra_specs: spec
            .extra_specs()
            .into_iter()
            .map(|(k, v)| (k, v.to_owned()))
            .collect(),
    }
}

fn render(reports: &[NameReport]) -> String {
    let mut out = String::new();
    for (i, report) in reports.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        render_one(&mut out, report);
    }
    out
}

fn render_one(out: &mut String, report: &NameReport) {
    let verdict = match (report.valid, report.version.as_slice()) {
        (true, versions) => format!("valid ({})", versions.join(", ")),
        (false, []) => "invalid: no version of scs-0100 accepts it".to_owned(),
        (false, versions) => format!(
            "not valid under v3, the current version (valid under {} only)",
            versions.join(", ")
        ),
    };
    let _ = writeln!(out, "{}: {verdict}", report.name);
    if let Some(error) = &report.error {
        render_error(out, &report.name, error);
    }
    let width = report
        .components
        .iter()
        .map(|c| c.text.len())
        .max()
        .unwrap_or(0);
    for component in &report.components {
        let _ = writeln!(out, "  {:width$}  {}", component.text, component.meaning);
    }
    if let (Some(canonical), Some(spec)) = (&report.canonical, &report.spec) {
        render_names_and_spec(out, canonical, spec);
    }
}

/// The name with a caret under the character in question.
fn render_error(out: &mut String, name: &str, error: &ErrorReport) {
    let column = name[..error.position].chars().count();
    let reading = if error.reading == "v3" {
        String::new()
    } else {
        format!(" (read as a {} name)", error.reading)
    };
    let _ = writeln!(out, "  {name}");
    let _ = writeln!(
        out,
        "  {:column$}^ character {}: {}{reading}",
        "",
        error.position + 1,
        error.message
    );
}

fn render_names_and_spec(out: &mut String, canonical: &Canonical, spec: &SpecReport) {
    let v1 = canonical
        .v1
        .as_deref()
        .unwrap_or("(none: v1 lacks words this name uses)");
    let _ = writeln!(out, "  canonical  {}   v1: {v1}", canonical.v2);
    let _ = writeln!(out, "  short      {}", canonical.short);
    let disk = match (spec.disks, spec.disk_gb) {
        (0, _) => "no disk (boot from volume)".to_owned(),
        (1, Some(gb)) => format!("disk {gb} GB"),
        (1, None) => "disk of a size the cloud picks".to_owned(),
        (n, Some(gb)) => format!("{n} disks of {gb} GB"),
        (n, None) => format!("{n} disks of a size the cloud picks"),
    };
    let extra_specs: Vec<String> = spec
        .extra_specs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let _ = writeln!(
        out,
        "  promises   at least {} vCPUs, {} MiB RAM, {disk}; {}",
        spec.vcpus,
        spec.ram_mib,
        extra_specs.join(", ")
    );
    if let Some(command) = create_command(&canonical.v2) {
        let _ = writeln!(out, "  create     {command}");
    }
}

/// `openstack flavor create` for a flavor that keeps exactly the promises of `name`, when
/// `name` is a valid v3 name.
fn create_command(name: &str) -> Option<String> {
    let parsed = flavor_name::parse(name, Version::V3).ok()?;
    let spec = parsed.spec();
    let mut command = format!(
        "openstack flavor create --vcpus {} --ram {} --disk {}",
        spec.vcpus,
        spec.ram_mib,
        spec.disk_gb.unwrap_or(0)
    );
    for (key, value) in spec.extra_specs() {
        let _ = write!(command, " --property {key}={value}");
    }
    for (i, variant) in parsed.name_variants().iter().enumerate() {
        let _ = write!(command, " --property scs:name-v{}={variant}", i + 1);
    }
    let _ = write!(command, " {name}");
    Some(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_name_is_explained_with_names_spec_and_create_command() {
        let text = render(&[report("SCS-2V-4-20s_z3")]);
        for line in [
            "SCS-2V-4-20s_z3: valid (v2, v3)\n",
            "  2V    2 vCPUs, shared core",
            "  -20s  one root disk of 20 GB, local SSD\n",
            "  _z3   CPU: AMD (Zen) x86-64, generation 3 (Zen-3 (Milan))\n",
            "  canonical  SCS-2V-4-20s_z3   v1: SCS-2V:4:20s-z3\n",
            "  short      SCS-2V-4-20s\n",
            "  promises   at least 2 vCPUs, 4096 MiB RAM, disk 20 GB; scs:cpu-type=shared-core, \
             scs:disk0-type=ssd\n",
            "  create     openstack flavor create --vcpus 2 --ram 4096 --disk 20 --property \
             scs:cpu-type=shared-core --property scs:disk0-type=ssd --property \
             scs:name-v1=SCS-2V:4:20s-z3 --property scs:name-v2=SCS-2V-4-20s_z3 --property \
             scs:name-v3=SCS-2V:4:20s --property scs:name-v4=SCS-2V-4-20s SCS-2V-4-20s_z3\n",
        ] {
            assert!(text.contains(line), "`{line}` not in:\n{text}");
        }
    }

    #[test]
    fn invalid_name_shows_where_it_goes_wrong() {
        let text = render(&[report("SCS-2iT-4")]);
        assert_eq!(
            text,
            "SCS-2iT-4: invalid: no version of scs-0100 accepts it\n  SCS-2iT-4\n       ^ \
             character 6: expected the vCPU type `L`, `V`, `T` or `C` after the number of \
             vCPUs, found `i`; `i` (insecure) goes after the type, as in `2Ti`\n"
        );
    }

    #[test]
    fn v1_name_is_tolerated_and_shows_its_v3_name() {
        let report = report("SCS-2V:4:10");
        assert!(!report.valid);
        assert_eq!(report.version, ["v1"]);
        let canonical = report.canonical.as_ref().expect("canonical");
        assert_eq!(canonical.v2, "SCS-2V-4-10");
        let text = render(&[report]);
        assert!(text.contains("(valid under v1 only)"), "{text}");
        assert!(text.contains("  :10  one root disk of 10 GB"), "{text}");
    }

    #[test]
    fn error_of_a_name_no_version_accepts_comes_from_the_furthest_reading() {
        let report = report("SCS-2V:4:10y");
        let error = report.error.expect("an error");
        assert_eq!((error.position, error.reading), (11, "v1"));
        assert!(report.canonical.is_none() && report.spec.is_none());
    }

    #[test]
    fn no_create_command_for_names_v3_rejects() {
        assert_eq!(create_command("SCS-2V-4_GN-14"), None);
        assert_eq!(
            create_command("SCS-1L-1").as_deref(),
            Some(
                "openstack flavor create --vcpus 1 --ram 1024 --disk 0 --property \
                 scs:cpu-type=crowded-core --property scs:name-v1=SCS-1L:1 --property \
                 scs:name-v2=SCS-1L-1 SCS-1L-1"
            )
        );
    }
}
