//! The parser: one function per component, in the order the standard fixes.
//!
//! Every component consumes only ASCII, so the position of an error is a byte offset and a
//! character offset at the same time.

use std::fmt;

use super::vocabulary::{CpuType, CpuVendor, DiskType, GpuKind, GpuVendor, Hypervisor};
use super::{
    listed, listed_codes, CpuBrand, Disk, FlavorName, Gpu, GpuGeneration, GpuUnits, Ram, Version,
    Vram,
};

/// Why a name is not valid, and where: `position` is the byte offset (0-based) of the
/// character where the standard expects something else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub position: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "character {}: {}", self.position + 1, self.message)
    }
}

impl std::error::Error for ParseError {}

type Result<T> = std::result::Result<T, ParseError>;

/// The extensions in the order a name must give them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Extension {
    Hypervisor,
    HardwareVirtualization,
    CpuBrand,
    Gpu,
    Infiniband,
}

impl Extension {
    /// Which extension `segment` (the text between two extension separators) tries to be.
    fn of(segment: &str) -> Option<Self> {
        if segment == "hwv" {
            Some(Self::HardwareVirtualization)
        } else if segment == "ib" {
            Some(Self::Infiniband)
        } else if segment.get(..3).and_then(Hypervisor::from_code).is_some() {
            Some(Self::Hypervisor)
        } else if segment.starts_with(['i', 'z', 'a', 'r']) {
            Some(Self::CpuBrand)
        } else if segment.starts_with(['g', 'G']) {
            Some(Self::Gpu)
        } else {
            None
        }
    }

    fn what(self) -> &'static str {
        match self {
            Self::Hypervisor => "the hypervisor",
            Self::HardwareVirtualization => "hardware virtualization",
            Self::CpuBrand => "the CPU",
            Self::Gpu => "the GPU",
            Self::Infiniband => "InfiniBand",
        }
    }
}

#[derive(Default)]
struct Extensions {
    hypervisor: Option<Hypervisor>,
    hardware_virtualization: bool,
    cpu_brand: Option<CpuBrand>,
    gpu: Option<Gpu>,
    infiniband: bool,
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    version: Version,
    field: u8,
    extension: u8,
}

