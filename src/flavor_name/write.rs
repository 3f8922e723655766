//! Writing a name back: each component spelled in v1 or v2 style, with its meaning in words.
//! The name itself is `SCS-` followed by the components' text, so the spelling and the
//! description can never disagree.

use super::vocabulary::{CPU_FREQUENCIES, GPU_FREQUENCIES};
use super::{CpuBrand, Disk, FlavorName, Gpu, Spelling};

/// One component of a name: its text (with the separator that introduces it) and meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub text: String,
    pub meaning: String,
}

pub(super) fn spelled(name: &FlavorName, spelling: Spelling) -> String {
    let mut text = String::from("SCS-");
    for component in components(name, spelling) {
        text.push_str(&component.text);
    }
    text
}

pub(super) fn components(name: &FlavorName, spelling: Spelling) -> Vec<Component> {
    let field = spelling.field_separator();
    let extension = spelling.extension_separator();
    let mut parts = vec![cpus(name), ram(name, field)];
    if let Some(disk_part) = name.disk {
        parts.push(disk(disk_part, field));
    }
    if let Some(hypervisor) = name.hypervisor {
        parts.push(Component {
            text: format!("{extension}{}", hypervisor.code()),
            meaning: format!("hypervisor: {}", hypervisor.meaning()),
        });
    }
    if name.hardware_virtualization {
        parts.push(Component {
            text: format!("{extension}hwv"),
            meaning: "hardware-accelerated (nested) virtualization inside the instance".into(),
        });
    }
    if let Some(brand) = name.cpu_brand {
        parts.push(cpu_brand(brand, extension));
    }
    if let Some(gpu_part) = name.gpu {
        parts.push(gpu(gpu_part, field, extension));
    }
    if name.infiniband {
        parts.push(Component {
            text: format!("{extension}ib"),
            meaning: "InfiniBand networking".into(),
        });
    }
    parts
}

fn flag(set: bool, letter: &str) -> &str {
    if set {
        letter
    } else {
        ""
    }
}

fn cpus(name: &FlavorName) -> Component {
    let plural = if name.cpus == 1 { "" } else { "s" };
    let mut meaning = format!("{} vCPU{plural}, {}", name.cpus, name.cpu_type.meaning());
    if name.insecure {
        meaning.push_str(
            "; insecure (`i`): mitigations against CPU vulnerabilities are not guaranteed",
        );
    }
    Component {
        text: format!(
            "{}{}{}",
            name.cpus,
            name.cpu_type.code(),
            flag(name.insecure, "i")
        ),
        meaning,
    }
}

fn ram(name: &FlavorName, field: char) -> Component {
    let ram = name.ram;
    let mut meaning = format!("{} GiB RAM", ram.gib_text());
    if ram.no_ecc {
        meaning.push_str(", without ECC (`u`)");
    }
    if ram.oversubscribed {
        meaning.push_str(", oversubscribed (`o`)");
    }
    Component {
        text: format!(
            "{field}{}{}{}",
            ram.gib_text(),
            flag(ram.no_ecc, "u"),
            flag(ram.oversubscribed, "o")
        ),
        meaning,
    }
}

fn disk(disk: Disk, field: char) -> Component {
    let count = disk.count.map(|n| format!("{n}x")).unwrap_or_default();
    let size = disk.size.map(|n| n.to_string()).unwrap_or_default();
    let code = disk.disk_type.map(|t| t.code()).unwrap_or_default();
    let how_many = match disk.disks() {
        1 => "one root disk".to_owned(),
        n => format!("{n} independent disks"),
    };
    let size_words = match disk.size {
        Some(gb) => format!("of {gb} GB"),
        None => "sized by the cloud to fit the image (its min_disk or larger)".to_owned(),
    };
    let type_words = disk
        .disk_type
        .map_or("type chosen by the cloud", |t| t.meaning());
    Component {
        text: format!("{field}{count}{size}{code}"),
        meaning: format!("{how_many} {size_words}, {type_words}"),
    }
}

fn cpu_brand(brand: CpuBrand, extension: char) -> Component {
    let mut meaning = format!("CPU: {}", brand.vendor.meaning());
    if let Some(generation) = brand.generation.and_then(|n| brand.vendor.generation(n)) {
        meaning.push_str(&format!(
            ", generation {} ({})",
            generation.number, generation.name
        ));
    }
    if brand.frequency > 0 {
        meaning.push_str(&format!(
            ", all-core frequency {}",
            CPU_FREQUENCIES[usize::from(brand.frequency) - 1]
        ));
    }
    Component {
        text: format!(
            "{extension}{}{}{}",
            brand.vendor.code(),
            brand.generation.map(|n| n.to_string()).unwrap_or_default(),
            "h".repeat(usize::from(brand.frequency))
        ),
        meaning,
    }
}

fn gpu(gpu: Gpu, field: char, extension: char) -> Component {
    let mut text = format!("{extension}{}{}", gpu.kind.code(), gpu.vendor.code());
    let mut meaning = format!("{}: {}", gpu.kind.meaning(), gpu.vendor.meaning());
    if let Some(generation) = gpu.generation {
        text.push_str(generation.code);
        meaning.push_str(&format!(" {}", generation.name));
    }
    if let Some(units) = gpu.units {
        text.push_str(&format!(
            "{field}{}{}",
            units.count,
            "h".repeat(usize::from(units.frequency))
        ));
        meaning.push_str(&format!(", {} {}", units.count, gpu.vendor.units()));
        if units.frequency > 0 {
            meaning.push_str(&format!(
                " at {}",
                GPU_FREQUENCIES[usize::from(units.frequency) - 1]
            ));
        }
        if let Some(vram) = units.vram {
            text.push_str(&format!(
                "{field}{}{}",
                vram.gib,
                flag(vram.high_bandwidth, "h")
            ));
            meaning.push_str(&format!(", {} GiB video memory", vram.gib));
            if vram.high_bandwidth {
                meaning.push_str(" with high bandwidth (HBM)");
            }
        }
    }
    Component { text, meaning }
}
