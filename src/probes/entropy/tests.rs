use super::*;

fn image(name: &str, distro: &str, version: &str) -> Image {
    Image {
        id: format!("id-{name}"),
        name: name.to_owned(),
        visibility: "public".to_owned(),
        status: "active".to_owned(),
        os_distro: Some(distro.to_owned()),
        os_version: Some(version.to_owned()),
        min_disk: Some(0),
        min_ram: Some(0),
        size: Some(GIB / 2),
        virtual_size: None,
        created_at: "2026-01-01T00:00:00Z".to_owned(),
    }
}

fn flavor(name: &str, vcpus: u64, ram: u64, disk: u64, rng: bool) -> Flavor {
    let specs = [(
        "hw_rng:allowed".to_owned(),
        if rng { "True" } else { "False" }.to_owned(),
    )];
    Flavor {
        id: format!("id-{name}"),
        name: name.to_owned(),
        vcpus,
        ram,
        disk,
        disabled: false,
        extra_specs: Some(specs.into_iter().collect()),
    }
}

#[test]
fn debian_beats_ubuntu_and_the_newest_version_wins() {
    let images = vec![
        image("Ubuntu 24.04", "ubuntu", "24.04"),
        image("Debian 11", "debian", "11"),
        image("Debian 12", "debian", "bookworm"),
        image("Debian 10", "debian", "10"),
        image("openSUSE", "opensuse", "15.6"),
    ];
    assert_eq!(choose_image(&images, None).unwrap().name, "Debian 12");
    let ubuntus = vec![
        image("Ubuntu 22.04", "ubuntu", "22.04"),
        image("Ubuntu 24.04", "ubuntu", "24.04"),
        image("Ubuntu 24.10", "ubuntu", "24.10"),
        image("Ubuntu 20.04", "ubuntu", "20.04"),
    ];
    assert_eq!(choose_image(&ubuntus, None).unwrap().name, "Ubuntu 24.10");
}

#[test]
fn private_inactive_and_other_distros_are_never_chosen_unasked() {
    let mut private = image("Debian 13", "debian", "13");
    private.visibility = "private".to_owned();
    let mut queued = image("Debian 14", "debian", "14");
    queued.status = "queued".to_owned();
    let images = vec![private, queued, image("Fedora", "fedora", "41")];
    let error = choose_image(&images, None).unwrap_err();
    assert!(error.contains("--probe-image"), "{error}");
    // Named explicitly, a private image is the user's choice.
    assert_eq!(
        choose_image(&images, Some("Debian 13")).unwrap().id,
        "id-Debian 13"
    );
    assert_eq!(
        choose_image(&images, Some("id-Fedora")).unwrap().name,
        "Fedora"
    );
    assert!(choose_image(&images, Some("nope")).is_err());
    let twins = vec![image("x", "debian", "12"), image("x", "debian", "12")];
    assert!(choose_image(&twins, Some("x"))
        .unwrap_err()
        .contains("give an id"));
}

#[test]
fn the_smallest_fitting_flavor_allowing_an_rng_is_chosen() {
    let mut debian = image("Debian 12", "debian", "12");
    debian.min_disk = Some(8);
    debian.min_ram = Some(512);
    let flavors = vec![
        flavor("SCS-4V-16-100s", 4, 16384, 100, true),
        flavor("SCS-1L-1", 1, 1024, 0, true),
        flavor("SCS-2V-4-20s", 2, 4096, 20, true),
        flavor("tiny-no-rng", 1, 512, 10, false),
        flavor("too-small-disk", 1, 1024, 5, true),
        flavor("too-little-ram", 1, 256, 10, true),
    ];
    // SCS-1L-1 boots from an 8 GiB volume: still smaller than 2 vCPUs with 20 GiB.
    assert_eq!(
        choose_flavor(&flavors, &debian, None).unwrap().name,
        "SCS-1L-1"
    );
    // Without a flavor allowing the RNG, the smallest of the others.
    let plain = vec![
        flavor("b", 2, 2048, 10, false),
        flavor("a", 1, 2048, 10, false),
    ];
    assert_eq!(choose_flavor(&plain, &debian, None).unwrap().name, "a");
    let mut disabled = flavor("SCS-1L-1", 1, 1024, 0, true);
    disabled.disabled = true;
    assert!(choose_flavor(&[disabled], &debian, None)
        .unwrap_err()
        .contains("--probe-flavor"));
}