pub(super) fn parse(text: &str, version: Version) -> Result<FlavorName> {
    let spelling = version.spelling();
    let mut parser = Parser {
        text,
        pos: 0,
        version,
        field: spelling.field_separator() as u8,
        extension: spelling.extension_separator() as u8,
    };
    parser.prefix()?;
    let (cpus, cpu_type, insecure) = parser.cpus()?;
    parser.expect_field("the RAM size in GiB")?;
    let ram = parser.ram()?;
    let disk = if parser.eat(parser.field) {
        Some(parser.disk()?)
    } else {
        None
    };
    let extensions = parser.extensions()?;
    parser.expect_end(disk)?;
    Ok(FlavorName {
        cpus,
        cpu_type,
        insecure,
        ram,
        disk,
        hypervisor: extensions.hypervisor,
        hardware_virtualization: extensions.hardware_virtualization,
        cpu_brand: extensions.cpu_brand,
        gpu: extensions.gpu,
        infiniband: extensions.infiniband,
    })
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn peek_digit(&self) -> bool {
        self.peek().is_some_and(|b| b.is_ascii_digit())
    }

    fn eat(&mut self, byte: u8) -> bool {
        let matches = self.peek() == Some(byte);
        if matches {
            self.pos += 1;
        }
        matches
    }

    /// The one-character code at the current position, if it is one.
    fn code_here(&self) -> Option<&str> {
        self.text.get(self.pos..self.pos + 1)
    }

    fn found(&self) -> String {
        match self.text[self.pos..].chars().next() {
            Some(c) => format!("`{c}`"),
            None => "the end of the name".to_owned(),
        }
    }

    fn error_at(&self, position: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            position,
            message: message.into(),
        }
    }

    fn expected(&self, what: &str) -> ParseError {
        self.expected_with_hint(what, "")
    }

    /// `hint` (if any) starts with `; ` and says how to write it instead.
    fn expected_with_hint(&self, what: &str, hint: &str) -> ParseError {
        self.error_at(
            self.pos,
            format!("expected {what}, found {}{hint}", self.found()),
        )
    }

    fn prefix(&mut self) -> Result<()> {
        for &byte in b"SCS-" {
            if !self.eat(byte) {
                let case_hint = if self
                    .text
                    .get(..4)
                    .is_some_and(|p| p.eq_ignore_ascii_case("SCS-"))
                {
                    "; letters are case-sensitive"
                } else {
                    ""
                };
                return Err(self.expected_with_hint("a name starting with `SCS-`", case_hint));
            }
        }
        Ok(())
    }

    /// Digits as a number; the standard writes numbers plainly, so no leading zeros.
    fn number(&mut self, what: &str) -> Result<u32> {
        let start = self.pos;
        while self.peek_digit() {
            self.pos += 1;
        }
        let digits = &self.text[start..self.pos];
        if digits.is_empty() {
            return Err(self.expected(what));
        }
        if digits.len() > 1 && digits.starts_with('0') {
            let plain = match digits.trim_start_matches('0') {
                "" => "0",
                rest => rest,
            };
            return Err(self.error_at(start, format!("{what} has a leading zero: write `{plain}`")));
        }
        digits
            .parse()
            .map_err(|_| self.error_at(start, format!("{what} is too large: {digits}")))
    }

    /// A whole number greater than zero.
    fn positive(&mut self, what: &str) -> Result<u32> {
        let start = self.pos;
        let n = self.number(what)?;
        self.require_positive_whole(n, start, what)?;
        Ok(n)
    }

    fn require_positive_whole(&self, n: u32, start: usize, what: &str) -> Result<()> {
        if n == 0 {
            return Err(self.error_at(start, format!("{what} must be more than 0")));
        }
        if self.peek() == Some(b'.') {
            return Err(self.error_at(self.pos, format!("{what} is a whole number")));
        }
        Ok(())
    }

    /// Up to `max` letters `h` (frequency or bandwidth marks).
    fn marks(&mut self, max: u8, after: &str) -> Result<u8> {
        let mut count = 0;
        while self.peek() == Some(b'h') {
            if count == max {
                let most = "h".repeat(usize::from(max));
                return Err(self.error_at(self.pos, format!("at most `{most}` may follow {after}")));
            }
            count += 1;
            self.pos += 1;
        }
        Ok(count)
    }

    fn expect_field(&mut self, what: &str) -> Result<()> {
        if self.eat(self.field) {
            return Ok(());
        }
        Err(self.expected(&format!("`{}` and {what}", self.field as char)))
    }

    fn cpus(&mut self) -> Result<(u32, CpuType, bool)> {
        let cpus = self.positive("the number of vCPUs")?;
        let Some(cpu_type) = self.code_here().and_then(CpuType::from_code) else {
            let rest = &self.text[self.pos..];
            let type_follows_i =
                rest.starts_with('i') && rest.get(1..2).and_then(CpuType::from_code).is_some();
            let hint = if type_follows_i {
                "; `i` (insecure) goes after the type, as in `2Ti`"
            } else if rest
                .get(..1)
                .is_some_and(|c| CpuType::from_code(&c.to_ascii_uppercase()).is_some())
            {
                "; letters are case-sensitive"
            } else {
                ""
            };
            let what = format!(
                "the vCPU type {} after the number of vCPUs",
                listed_codes(CpuType::ALL.iter().map(|t| t.code()))
            );
            return Err(self.expected_with_hint(&what, hint));
        };
        self.pos += 1;
        let insecure = self.eat(b'i');
        Ok((cpus, cpu_type, insecure))
    }

    fn ram(&mut self) -> Result<Ram> {
        let start = self.pos;
        let whole = self.number("the RAM size in GiB")?;
        let half = if self.eat(b'.') {
            if !self.eat(b'5') || self.peek_digit() {
                return Err(self.error_at(
                    self.pos,
                    format!(
                        "RAM is a multiple of 0.5 GiB, written `{whole}` or `{whole}.5`; found {}",
                        self.found()
                    ),
                ));
            }
            1
        } else {
            0
        };
        let half_gib = whole
            .checked_mul(2)
            .and_then(|w| w.checked_add(half))
            .ok_or_else(|| self.error_at(start, "the RAM size is too large"))?;
        if half_gib == 0 {
            return Err(self.error_at(start, "the RAM size must be more than 0"));
        }
        Ok(Ram {
            half_gib,
            no_ecc: self.eat(b'u'),
            oversubscribed: self.eat(b'o'),
        })
    }

    /// `[Mx][N][type]` after the separator; every part is optional.
    fn disk(&mut self) -> Result<Disk> {
        let mut disk = Disk {
            count: None,
            size: None,
            disk_type: None,
        };
        if self.peek_digit() {
            let start = self.pos;
            let n = self.number("the disk size in GB or the number of disks")?;
            if self.eat(b'x') {
                self.require_positive_whole(n, start, "the number of disks")?;
                disk.count = Some(n);
                if self.peek_digit() {
                    disk.size = Some(self.positive("the disk size in GB")?);
                }
            } else {
                self.require_positive_whole(n, start, "the disk size in GB")?;
                disk.size = Some(n);
            }
        }
        disk.disk_type = self.code_here().and_then(DiskType::from_code);
        if disk.disk_type.is_some() {
            self.pos += 1;
        }
        Ok(disk)
    }

    fn extensions(&mut self) -> Result<Extensions> {
        let text = self.text;
        let mut found = Extensions::default();
        let mut previous: Option<(Extension, &str)> = None;
        while self.eat(self.extension) {
            let start = self.pos;
            let end = text[start..]
                .find(self.extension as char)
                .map_or(text.len(), |i| start + i);
            let segment = &text[start..end];
            let kind = Extension::of(segment).ok_or_else(|| self.unknown_extension(segment))?;
            if let Some((before, before_text)) = previous {
                self.check_order(kind, segment, before, before_text)?;
            }
            match kind {
                Extension::Hypervisor => found.hypervisor = Some(self.hypervisor()?),
                Extension::HardwareVirtualization => {
                    self.pos = end;
                    found.hardware_virtualization = true;
                }
                Extension::CpuBrand => found.cpu_brand = Some(self.cpu_brand()?),
                Extension::Gpu => found.gpu = Some(self.gpu(end)?),
                Extension::Infiniband => {
                    self.pos = end;
                    found.infiniband = true;
                }
            }
            self.expect_segment_end(end, kind)?;
            previous = Some((kind, segment));
        }
        Ok(found)
    }

    fn unknown_extension(&self, segment: &str) -> ParseError {
        let hypervisors = listed_codes(
            Hypervisor::ALL
                .iter()
                .filter(|h| h.since() <= self.version)
                .map(|h| h.code()),
        );
        let hint = if segment.starts_with(|c: char| c.is_ascii_digit()) {
            "; a CPU generation follows its vendor letter, as in `z3`"
        } else {
            ""
        };
        let found = if segment.is_empty() {
            self.found()
        } else {
            format!("`{segment}`")
        };
        self.error_at(
            self.pos,
            format!(
                "expected an extension: a hypervisor ({hypervisors}), `hwv`, a CPU vendor ({}), \
                 a GPU ({} and the vendor) or `ib`; found {found}{hint}",
                listed_codes(CpuVendor::ALL.iter().map(|v| v.code())),
                listed_codes(GpuKind::ALL.iter().map(|k| k.code())),
            ),
        )
    }

    fn check_order(
        &self,
        kind: Extension,
        segment: &str,
        before: Extension,
        before_text: &str,
    ) -> Result<()> {
        if kind > before {
            return Ok(());
        }
        let message = if kind == before {
            format!(
                "{} is given twice (`{before_text}` and `{segment}`); each extension may appear once",
                kind.what()
            )
        } else {
            format!(
                "`{segment}` ({}) must come before `{before_text}` ({}): extensions go in the \
                 order hypervisor, hwv, CPU, GPU, ib",
                kind.what(),
                before.what()
            )
        };
        Err(self.error_at(self.pos, message))
    }

    fn expect_segment_end(&self, end: usize, kind: Extension) -> Result<()> {
        if self.pos == end {
            return Ok(());
        }
        Err(self.expected(&format!(
            "`{}` or the end of the name after {}",
            self.extension as char,
            kind.what()
        )))
    }

    fn hypervisor(&mut self) -> Result<Hypervisor> {
        let hypervisor = self
            .text
            .get(self.pos..self.pos + 3)
            .and_then(Hypervisor::from_code)
            .expect("Extension::of saw a hypervisor code");
        if hypervisor.since() > self.version {
            return Err(self.error_at(
                self.pos,
                format!(
                    "`{}` ({}) is a word of scs-0100-{} and later, not of {}",
                    hypervisor.code(),
                    hypervisor.meaning(),
                    hypervisor.since(),
                    self.version
                ),
            ));
        }
        self.pos += hypervisor.code().len();
        Ok(hypervisor)
    }

    fn cpu_brand(&mut self) -> Result<CpuBrand> {
        let vendor = self
            .code_here()
            .and_then(CpuVendor::from_code)
            .expect("Extension::of saw a CPU vendor letter");
        self.pos += 1;
        let generation = if self.peek_digit() {
            Some(self.cpu_generation(vendor)?)
        } else {
            None
        };
        let frequency = self.marks(3, "the CPU (all-core frequency)")?;
        Ok(CpuBrand {
            vendor,
            generation,
            frequency,
        })
    }

    fn cpu_generation(&mut self, vendor: CpuVendor) -> Result<u8> {
        let start = self.pos;
        let number = self.number("the CPU generation")?;
        let known = |version: Version| {
            listed(
                vendor
                    .generations()
                    .iter()
                    .filter(|g| g.since <= version)
                    .map(|g| format!("{} ({})", g.number, g.name)),
            )
        };
        let generation = u8::try_from(number)
            .ok()
            .and_then(|n| vendor.generation(n))
            .ok_or_else(|| {
                self.error_at(
                    start,
                    format!(
                        "{} (`{}`) has no generation {number}; scs-0100-{} knows {}",
                        vendor.meaning(),
                        vendor.code(),
                        self.version,
                        known(self.version)
                    ),
                )
            })?;
        if generation.since > self.version {
            return Err(self.error_at(
                start,
                format!(
                    "generation {} ({}) of {} exists only since scs-0100-{}; {} knows {}",
                    generation.number,
                    generation.name,
                    vendor.meaning(),
                    generation.since,
                    self.version,
                    known(self.version)
                ),
            ));
        }
        Ok(generation.number)
    }

    fn gpu(&mut self, end: usize) -> Result<Gpu> {
        let kind = self
            .code_here()
            .and_then(GpuKind::from_code)
            .expect("Extension::of saw a GPU letter");
        self.pos += 1;
        let Some(vendor) = self.code_here().and_then(GpuVendor::from_code) else {
            return Err(self.expected(&format!(
                "the GPU vendor {} after `{}`",
                listed_codes(GpuVendor::ALL.iter().map(|v| v.code())),
                kind.code()
            )));
        };
        self.pos += 1;
        let generation = self.gpu_generation(vendor, end)?;
        let units = if self.eat(self.field) {
            Some(self.gpu_units(vendor, generation.is_some())?)
        } else {
            None
        };
        Ok(Gpu {
            kind,
            vendor,
            generation,
            units,
        })
    }

    /// The generation runs up to the next field separator (or the end of the extension).
    fn gpu_generation(
        &mut self,
        vendor: GpuVendor,
        end: usize,
    ) -> Result<Option<&'static GpuGeneration>> {
        let rest = &self.text[self.pos..end];
        let code = &rest[..rest.find(self.field as char).unwrap_or(rest.len())];
        if code.is_empty() {
            return Ok(None);
        }
        if let Some(generation) = vendor.generation(code) {
            self.pos += code.len();
            return Ok(Some(generation));
        }
        let without_marks = code.trim_end_matches('h');
        if without_marks.len() < code.len()
            && (without_marks.is_empty() || vendor.generation(without_marks).is_some())
        {
            return Err(self.error_at(
                self.pos + without_marks.len(),
                format!(
                    "`h` (high frequency) goes after the number of {} (`{}Mh`), not after \
                     the generation",
                    vendor.units(),
                    self.field as char
                ),
            ));
        }
        let known = listed(
            vendor
                .generations()
                .iter()
                .map(|g| format!("`{}` ({})", g.code, g.name)),
        );
        Err(self.error_at(
            self.pos,
            format!(
                "unknown {} GPU generation `{code}`; known are {known}",
                vendor.meaning()
            ),
        ))
    }

    /// `M[h][-V[h]]` after the separator.
    fn gpu_units(&mut self, vendor: GpuVendor, has_generation: bool) -> Result<GpuUnits> {
        if self.version >= Version::V3 && !has_generation {
            return Err(self.error_at(
                self.pos,
                format!(
                    "scs-0100-v3 gives the number of {} only after a GPU generation \
                     (`X[N[-M[h][-V[h]]]]`)",
                    vendor.units()
                ),
            ));
        }
        let count = self.positive(&format!("the number of {}", vendor.units()))?;
        let frequency = self.marks(2, "the number of GPU units (frequency)")?;
        let vram = if self.peek() == Some(self.field) {
            if self.version < Version::V3 {
                return Err(self.error_at(
                    self.pos,
                    format!(
                        "video memory (`-V` after the unit count) is a word of scs-0100-v3 \
                         and later, not of {}",
                        self.version
                    ),
                ));
            }
            self.pos += 1;
            let gib = self.positive("the video memory in GiB (rounded down)")?;
            let high_bandwidth = self.marks(1, "the video memory (high bandwidth)")? == 1;
            Some(Vram {
                gib,
                high_bandwidth,
            })
        } else {
            None
        };
        Ok(GpuUnits {
            count,
            frequency,
            vram,
        })
    }

    /// Only the end of the name may follow the components; anything else gets the most
    /// helpful message for where it stands.
    fn expect_end(&self, disk: Option<Disk>) -> Result<()> {
        if self.pos == self.text.len() {
            return Ok(());
        }
        let field = self.field as char;
        let extension = self.extension as char;
        let what = match disk {
            None => format!(
                "`{field}` and a disk, `{extension}` and an extension, or the end of the name"
            ),
            Some(Disk {
                disk_type: None, ..
            }) => format!(
                "a disk type {}, `{extension}` and an extension, or the end of the name",
                listed_codes(DiskType::ALL.iter().map(|t| t.code()))
            ),
            Some(_) => format!("`{extension}` and an extension, or the end of the name"),
        };
        let after_ram = disk.is_none();
        let hint = if after_ram && self.peek() == Some(b'u') && self.text[..self.pos].ends_with('o')
        {
            "; `u` (no ECC) goes before `o` (oversubscribed), as in `4uo`"
        } else {
            ""
        };
        Err(self.expected_with_hint(&what, hint))
    }
}
