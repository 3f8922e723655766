//! SCS flavor names (scs-0100 v1, v2 and v3): a parser into a typed syntax tree, a writer
//! back to names in either spelling, the standard's short name, a description of every
//! component in words, and the flavor that a name promises.
//!
//! ```text
//! SCS-16T-64-200s_GNa-72-24_ib          v2/v3 spelling
//! SCS-16T:64:200s-GNa:72:24-ib          v1 spelling (v3 VRAM is not a v1 word, though)
//! ```
//!
//! The three major versions share one structure (`SCS-` cpus+type, RAM, optional disk,
//! then extensions in a fixed order) and differ in spelling (v1 uses `:` where v2 uses `-`,
//! and `-` where v2 uses `_`) and in vocabulary: each [`Version`] accepts the words its text
//! defines (see `vocabulary.rs`). Parsing is by hand, component by component, so that an
//! error names the position and what the standard expects there.
//!
//! This module depends on nothing but `std`: the fuzz target in `fuzz/` compiles it on its own.

mod parse;
#[cfg(test)]
mod tests;
mod vocabulary;
mod write;

use std::fmt;

pub use parse::ParseError;
pub use vocabulary::{CpuType, CpuVendor, DiskType, GpuGeneration, GpuKind, GpuVendor, Hypervisor};
pub use write::Component;

/// A major version of the flavor naming standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    V1,
    V2,
    V3,
}

