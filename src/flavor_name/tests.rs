//! Grammar rules one by one, the corpus in `tests/data/flavor-names.txt`, and properties:
//! every name built from a valid tree writes and parses back to the same tree.
//!
//! Tests named `..._unlike_upstream` show where the standard's text and the upstream script
//! disagree and we follow the text (listed in docs/checks.md).

use proptest::prelude::*;

use super::*;

fn v3(name: &str) -> FlavorName {
    parse(name, Version::V3).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn rejection(name: &str, version: Version) -> ParseError {
    match parse(name, version) {
        Ok(parsed) => panic!("{name} parsed as {version}: {parsed:?}"),
        Err(error) => error,
    }
}

/// Asserts that `version` rejects `name` at `position` with a message containing `fragment`.
fn assert_rejects(name: &str, version: Version, position: usize, fragment: &str) {
    let error = rejection(name, version);
    assert_eq!(
        (error.position, error.message.contains(fragment)),
        (position, true),
        "{name} ({version}): expected `{fragment}` at {position}, got {error}"
    );
}

#[test]
fn every_component_lands_in_the_tree() {
    let name = v3("SCS-8Ti-3.5uo-3x50p_bms_hwv_z4hh_GA3.1-96h-48h_ib");
    assert_eq!(
        name,
        FlavorName {
            cpus: 8,
            cpu_type: CpuType::DedicatedThread,
            insecure: true,
            ram: Ram {
                half_gib: 7,
                no_ecc: true,
                oversubscribed: true
            },
            disk: Some(Disk {
                count: Some(3),
                size: Some(50),
                disk_type: Some(DiskType::Nvme)
            }),
            hypervisor: Some(Hypervisor::BareMetal),
            hardware_virtualization: true,
            cpu_brand: Some(CpuBrand {
                vendor: CpuVendor::Amd,
                generation: Some(4),
                frequency: 2
            }),
            gpu: Some(Gpu {
                kind: GpuKind::PassThrough,
                vendor: GpuVendor::Amd,
                generation: GpuVendor::Amd.generation("3.1"),
                units: Some(GpuUnits {
                    count: 96,
                    frequency: 1,
                    vram: Some(Vram {
                        gib: 48,
                        high_bandwidth: true
                    })
                })
            }),
            infiniband: true,
        }
    );
}

#[test]
fn examples_of_the_v3_text_are_valid_v3_names() {
    for name in [
        "SCS-2C-4-10n",
        "SCS-2T-4-10n",
        "SCS-2V-4-10n",
        "SCS-2L-4-10n",
        "SCS-2Li-4-10n",
        "SCS-2C-3.5-10n",
        "SCS-2C-4u-10n",
        "SCS-2C-4o-10n",
        "SCS-2C-4uo-10n",
        "SCS-2C-4-10s_bms_z3",
        "SCS-2C-4-3x10s",
        "SCS-2C-4-10",
        "SCS-2C-4-n",
        "SCS-2C-4-",
        "SCS-2C-4-_bms_z3",
        "SCS-2C-4-_bms_z3h_GNa-64_ib",
        "SCS-2C-4-_ib",
        "SCS-2C-4",
        "SCS-2C-4_bms_z3",
        "SCS-2C-4-3x10",
        "SCS-2C-4-10n_bms_z3hh",
        "SCS-2C-4-10_kvm_hwv",
        "SCS-2C-4-10_hwv",
        "SCS-2C-4-10_bms_hwv",
        "SCS-16V-64-500s_GNa-14-6h",
        "SCS-8Ti-32-50p_i1",
        "SCS-1L-1u-5",
        "SCS-16T-64-200s_GNa-72-24_ib",
        "SCS-4C-16-2x200p_a1",
        "SCS-1V-0.5",
        "SCS-1C-1.5-8s",
        "SCS-2V-4-20p",
    ] {
        v3(name);
    }
}

#[test]
fn struck_out_examples_of_the_text_are_rejected() {
    for (name, position, fragment) in [
        ("SCS-2-4-10n", 5, "the vCPU type `L`, `V`, `T` or `C`"),
        ("SCS-2iT-4-10n", 5, "`i` (insecure) goes after the type"),
        ("SCS-2C-4ou-10n", 9, "`u` (no ECC) goes before `o`"),
        ("SCS-2C-4-1.5n", 10, "the disk size in GB is a whole number"),
        (
            "SCS-2C-4-10_hwv_xen",
            16,
            "`xen` (the hypervisor) must come before `hwv`",
        ),
        // The text's own typo: a generation without its vendor letter.
        (
            "SCS-2C-4-n_bms_3",
            15,
            "a CPU generation follows its vendor letter",
        ),
    ] {
        assert_rejects(name, Version::V3, position, fragment);
    }
}

#[test]
fn v1_examples_are_valid_in_v1_spelling_only() {
    for name in [
        "SCS-2C:4:10n",
        "SCS-2Li:4:10n",
        "SCS-2C:4uo:10n",
        "SCS-2C:4:3x10s-bms-z3",
        "SCS-2C:4:n",
        "SCS-2C:4:",
        "SCS-2C:4:-bms-z3h-GNa:64-ib",
        "SCS-2C:4-bms-z3",
        "SCS-2C:4:3x",
        "SCS-2C:4:3xs",
        "SCS-2C:4:10-kvm-hwv",
        "SCS-8Ti:32:50p-i1",
        "SCS-1V:0.5",
    ] {
        assert_eq!(accepting_versions(name), [Version::V1], "{name}");
    }
}

#[test]
fn errors_say_where_and_what_was_expected() {
    use Version::{V1, V3};
    for (name, version, position, fragment) in [
        (
            "",
            V3,
            0,
            "expected a name starting with `SCS-`, found the end of the name",
        ),
        ("scs-2V-4", V3, 0, "letters are case-sensitive"),
        ("SCS_2V-4", V3, 3, "found `_`"),
        ("SCS-V-4", V3, 4, "expected the number of vCPUs"),
        ("SCS-0V-4", V3, 4, "the number of vCPUs must be more than 0"),
        ("SCS-02V-4", V3, 4, "leading zero: write `2`"),
        ("SCS-99999999999V-4", V3, 4, "too large"),
        ("SCS-2v-4", V3, 5, "letters are case-sensitive"),
        (
            "SCS-2V",
            V3,
            6,
            "expected `-` and the RAM size in GiB, found the end",
        ),
        ("SCS-2V:4", V3, 6, "expected `-` and the RAM size"),
        ("SCS-2V-4", V1, 6, "expected `:` and the RAM size"),
        ("SCS-2V-0", V3, 7, "the RAM size must be more than 0"),
        (
            "SCS-2V-1.2",
            V3,
            9,
            "RAM is a multiple of 0.5 GiB, written `1` or `1.5`",
        ),
        ("SCS-2V-4.0", V3, 9, "found `0`"),
        ("SCS-2V-3.55", V3, 10, "multiple of 0.5 GiB"),
        (
            "SCS-2V-.5",
            V3,
            7,
            "expected the RAM size in GiB, found `.`",
        ),
        (
            "SCS-2V-4-0",
            V3,
            9,
            "the disk size in GB must be more than 0",
        ),
        (
            "SCS-2V-4-0x10",
            V3,
            9,
            "the number of disks must be more than 0",
        ),
        (
            "SCS-2V-4-3x0",
            V3,
            11,
            "the disk size in GB must be more than 0",
        ),
        ("SCS-2V-4-10y", V3, 11, "a disk type `n`, `h`, `s` or `p`"),
        (
            "SCS-2V-4-10ss",
            V3,
            12,
            "expected `_` and an extension, or the end",
        ),
        ("SCS-2V-4x", V3, 8, "`-` and a disk, `_` and an extension"),
        ("SCS-2V-4_", V3, 9, "expected an extension"),
        ("SCS-2V-4__ib", V3, 9, "expected an extension"),
        ("SCS-2V-4_foo", V3, 9, "found `foo`"),
        (
            "SCS-2V-4_kvmx",
            V3,
            12,
            "expected `_` or the end of the name after the hypervisor",
        ),
        (
            "SCS-2V-4_kvm_xen",
            V3,
            13,
            "the hypervisor is given twice (`kvm` and `xen`)",
        ),
        (
            "SCS-2V-4_ib_z3",
            V3,
            12,
            "`z3` (the CPU) must come before `ib`",
        ),
        (
            "SCS-2V-4_GNa_z3",
            V3,
            13,
            "`z3` (the CPU) must come before `GNa`",
        ),
        ("SCS-2V-4_z3x", V3, 11, "after the CPU"),
        (
            "SCS-2V-4_i7",
            V3,
            10,
            "Intel x86-64 (`i`) has no generation 7",
        ),
        ("SCS-2V-4_i300", V3, 10, "has no generation 300"),
        ("SCS-2V-4_z03", V3, 10, "leading zero"),
        ("SCS-2V-4_zhhhh", V3, 13, "at most `hhh` may follow the CPU"),
        ("SCS-2V-4_r1", V3, 10, "RISC-V (`r`) has no generation 1"),
        (
            "SCS-2V-4_GX",
            V3,
            10,
            "the GPU vendor `N`, `A` or `I` after `G`",
        ),
        ("SCS-2V-4_GNz", V3, 11, "unknown nVidia GPU generation `z`"),
        ("SCS-2V-4_GA3.7", V3, 11, "unknown AMD GPU generation `3.7`"),
        (
            "SCS-2V-4_GNa-0",
            V3,
            13,
            "the number of streaming multiprocessors (SMs) must be more",
        ),
        (
            "SCS-2V-4_GNa-14hhh",
            V3,
            17,
            "at most `hh` may follow the number of GPU units",
        ),
        (
            "SCS-2V-4_GNa-14-1.5",
            V3,
            17,
            "video memory in GiB (rounded down) is a whole number",
        ),
        ("SCS-2V-4_GNa-14-6-1", V3, 17, "after the GPU"),
        (
            "SCS-2V:4-GNa:14:6",
            V1,
            15,
            "video memory (`-V` after the unit count) is a word of scs-0100-v3",
        ),
    ] {
        assert_rejects(name, version, position, fragment);
    }
}

#[test]
fn non_ascii_is_reported_at_its_character() {
    let error = rejection("SCS-2V-4-10ß", Version::V3);
    assert_eq!(error.position, 11);
    assert!(error.message.ends_with("found `ß`"), "{error}");
    assert!(error.to_string().starts_with("character 12: "), "{error}");
}

/// The newest generation each version knows, per vendor (`None`: no generation defined).
#[test]
fn cpu_generations_follow_each_versions_table() {
    use Version::{V1, V2, V3};
    for (vendor, version, newest) in [
        ("i", V1, 3),
        ("i", V2, 4),
        ("i", V3, 6),
        ("z", V1, 4),
        ("z", V2, 4),
        ("z", V3, 6),
        ("a", V1, 3),
        ("a", V2, 3),
        ("a", V3, 5),
        ("r", V1, 0),
        ("r", V3, 0),
    ] {
        let spelled = |generation: u8| match version {
            V1 => format!("SCS-2V:4-{vendor}{generation}h"),
            _ => format!("SCS-2V-4_{vendor}{generation}h"),
        };
        for generation in 0..=newest {
            parse(&spelled(generation), version)
                .unwrap_or_else(|e| panic!("{}: {e}", spelled(generation)));
        }
        let error = rejection(&spelled(newest + 1), version);
        assert!(
            error.message.contains("generation"),
            "{}: {error}",
            spelled(newest + 1)
        );
    }
}

#[test]
fn gpu_forms() {
    for (name, generation, units) in [
        ("SCS-2V-4_gN", None, None),
        ("SCS-2V-4_GNa", Some("a"), None),
        ("SCS-2V-4_GNu", Some("u"), None),
        ("SCS-2V-4_GA0.4", Some("0.4"), None),
        ("SCS-2V-4_gI0.95", Some("0.95"), None),
        (
            "SCS-2V-4_GNa-14",
            Some("a"),
            Some(GpuUnits {
                count: 14,
                frequency: 0,
                vram: None,
            }),
        ),
        (
            "SCS-2V-4_GNl-142hh-48",
            Some("l"),
            Some(GpuUnits {
                count: 142,
                frequency: 2,
                vram: Some(Vram {
                    gib: 48,
                    high_bandwidth: false,
                }),
            }),
        ),
        (
            "SCS-2V-4_GNa-108-80h",
            Some("a"),
            Some(GpuUnits {
                count: 108,
                frequency: 0,
                vram: Some(Vram {
                    gib: 80,
                    high_bandwidth: true,
                }),
            }),
        ),
    ] {
        let gpu = v3(name).gpu.expect("a GPU");
        assert_eq!(
            (gpu.generation.map(|g| g.code), gpu.units),
            (generation, units),
            "{name}"
        );
    }
}

#[test]
fn chy_is_a_v3_word_unlike_upstream_v2_parser() {
    assert_eq!(
        accepting_versions("SCS-2V-4_chy"),
        [Version::V3],
        "the v2 text lists kvm, xen, vmw, hyv, bms"
    );
    assert_rejects(
        "SCS-2V-4_chy",
        Version::V2,
        9,
        "a word of scs-0100-v3 and later",
    );
    assert_rejects("SCS-2V:4-chy", Version::V1, 9, "a word of scs-0100-v3");
}

#[test]
fn gpu_units_need_a_generation_in_v3_unlike_upstream() {
    // v3 writes `X[N[-M[h][-V[h]]]]`; v1 and v2 wrote `X[N][-M[h]]`.
    assert_rejects(
        "SCS-2V-4_GN-14",
        Version::V3,
        12,
        "only after a GPU generation",
    );
    assert_eq!(accepting_versions("SCS-2V-4_GN-14"), [Version::V2]);
}

#[test]
fn gpu_h_needs_a_unit_count_unlike_upstream() {
    for (name, position) in [("SCS-2V-4_GNah", 12), ("SCS-2V-4_GNh", 11)] {
        assert_rejects(
            name,
            Version::V3,
            position,
            "goes after the number of streaming",
        );
    }
}

#[test]
fn vram_takes_one_h_unlike_upstream() {
    assert_rejects(
        "SCS-2V-4_GNa-14-6hh",
        Version::V3,
        18,
        "at most `h` may follow the video memory",
    );
}

#[test]
fn numbers_are_written_plainly_unlike_upstream() {
    for (name, position) in [
        ("SCS-2V-04", 7),
        ("SCS-2V-4.0", 9),
        ("SCS-2V-.5", 7),
        ("SCS-2V-3.50", 10),
        ("SCS-2V-4-010", 9),
    ] {
        assert_eq!(rejection(name, Version::V3).position, position, "{name}");
    }
}

#[test]
fn v1_names_use_the_v1_vocabulary_unlike_upstream() {
    // Intel generation 4 came with v2, video memory with v3.
    assert_rejects(
        "SCS-2V:4-i4",
        Version::V1,
        10,
        "exists only since scs-0100-v2",
    );
    assert!(accepting_versions("SCS-2V:4:10-GNa:14:6").is_empty());
    assert_eq!(accepting_versions("SCS-2V:4:10-GNa:14"), [Version::V1]);
}

#[test]
fn canonical_names_leave_out_what_the_standard_lets_them_leave_out() {
    for (name, canonical) in [
        ("SCS-2V-4-1x10s", "SCS-2V-4-10s"),
        ("SCS-2V-4-1x", "SCS-2V-4-"),
        ("SCS-2V-4-2x10s", "SCS-2V-4-2x10s"),
        ("SCS-2V-4_z0", "SCS-2V-4_z"),
        ("SCS-2V-4_i0hh", "SCS-2V-4_ihh"),
        ("SCS-2V-4_a1", "SCS-2V-4_a1"),
    ] {
        assert_eq!(v3(name).canonical().to_string(), canonical, "{name}");
    }
}

#[test]
fn short_names_drop_details_but_keep_the_architecture_and_disclosures() {
    for (name, short) in [
        ("SCS-2V-4-20s", "SCS-2V-4-20s"),
        ("SCS-8Ti-32u-50p_kvm_hwv_i2h", "SCS-8Ti-32u-50p"),
        ("SCS-4C-16-2x200p_bms_a1hh", "SCS-4C-16-2x200p_a"),
        ("SCS-2V-4_r0", "SCS-2V-4_r"),
        (
            "SCS-16V-64-500s_z3_GNa-14h-6h_ib",
            "SCS-16V-64-500s_GNa-14-6_ib",
        ),
    ] {
        assert_eq!(v3(name).short().to_string(), short, "{name}");
    }
}

#[test]
fn spellings_convert_as_the_text_says() {
    let name = v3("SCS-16T-64-200s_kvm_hwv_z3h_GNa-72_ib");
    assert_eq!(
        name.spelled(Spelling::V1),
        "SCS-16T:64:200s-kvm-hwv-z3h-GNa:72-ib"
    );
    assert_eq!(name.to_string(), "SCS-16T-64-200s_kvm_hwv_z3h_GNa-72_ib");
}

#[test]
fn name_variants_give_long_and_short_names_in_both_spellings() {
    for (name, variants) in [
        ("SCS-2V-4-20s", vec!["SCS-2V:4:20s", "SCS-2V-4-20s"]),
        (
            "SCS-2V-4-20s_kvm_z0",
            vec![
                "SCS-2V:4:20s-kvm-z",
                "SCS-2V-4-20s_kvm_z",
                "SCS-2V:4:20s",
                "SCS-2V-4-20s",
            ],
        ),
        // Video memory and `chy` have no v1 spelling.
        ("SCS-2V-4_GNa-14-6", vec!["SCS-2V-4_GNa-14-6"]),
        ("SCS-2V-4_chy", vec!["SCS-2V-4_chy", "SCS-2V:4", "SCS-2V-4"]),
    ] {
        assert_eq!(v3(name).name_variants(), variants, "{name}");
    }
}

#[test]
fn spec_and_extra_specs_follow_from_the_name() {
    let spec = v3("SCS-4C-16.5-2x200p_a1").spec();
    assert_eq!(
        spec,
        FlavorSpec {
            vcpus: 4,
            cpu_type: CpuType::DedicatedCore,
            ram_mib: 16896,
            disk_gb: Some(200),
            disks: 2,
            disk_type: Some(DiskType::Nvme),
        }
    );
    assert_eq!(
        spec.extra_specs(),
        [
            ("scs:cpu-type".to_owned(), "dedicated-core"),
            ("scs:disk0-type".to_owned(), "nvme"),
            ("scs:disk1-type".to_owned(), "nvme"),
        ]
    );
    let no_disk = v3("SCS-1L-1").spec();
    assert_eq!((no_disk.disk_gb, no_disk.disks), (None, 0));
    assert_eq!(no_disk.extra_specs().len(), 1);
    let sizeless = v3("SCS-2V-4-n").spec();
    assert_eq!(
        (sizeless.disk_gb, sizeless.disks, sizeless.disk_type),
        (None, 1, Some(DiskType::Network))
    );
}

#[test]
fn components_explain_themselves() {
    let name = v3("SCS-8Ti-32uo-3x50p_bms_hwv_z4hh_GNa-14h-6h_ib");
    let explained: Vec<(String, String)> = name
        .components(Spelling::V2)
        .into_iter()
        .map(|c| (c.text, c.meaning))
        .collect();
    let expected = [
        ("8Ti", "8 vCPUs, dedicated thread (SMT); insecure (`i`)"),
        ("-32uo", "32 GiB RAM, without ECC (`u`), oversubscribed (`o`)"),
        ("-3x50p", "3 independent disks of 50 GB, local high-performance NVMe"),
        ("_bms", "hypervisor: bare metal system (no hypervisor)"),
        ("_hwv", "hardware-accelerated (nested) virtualization"),
        (
            "_z4hh",
            "CPU: AMD (Zen) x86-64, generation 4 (Zen-4 (Genoa, Bergamo)), all-core frequency > 3.25 GHz",
        ),
        (
            "_GNa-14h-6h",
            "pass-through GPU: nVidia Ampere, 14 streaming multiprocessors (SMs) at high \
             frequency, 6 GiB video memory with high bandwidth (HBM)",
        ),
        ("_ib", "InfiniBand networking"),
    ];
    assert_eq!(explained.len(), expected.len());
    for ((text, meaning), (want_text, want_meaning)) in explained.iter().zip(expected) {
        assert_eq!(text, want_text);
        assert!(meaning.starts_with(want_meaning), "{text}: {meaning}");
    }
    let sizeless = v3("SCS-1V-2-").components(Spelling::V2);
    assert_eq!(
        sizeless[2].meaning,
        "one root disk sized by the cloud to fit the image (its min_disk or larger), type \
         chosen by the cloud"
    );
}

#[test]
fn rejection_is_explained_by_the_reading_that_got_furthest() {
    let (version, error) = explain_rejection("SCS-2V:4:10y").expect("rejected");
    assert_eq!((version, error.position), (Version::V1, 11));
    let (version, error) = explain_rejection("SCS-2V-4-10y").expect("rejected");
    assert_eq!((version, error.position), (Version::V3, 11));
    // v1 accepts it; v3 rejects it at the colon.
    let (version, error) = explain_rejection("SCS-2V:4").expect("rejected");
    assert_eq!((version, error.position), (Version::V3, 6));
    assert!(explain_rejection("SCS-2V-4").is_none());
}

/// `tests/data/flavor-names.txt`: each line is NAME, the versions accepting it (`-` for
/// none), then its canonical v2/v3 name, or `@POSITION` and part of the error message.
/// Every line that does not hold is reported, not only the first.
#[test]
fn corpus_verdicts_and_canonical_names() {
    let corpus = include_str!("../../tests/data/flavor-names.txt");
    let mut cases = 0;
    let mut wrong = Vec::new();
    for (number, line) in corpus.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        cases += 1;
        let mut words = line.split_whitespace();
        let (Some(name), Some(versions)) = (words.next(), words.next()) else {
            panic!("line {}: expected NAME VERSIONS EXPECTATION", number + 1);
        };
        let expectation = words.collect::<Vec<_>>().join(" ");
        let verdict = corpus_verdict(name);
        let wanted = format!("{versions} {expectation}");
        if !verdict_matches(&verdict, &wanted) {
            wrong.push(format!(
                "line {}: {name}\n  want {wanted}\n  got  {verdict}",
                number + 1
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(cases >= 60, "the corpus has {cases} cases");
}

/// What the corpus says about `name`: `v2,v3 CANONICAL` or `- @POSITION MESSAGE`.
fn corpus_verdict(name: &str) -> String {
    let accepted = accepting_versions(name);
    match accepted.last() {
        Some(newest) => {
            let versions: Vec<&str> = accepted.iter().map(|v| v.as_str()).collect();
            let canonical = parse(name, *newest).expect("accepted").canonical();
            format!("{} {canonical}", versions.join(","))
        }
        None => {
            let (_, error) = explain_rejection(name).expect("rejected");
            format!("- @{} {}", error.position, error.message)
        }
    }
}

/// An error expectation gives only a piece of the message.
fn verdict_matches(verdict: &str, wanted: &str) -> bool {
    match wanted.split_once(" @") {
        Some((_, position_and_fragment)) => {
            let (position, fragment) = position_and_fragment
                .split_once(' ')
                .unwrap_or((position_and_fragment, ""));
            verdict.starts_with(&format!("- @{position} ")) && verdict.contains(fragment)
        }
        None => verdict == wanted,
    }
}

fn arb_disk() -> impl Strategy<Value = Disk> {
    (
        proptest::option::of(1..=16u32),
        proptest::option::of(1..=100_000u32),
        proptest::option::of(proptest::sample::select(DiskType::ALL)),
    )
        .prop_map(|(count, size, disk_type)| Disk {
            count,
            size,
            disk_type,
        })
}

fn arb_cpu_brand(version: Version) -> impl Strategy<Value = CpuBrand> {
    proptest::sample::select(CpuVendor::ALL).prop_flat_map(move |vendor| {
        let generations: Vec<u8> = vendor
            .generations()
            .iter()
            .filter(|g| g.since <= version)
            .map(|g| g.number)
            .collect();
        (
            proptest::option::of(proptest::sample::select(generations)),
            0..=3u8,
        )
            .prop_map(move |(generation, frequency)| CpuBrand {
                vendor,
                generation,
                frequency,
            })
    })
}

fn arb_gpu(version: Version) -> impl Strategy<Value = Gpu> {
    let vram = proptest::option::of((1..=1024u32, any::<bool>()).prop_map(
        |(gib, high_bandwidth)| Vram {
            gib,
            high_bandwidth,
        },
    ));
    let units = (1..=1024u32, 0..=2u8, vram).prop_map(move |(count, frequency, vram)| GpuUnits {
        count,
        frequency,
        vram: vram.filter(|_| version >= Version::V3),
    });
    (
        proptest::sample::select(GpuKind::ALL),
        proptest::sample::select(GpuVendor::ALL),
        any::<proptest::sample::Index>(),
        any::<bool>(),
        proptest::option::of(units),
    )
        .prop_map(move |(kind, vendor, which, with_generation, units)| {
            let generation = with_generation.then(|| which.get(vendor.generations()));
            // v3 counts units only after a generation.
            let units = units.filter(|_| generation.is_some() || version < Version::V3);
            Gpu {
                kind,
                vendor,
                generation,
                units,
            }
        })
}

/// Any name that `version` accepts, built as a tree.
fn arb_name(version: Version) -> impl Strategy<Value = FlavorName> {
    let hypervisors: Vec<Hypervisor> = Hypervisor::ALL
        .iter()
        .copied()
        .filter(|h| h.since() <= version)
        .collect();
    (
        (
            1..=u32::MAX,
            proptest::sample::select(CpuType::ALL),
            any::<bool>(),
        ),
        (1..=u32::MAX, any::<bool>(), any::<bool>()),
        proptest::option::of(arb_disk()),
        proptest::option::of(proptest::sample::select(hypervisors)),
        any::<bool>(),
        proptest::option::of(arb_cpu_brand(version)),
        proptest::option::of(arb_gpu(version)),
        any::<bool>(),
    )
        .prop_map(
            |(
                (cpus, cpu_type, insecure),
                (half_gib, no_ecc, oversubscribed),
                disk,
                hypervisor,
                hardware_virtualization,
                cpu_brand,
                gpu,
                infiniband,
            )| FlavorName {
                cpus,
                cpu_type,
                insecure,
                ram: Ram {
                    half_gib,
                    no_ecc,
                    oversubscribed,
                },
                disk,
                hypervisor,
                hardware_virtualization,
                cpu_brand,
                gpu,
                infiniband,
            },
        )
}

fn arb_version() -> impl Strategy<Value = Version> {
    proptest::sample::select(Version::ALL.to_vec())
}

/// Texts close to valid names with the given separators, about half of them valid.
fn near_names(field: char, extension: char) -> impl Strategy<Value = String> {
    let pattern = format!(
        "SCS-[1-9][0-9]{{0,2}}[LVTC]i?{field}[1-9](\\.5)?[uo]{{0,2}}\
         ({field}([1-9]x)?([1-9][0-9]?)?[nhsp]?)?\
         ({extension}(kvm|chy|hwv|[izar][0-6]?h{{0,3}}|\
         [gG][NAI](a|3\\.1|0\\.9)?({field}[1-9]h{{0,2}}({field}[1-9]h?)?)?|ib)){{0,4}}"
    );
    proptest::string::string_regex(&pattern).expect("a valid pattern")
}

/// The text's sed commands: v2 → v1 and v1 → v2.
fn sed_to_v1(name: &str) -> String {
    let swapped = name.replace('-', ":").replace('_', "-");
    match swapped.strip_prefix("SCS:") {
        Some(rest) => format!("SCS-{rest}"),
        None => swapped,
    }
}

fn sed_to_v2(name: &str) -> String {
    let swapped = name.replace('-', "_").replace(':', "-");
    match swapped.strip_prefix("SCS_") {
        Some(rest) => format!("SCS-{rest}"),
        None => swapped,
    }
}

proptest! {
    #[test]
    fn every_valid_tree_writes_and_parses_back(
        (version, name) in arb_version().prop_flat_map(|v| (Just(v), arb_name(v)))
    ) {
        let text = name.spelled(version.spelling());
        prop_assert_eq!(parse(&text, version), Ok(name));
    }

    #[test]
    fn canonical_and_short_names_stay_valid(name in arb_name(Version::V3)) {
        let canonical = name.canonical();
        prop_assert_eq!(canonical.canonical(), canonical.clone());
        prop_assert_eq!(parse(&canonical.to_string(), Version::V3), Ok(canonical));
        let short = name.short();
        prop_assert_eq!(parse(&short.to_string(), Version::V3), Ok(short));
    }

    #[test]
    fn v1_and_v2_spellings_translate_like_the_texts_sed_commands(name in arb_name(Version::V3)) {
        let v1 = name.spelled(Spelling::V1);
        let v2 = name.spelled(Spelling::V2);
        prop_assert_eq!(sed_to_v1(&v2), v1.clone());
        prop_assert_eq!(sed_to_v2(&v1), v2);
    }

    #[test]
    fn any_accepted_text_writes_back_to_itself(
        text in prop_oneof![near_names('-', '_'), near_names(':', '-')],
        version in arb_version(),
    ) {
        if let Ok(name) = parse(&text, version) {
            prop_assert_eq!(name.spelled(version.spelling()), text);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,40}", version in arb_version()) {
        let _ = parse(&text, version);
        let _ = explain_rejection(&text);
    }
}