#[test]
fn a_named_flavor_is_taken_as_given_by_id_first() {
    let debian = image("Debian 12", "debian", "12");
    let flavors = vec![
        flavor("big", 8, 32768, 100, false),
        flavor("id-big", 1, 1024, 10, false),
    ];
    assert_eq!(
        choose_flavor(&flavors, &debian, Some("id-big"))
            .unwrap()
            .name,
        "big"
    );
    assert_eq!(
        choose_flavor(&flavors, &debian, Some("big")).unwrap().name,
        "big"
    );
    assert!(choose_flavor(&flavors, &debian, Some("none")).is_err());
}

#[test]
fn a_disk_fits_the_image_unpacked() {
    let mut raw = image("Debian 12", "debian", "12");
    raw.size = Some(2 * GIB + 1);
    assert_eq!(raw.needed_disk_gib(), 3);
    raw.virtual_size = Some(4 * GIB);
    assert_eq!(raw.needed_disk_gib(), 4);
    raw.min_disk = Some(8);
    assert_eq!(raw.needed_disk_gib(), 8);
    let empty = Image {
        size: None,
        ..image("x", "debian", "12")
    };
    assert_eq!(empty.needed_disk_gib(), 1);
}

#[test]
fn microversions_and_the_version_document_url() {
    assert_eq!(parse_microversion("2.96"), Some((2, 96)));
    assert_eq!(parse_microversion(""), None);
    assert!(parse_microversion("2.37").unwrap() >= NETWORKLESS);
    assert!(parse_microversion("2.36").unwrap() < NETWORKLESS);
    for (catalog, root) in [
        ("http://h:8774/v2.1", "http://h:8774/v2.1/"),
        ("http://h:8774/v2.1/", "http://h:8774/v2.1/"),
        ("http://h/compute/v2.1/0123abcd", "http://h/compute/v2.1/"),
        ("http://h/compute", "http://h/compute"),
    ] {
        let url = url::Url::parse(catalog).unwrap();
        assert_eq!(version_root(&url).as_str(), root, "{catalog}");
    }
}

#[test]
fn the_console_tail_is_short_and_withholds_what_may_be_secret() {
    let long = "x".repeat(500);
    let console = format!(
        "early line\n\u{1b}[0mboot\r\n\nci-info: password for debian is Xy12\nssh key fingerprint\n{long}\nlast"
    );
    let tail = tail(&console);
    assert!(!tail.contains("Xy12"), "{tail}");
    assert!(tail.contains("[line withheld"), "{tail}");
    assert!(tail.ends_with("| last"), "{tail}");
    assert!(tail.len() < 400, "{tail}");
    assert!(!tail.contains('\u{1b}'));
    assert_eq!(super::tail(""), "(none)");
    let many: String = (0..50).map(|i| format!("line {i}\n")).collect();
    assert!(super::tail(&many).starts_with("line 42 |"));
}

#[test]
fn after_the_deadline_only_what_the_guest_could_not_report_aborts() {
    let guest = Guest {
        report: entropy_guest::parse("FAKE CONSOLE OUTPUT\nANOTHER\nLAST LINE"),
        unfinished: Some("the guest did not report within 9 s".to_owned()),
    };
    let outcomes = guest.judge(&testcases());
    assert_eq!(outcomes.len(), 3);
    for outcome in outcomes.values() {
        assert_eq!(outcome.verdict, Verdict::Abort);
        let message = &outcome.findings[0].message;
        assert!(
            message.starts_with("the guest did not report within 9 s ("),
            "{message}"
        );
    }
}