impl Version {
    pub const ALL: [Version; 3] = [Version::V1, Version::V2, Version::V3];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::V2 => "v2",
            Self::V3 => "v3",
        }
    }

    pub fn spelling(self) -> Spelling {
        match self {
            Self::V1 => Spelling::V1,
            Self::V2 | Self::V3 => Spelling::V2,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a name separates its parts. The prefix is `SCS-` in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    /// `SCS-2C:4:10n-bms-z3h-GNa:64-ib` (scs-0100-v1)
    V1,
    /// `SCS-2C-4-10n_bms_z3h_GNa-64_ib` (scs-0100-v2 and v3)
    V2,
}

impl Spelling {
    /// Separates RAM and disk from what precedes them, and the numbers inside the GPU part.
    pub fn field_separator(self) -> char {
        match self {
            Self::V1 => ':',
            Self::V2 => '-',
        }
    }

    /// Introduces each extension.
    pub fn extension_separator(self) -> char {
        match self {
            Self::V1 => '-',
            Self::V2 => '_',
        }
    }
}

/// A parsed flavor name. Optional parts that a name may spell out or leave implicit (a disk
/// count of 1, CPU generation 0) are kept as written, so a name writes back to itself;
/// [`FlavorName::canonical`] drops them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlavorName {
    pub cpus: u32,
    pub cpu_type: CpuType,
    /// `i`: mitigations against CPU vulnerabilities are not guaranteed.
    pub insecure: bool,
    pub ram: Ram,
    /// `None`: no disk; boot from a volume.
    pub disk: Option<Disk>,
    pub hypervisor: Option<Hypervisor>,
    /// `hwv`: hardware-accelerated (nested) virtualization in the instance.
    pub hardware_virtualization: bool,
    pub cpu_brand: Option<CpuBrand>,
    pub gpu: Option<Gpu>,
    /// `ib`: InfiniBand.
    pub infiniband: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ram {
    /// The size in units of 0.5 GiB: the standard allows half GiBs, nothing finer.
    pub half_gib: u32,
    /// `u`: no ECC.
    pub no_ecc: bool,
    /// `o`: memory is oversubscribed.
    pub oversubscribed: bool,
}

impl Ram {
    pub fn mib(self) -> u64 {
        u64::from(self.half_gib) * 512
    }

    /// The size as the name writes it: `4`, `3.5`.
    pub fn gib_text(self) -> String {
        let whole = self.half_gib / 2;
        if self.half_gib.is_multiple_of(2) {
            whole.to_string()
        } else {
            format!("{whole}.5")
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disk {
    /// `Mx`: the disk is provided M times; `None` when not written (one disk).
    pub count: Option<u32>,
    /// GB; `None`: the cloud picks a size large enough for the image.
    pub size: Option<u32>,
    /// `None`: the cloud picks the type.
    pub disk_type: Option<DiskType>,
}

impl Disk {
    pub fn disks(self) -> u32 {
        self.count.unwrap_or(1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuBrand {
    pub vendor: CpuVendor,
    /// `None` when not written; 0 means "rather old or unspecified" as well.
    pub generation: Option<u8>,
    /// How many `h` (0 to 3): all-core frequency above 2.75, 3.25, 3.75 GHz.
    pub frequency: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gpu {
    pub kind: GpuKind,
    pub vendor: GpuVendor,
    pub generation: Option<&'static GpuGeneration>,
    pub units: Option<GpuUnits>,
}

/// `-M[h][-V[h]]`: what the GPU part says after the generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GpuUnits {
    /// M: streaming multiprocessors, compute units or execution units, by vendor.
    pub count: u32,
    /// How many `h` after M (0 to 2): high-frequency units.
    pub frequency: u8,
    /// `-V[h]` (since v3).
    pub vram: Option<Vram>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vram {
    pub gib: u32,
    /// `h`: high-bandwidth memory (HBM).
    pub high_bandwidth: bool,
}

/// What a name promises about the figures and `scs:` extra specs Nova shows for a flavor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlavorSpec {
    pub vcpus: u32,
    pub cpu_type: CpuType,
    pub ram_mib: u64,
    /// Root disk size; `None` when the name has no disk or leaves the size to the cloud.
    pub disk_gb: Option<u32>,
    /// How many disks the name provides (0: none, boot from a volume).
    pub disks: u32,
    pub disk_type: Option<DiskType>,
}

impl FlavorSpec {
    /// The `scs:` extra specs of scs-0103 that follow from the name (besides the names).
    pub fn extra_specs(&self) -> Vec<(String, &'static str)> {
        let mut specs = vec![("scs:cpu-type".to_owned(), self.cpu_type.extra_spec_value())];
        if let Some(disk_type) = self.disk_type {
            specs.extend(
                (0..self.disks)
                    .map(|n| (format!("scs:disk{n}-type"), disk_type.extra_spec_value())),
            );
        }
        specs
    }
}

/// Parses `name` as the given major version of the standard defines names.
pub fn parse(name: &str, version: Version) -> Result<FlavorName, ParseError> {
    parse::parse(name, version)
}

/// The versions whose grammar and vocabulary accept `name`.
pub fn accepting_versions(name: &str) -> Vec<Version> {
    Version::ALL
        .into_iter()
        .filter(|v| parse(name, *v).is_ok())
        .collect()
}

/// Why v3, the current version, rejects `name` (`None` if it accepts it). Of the versions
/// that reject it, the one whose reading got furthest explains it best (v3 first among
/// equals): a mistyped v1 name is explained as a v1 name.
pub fn explain_rejection(name: &str) -> Option<(Version, ParseError)> {
    let mut furthest = (Version::V3, parse(name, Version::V3).err()?);
    for version in [Version::V2, Version::V1] {
        if let Err(error) = parse(name, version) {
            if error.position > furthest.1.position {
                furthest = (version, error);
            }
        }
    }
    Some(furthest)
}

impl FlavorName {
    /// The name in the given spelling, exactly as parsed (or built).
    pub fn spelled(&self, spelling: Spelling) -> String {
        write::spelled(self, spelling)
    }

    /// The same flavor with everything the standard lets a name leave out left out: a disk
    /// count of 1 and CPU generation 0 ("it is recommended to leave out the 0").
    pub fn canonical(&self) -> FlavorName {
        let mut canonical = self.clone();
        if let Some(disk) = &mut canonical.disk {
            disk.count = disk.count.filter(|&n| n != 1);
        }
        if let Some(brand) = &mut canonical.cpu_brand {
            brand.generation = brand.generation.filter(|&g| g != 0);
        }
        canonical
    }

    /// The short name the standard expects every provider to offer besides detailed ones:
    /// no hypervisor, no `hwv`, no CPU details except the architecture where it is not x86-64
    /// (an x86-64 image does not boot on ARM), and no `h` frequency or bandwidth marks on the
    /// GPU. What must be disclosed (`L`, `i`, `u`, `o`) stays, as do disk, GPU and `ib`.
    pub fn short(&self) -> FlavorName {
        let mut short = self.canonical();
        short.hypervisor = None;
        short.hardware_virtualization = false;
        short.cpu_brand = short
            .cpu_brand
            .filter(|b| matches!(b.vendor, CpuVendor::Arm | CpuVendor::RiscV))
            .map(|b| CpuBrand {
                vendor: b.vendor,
                generation: None,
                frequency: 0,
            });
        if let Some(units) = short.gpu.as_mut().and_then(|g| g.units.as_mut()) {
            units.frequency = 0;
            if let Some(vram) = &mut units.vram {
                vram.high_bandwidth = false;
            }
        }
        short
    }

    /// What the flavor must provide at least.
    pub fn spec(&self) -> FlavorSpec {
        FlavorSpec {
            vcpus: self.cpus,
            cpu_type: self.cpu_type,
            ram_mib: self.ram.mib(),
            disk_gb: self.disk.and_then(|d| d.size),
            disks: self.disk.map_or(0, Disk::disks),
            disk_type: self.disk.and_then(|d| d.disk_type),
        }
    }

    /// The values for the extra specs `scs:name-v1`, `scs:name-v2`, … (scs-0103 "name
    /// variants"): the canonical name and then the short one, each in v1 spelling (where v1
    /// has the words for it) and in v2 spelling, without repeats. For names without
    /// extensions this gives `scs:name-v1` in v1 and `scs:name-v2` in v2 spelling, as
    /// scs-0103 asks of its standard flavors.
    pub fn name_variants(&self) -> Vec<String> {
        let mut variants: Vec<String> = Vec::new();
        for name in [self.canonical(), self.short()] {
            let v1 = name.spelled(Spelling::V1);
            let v1 = parse(&v1, Version::V1).is_ok().then_some(v1);
            for variant in v1.into_iter().chain([name.to_string()]) {
                if !variants.contains(&variant) {
                    variants.push(variant);
                }
            }
        }
        variants
    }

    /// Every component as spelled in `spelling`, with its meaning in words.
    pub fn components(&self, spelling: Spelling) -> Vec<Component> {
        write::components(self, spelling)
    }
}

/// The name in v2/v3 spelling.
impl fmt::Display for FlavorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.spelled(Spelling::V2))
    }
}

/// `` `a`, `b` or `c` ``: codes for an error message.
fn listed_codes<'a>(codes: impl IntoIterator<Item = &'a str>) -> String {
    listed(codes.into_iter().map(|code| format!("`{code}`")))
}

/// `a`, `a or b`, `a, b or c`.
fn listed(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}
