//! The flavor name parser never panics on any input, and every text it accepts writes back to
//! exactly that text.

#![no_main]

use libfuzzer_sys::fuzz_target;

// The module itself rather than the scs-check package: the package would drag the whole CLI
// (OpenStack client, TLS with C code) into a sanitizer build. The module needs only `std`.
// Not every item of the module is used here.
#[allow(dead_code)]
#[path = "../../src/flavor_name/mod.rs"]
mod flavor_name;

use flavor_name::{Spelling, Version};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for version in Version::ALL {
        if let Ok(name) = flavor_name::parse(text, version) {
            assert_eq!(name.spelled(version.spelling()), text);
            let canonical = name.canonical();
            assert_eq!(canonical.canonical(), canonical);
            let _ = (
                name.short(),
                name.spec().extra_specs(),
                name.name_variants(),
            );
            let _ = name.components(Spelling::V1);
        }
    }
    let _ = flavor_name::explain_rejection(text);
});
