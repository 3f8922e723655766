//! The words of the flavor naming standard: letters and codes, what they mean, and since which
//! major version of scs-0100 they exist.
//!
//! The CPU generation tables of the standard are closed tables that grew from version to
//! version, so each generation records the version that introduced it. The GPU generation
//! lists end in "..." in every version of the text: they are open lists that later versions
//! continued, so one list serves all versions (the values are those of v3, text 3.3, and its
//! implementation notes, scs-0100-w1).

use super::Version;

/// Defines an enum whose variants are spelled by a fixed code in a flavor name.
macro_rules! coded {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal, $meaning:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// How the name spells it.
            pub fn code(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)+
                }
            }

            /// What it means, in words.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Self::$variant => $meaning,)+
                }
            }

            pub(super) fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }
        }
    };
}

coded! {
    /// The vCPU type; the order is the order of strength of the guarantee.
    CpuType {
        /// `L`: heavily oversubscribed.
        Crowded = "L", "crowded core (vCPU, heavily oversubscribed: no guaranteed share of a core)";
        /// `V`: at least 20 % of a core in more than 99 % of the time.
        Shared = "V", "shared core (vCPU, oversubscribed: at least 20 % of a core in > 99 % of the time)";
        /// `T`: a dedicated hyperthread.
        DedicatedThread = "T", "dedicated thread (SMT)";
        /// `C`: a dedicated core.
        DedicatedCore = "C", "dedicated core";
    }
}

impl CpuType {
    /// The value of the extra spec `scs:cpu-type` (scs-0103).
    pub fn extra_spec_value(self) -> &'static str {
        match self {
            Self::Crowded => "crowded-core",
            Self::Shared => "shared-core",
            Self::DedicatedThread => "dedicated-thread",
            Self::DedicatedCore => "dedicated-core",
        }
    }

    pub fn from_extra_spec_value(value: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.extra_spec_value() == value)
    }
}

coded! {
    /// The type of a disk. The order is the order in which one type may stand in for another:
    /// the standard lets a flavor understate its disk (a local SSD flavor may be named with
    /// `n`, an NVMe flavor with `s`).
    DiskType {
        Network = "n", "network shared storage (Ceph/Cinder)";
        Hdd = "h", "local disk (HDD: SATA/SAS class)";
        Ssd = "s", "local SSD";
        Nvme = "p", "local high-performance NVMe";
    }
}

impl DiskType {
    /// The value of the extra spec `scs:diskN-type` (scs-0103).
    pub fn extra_spec_value(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::Hdd => "hdd",
            Self::Ssd => "ssd",
            Self::Nvme => "nvme",
        }
    }

    pub fn from_extra_spec_value(value: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.extra_spec_value() == value)
    }
}

coded! {
    /// The hypervisor extension `_hyp`.
    Hypervisor {
        Kvm = "kvm", "KVM (with QEMU)";
        CloudHv = "chy", "Cloud Hypervisor";
        Xen = "xen", "Xen";
        VMware = "vmw", "VMware";
        HyperV = "hyv", "Hyper-V";
        BareMetal = "bms", "bare metal system (no hypervisor)";
    }
}

impl Hypervisor {
    pub fn since(self) -> Version {
        match self {
            Self::CloudHv => Version::V3,
            _ => Version::V1,
        }
    }
}

coded! {
    /// The CPU vendor (architecture) of the CPU extension `_arch[N][h]`.
    CpuVendor {
        Intel = "i", "Intel x86-64";
        Amd = "z", "AMD (Zen) x86-64";
        Arm = "a", "ARM v8+ (AArch64)";
        RiscV = "r", "RISC-V";
    }
}

/// One row of a vendor's CPU generation table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuGeneration {
    pub number: u8,
    pub name: &'static str,
    pub since: Version,
}

const fn cpu(number: u8, name: &'static str, since: Version) -> CpuGeneration {
    CpuGeneration {
        number,
        name,
        since,
    }
}

const INTEL: &[CpuGeneration] = &[
    cpu(0, "pre-Skylake", Version::V1),
    cpu(1, "Skylake", Version::V1),
    cpu(2, "Cascade Lake", Version::V1),
    cpu(3, "Ice Lake", Version::V1),
    cpu(4, "Sapphire Rapids", Version::V2),
    cpu(5, "Sierra Forest (E-cores)", Version::V3),
    cpu(6, "Granite Rapids (P-cores)", Version::V3),
];
const AMD: &[CpuGeneration] = &[
    cpu(0, "pre-Zen", Version::V1),
    cpu(1, "Zen-1 (Naples)", Version::V1),
    cpu(2, "Zen-2 (Rome)", Version::V1),
    cpu(3, "Zen-3 (Milan)", Version::V1),
    cpu(4, "Zen-4 (Genoa, Bergamo)", Version::V1),
    cpu(5, "Zen-5 (Turin)", Version::V3),
    cpu(6, "Zen-6 (Venice)", Version::V3),
];
const ARM: &[CpuGeneration] = &[
    cpu(0, "pre-Cortex A76", Version::V1),
    cpu(1, "A76/Neoverse N1 class", Version::V1),
    cpu(2, "A78/X1/Neoverse V1 class", Version::V1),
    cpu(3, "A71x/Neoverse N2/V2 (ARMv9)", Version::V1),
    cpu(4, "AmpereOne (ARMv8.6)", Version::V3),
    cpu(5, "A72x/Neoverse N3/V3 (ARMv9.2)", Version::V3),
];
/// The standard has no RISC-V generations yet ("TBD"); 0 means "unspecified" for every vendor.
const RISC_V: &[CpuGeneration] = &[cpu(0, "unspecified", Version::V1)];

impl CpuVendor {
    pub fn generations(self) -> &'static [CpuGeneration] {
        match self {
            Self::Intel => INTEL,
            Self::Amd => AMD,
            Self::Arm => ARM,
            Self::RiscV => RISC_V,
        }
    }

    pub fn generation(self, number: u8) -> Option<&'static CpuGeneration> {
        self.generations().iter().find(|g| g.number == number)
    }
}

/// The all-core frequency that 1, 2 or 3 `h` after the CPU vendor and generation promise.
pub const CPU_FREQUENCIES: [&str; 3] = ["> 2.75 GHz", "> 3.25 GHz", "> 3.75 GHz"];

coded! {
    /// Pass-through (`G`) or virtual (`g`) GPU.
    GpuKind {
        Virtual = "g", "virtual GPU";
        PassThrough = "G", "pass-through GPU";
    }
}

coded! {
    /// The GPU vendor letter X of `_[G/g]X...`.
    GpuVendor {
        Nvidia = "N", "nVidia";
        Amd = "A", "AMD";
        Intel = "I", "Intel";
    }
}

/// One entry of a vendor's GPU generation list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GpuGeneration {
    pub code: &'static str,
    pub name: &'static str,
}

const fn gpu(code: &'static str, name: &'static str) -> GpuGeneration {
    GpuGeneration { code, name }
}

const NVIDIA_GPUS: &[GpuGeneration] = &[
    gpu("f", "Fermi"),
    gpu("k", "Kepler"),
    gpu("m", "Maxwell"),
    gpu("p", "Pascal"),
    gpu("v", "Volta"),
    gpu("t", "Turing"),
    gpu("a", "Ampere"),
    gpu("l", "Ada Lovelace"),
    gpu("g", "Grace Hopper"),
    gpu("b", "Blackwell"),
    gpu("u", "Blackwell Ultra"),
];
const AMD_GPUS: &[GpuGeneration] = &[
    gpu("0.4", "GCN 4 (Polaris)"),
    gpu("0.5", "GCN 5 (Vega)"),
    gpu("1", "CDNA 1"),
    gpu("1.1", "RDNA 1 (Navi 1x)"),
    gpu("2", "CDNA 2"),
    gpu("2.1", "RDNA 2 (Navi 2x)"),
    gpu("3", "CDNA 3"),
    gpu("3.1", "RDNA 3 (Navi 3x)"),
    gpu("3.5", "RDNA 3.5"),
    gpu("4", "CDNA 4"),
    gpu("4.1", "RDNA 4 (Navi 4x)"),
    gpu("5.1", "RDNA 5 (Navi 5x)"),
];
const INTEL_GPUS: &[GpuGeneration] = &[
    gpu("0.9", "Gen9"),
    gpu("0.95", "Gen9.5"),
    gpu("1", "Xe (Gen12.1, DG1)"),
    gpu("2", "Xe (Gen12.2)"),
    gpu("3", "Arc (Gen12.7, DG2) / Xe-HPC"),
    gpu("4", "Battlemage (Gen20.0)"),
];

impl GpuVendor {
    pub fn generations(self) -> &'static [GpuGeneration] {
        match self {
            Self::Nvidia => NVIDIA_GPUS,
            Self::Amd => AMD_GPUS,
            Self::Intel => INTEL_GPUS,
        }
    }

    pub fn generation(self, code: &str) -> Option<&'static GpuGeneration> {
        self.generations().iter().find(|g| g.code == code)
    }

    /// What this vendor calls the processing units counted by M.
    pub fn units(self) -> &'static str {
        match self {
            Self::Nvidia => "streaming multiprocessors (SMs)",
            Self::Amd => "compute units (CUs)",
            Self::Intel => "execution units (EUs)",
        }
    }
}

/// What 1 or 2 `h` after the GPU's unit count promise.
pub const GPU_FREQUENCIES: [&str; 2] = ["high frequency", "very high frequency"];
