use std::path::Path;
use std::process::Command;

use super::*;
use crate::checks::{Level, Verdict};

/// A result line as the script prints it.
fn line(pair: &str) -> String {
    format!("{MARKER}{pair} #{}", posix_cksum(pair.as_bytes()))
}

/// One copy of a complete report, as the script prints it.
fn report_lines(pairs: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = pairs.iter().map(|pair| line(pair)).collect();
    lines.push(line(&format!("end={}", pairs.len())));
    lines
}

const GOOD: &[&str] = &[
    "start=1",
    "kernel=6.1.0-28-amd64",
    "entropy_avail=256",
    "hwrng_available=none",
    "hwrng_current=none",
    "rngd=not-installed",
    "fips_tool=python3",
    "fips_blocks=1000",
    "fips_failures=1",
    "fips_tests=monobit=0 poker=0 runs=1 long_run=0 continuous_run=0",
];

fn with(replaced: &[(&str, &str)]) -> Vec<String> {
    let pairs: Vec<&str> = GOOD
        .iter()
        .map(|pair| {
            let key = pair.split('=').next().unwrap();
            replaced
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(*pair, |(_, replacement)| *replacement)
        })
        .collect();
    report_lines(&pairs)
}

fn verdicts(report: &GuestReport) -> Vec<Verdict> {
    TESTCASES
        .iter()
        .map(|testcase| judge(testcase, report).verdict)
        .collect()
}

#[test]
fn checksum_is_the_one_of_posix_cksum() {
    // Values printed by coreutils' `cksum`.
    assert_eq!(posix_cksum(b""), 4_294_967_295);
    assert_eq!(posix_cksum(b"start=1"), 164_132_825);
    assert_eq!(posix_cksum("a".repeat(300).as_bytes()), 1_664_553_091);
}

#[test]
fn a_complete_report_decides_all_three_testcases() {
    let report = parse(&with(&[]).join("\n"));
    assert!(report.finished());
    assert_eq!(report.entropy_avail, Reading::Seen(256));
    assert_eq!(report.rngd, Reading::Seen(Rngd::NotInstalled));
    assert_eq!(report.end, Some(10));
    assert_eq!(report.results, 10);
    assert_eq!(verdicts(&report), [Verdict::Pass; 3]);
    let fips = judge(FIPS_TEST, &report);
    assert_eq!(fips.findings[0].level, Level::Info);
    assert!(fips.findings[0].message.contains(
        "1 of 1000 blocks from /dev/random failed FIPS 140-2 (python3; per test: monobit=0"
    ));
    assert!(judge(RNGD, &report).findings[0]
        .message
        .contains("rngd is not installed; hardware RNG of the VM: none. Informational"));
}

#[test]
fn entropy_avail_must_be_256() {
    for (value, verdict) in [
        ("256", Verdict::Pass),
        ("4096", Verdict::Fail),
        ("255", Verdict::Fail),
    ] {
        let pair = format!("entropy_avail={value}");
        let outcome = judge(
            ENTROPY_AVAIL,
            &parse(&with(&[("entropy_avail", &pair)]).join("\n")),
        );
        assert_eq!(outcome.verdict, verdict, "{value}");
    }
    let outcome = judge(
        ENTROPY_AVAIL,
        &parse(&with(&[("entropy_avail", "entropy_avail=3721")]).join("\n")),
    );
    assert!(outcome.findings[0].message.contains(
        "entropy_avail is 3721, must be 256 (pinned since kernel 5.18); the VM runs kernel 6.1.0-28-amd64"
    ));
}

#[test]
fn fips_failures_must_be_below_five_of_1000_blocks() {
    for (failures, verdict, level) in [
        (0, Verdict::Pass, Level::Info),
        (3, Verdict::Pass, Level::Info),
        (4, Verdict::Pass, Level::Warning),
        // Upstream's code passes 5; the text says "below 5".
        (5, Verdict::Fail, Level::Error),
        (1000, Verdict::Fail, Level::Error),
    ] {
        let pair = format!("fips_failures={failures}");
        let outcome = judge(
            FIPS_TEST,
            &parse(&with(&[("fips_failures", &pair)]).join("\n")),
        );
        assert_eq!(
            (outcome.verdict, outcome.findings[0].level),
            (verdict, level),
            "{failures}"
        );
    }
}

#[test]
fn a_fips_test_of_fewer_blocks_or_one_that_failed_aborts() {
    let short = parse(&with(&[("fips_blocks", "fips_blocks=999")]).join("\n"));
    let outcome = judge(FIPS_TEST, &short);
    assert_eq!(outcome.verdict, Verdict::Abort);
    assert!(outcome.findings[0]
        .message
        .contains("covered 999 blocks, not 1000"));

    let mut lines = report_lines(&[
        "start=1",
        "entropy_avail=256",
        "fips_tool=rngtest",
        "fips_error=rngtest: rngtest: entropy source drained",
    ]);
    lines.insert(0, "unrelated".into());
    let outcome = judge(FIPS_TEST, &parse(&lines.join("\n")));
    assert_eq!(outcome.verdict, Verdict::Abort);
    assert_eq!(
        outcome.findings[0].message,
        "the VM could not measure FIPS 140-2 result: rngtest: rngtest: entropy source drained"
    );
}

#[test]
fn the_guest_reporting_it_cannot_read_entropy_avail_aborts() {
    let report = parse(
        &with(&[(
            "entropy_avail",
            "entropy_avail_error=cannot read /proc/sys/kernel/random/entropy_avail",
        )])
        .join("\n"),
    );
    let outcome = judge(ENTROPY_AVAIL, &report);
    assert_eq!(outcome.verdict, Verdict::Abort);
    assert!(outcome.findings[0]
        .message
        .contains("could not measure entropy_avail"));
}

#[test]
fn rngd_is_informational_in_every_state() {
    for (state, shown) in [
        ("running", "rngd is running"),
        ("installed-not-running", "rngd is installed but not running"),
        ("not-installed", "rngd is not installed"),
    ] {
        let pair = format!("rngd={state}");
        let outcome = judge(RNGD, &parse(&with(&[("rngd", &pair)]).join("\n")));
        assert_eq!(outcome.verdict, Verdict::Pass);
        assert_eq!(outcome.findings[0].level, Level::Info);
        assert!(outcome.findings[0].message.starts_with(shown), "{state}");
    }
    let outcome = judge(RNGD, &parse(&with(&[("rngd", "rngd=sleeping")]).join("\n")));
    assert_eq!(outcome.verdict, Verdict::Abort);
    assert!(outcome.findings[0]
        .message
        .contains("rngd is `sleeping`, which makes no sense"));
}

#[test]
fn markers_are_found_behind_prefixes_escape_sequences_and_carriage_returns() {
    let lines: Vec<String> = with(&[])
        .into_iter()
        .enumerate()
        .map(|(i, line)| match i % 3 {
            0 => format!("[   12.345678] cloud-init[612]: {line}\r"),
            1 => format!("\u{1b}[0;32m\u{1b}]0;title\u{7}{line}\u{1b}[0m\r"),
            _ => format!("\u{1b}[K{line}\t  "),
        })
        .collect();
    let report = parse(&lines.join("\r\n"));
    assert_eq!(report.damaged_lines, 0);
    assert_eq!(verdicts(&report), [Verdict::Pass; 3]);
}

#[test]
fn a_line_cut_by_a_kernel_message_is_rejoined_when_the_checksum_matches() {
    let mut lines = with(&[]);
    let fips = lines
        .iter()
        .position(|l| l.contains("fips_failures"))
        .unwrap();
    let (start, rest) = lines[fips].split_at(lines[fips].len() - 8);
    let (start, rest) = (start.to_owned(), rest.to_owned());
    lines[fips] = format!("{start}[   20.123456] random: crng reseeded");
    lines.insert(fips + 1, "[   20.123499] another kernel message".into());
    lines.insert(fips + 2, rest);
    let report = parse(&lines.join("\n"));
    assert_eq!(report.damaged_lines, 0);
    assert_eq!(judge(FIPS_TEST, &report).verdict, Verdict::Pass);
}

#[test]
fn a_damaged_copy_is_made_good_by_the_other() {
    let mut first = with(&[]);
    let entropy = first
        .iter()
        .position(|l| l.contains("entropy_avail"))
        .unwrap();
    // A serial line dropping a character turns 256 into 26: the checksum catches it.
    first[entropy] = first[entropy].replace("=256", "=26");
    let second = with(&[]);
    let report = parse(&[first.clone(), second].concat().join("\n"));
    assert_eq!(report.damaged_lines, 1);
    assert_eq!(report.entropy_avail, Reading::Seen(256));

    // The first copy alone is not the end of the wait: the second may supply the line.
    let report = parse(&first.join("\n"));
    assert!(!report.finished());
    // Without the second copy, the value is not guessed.
    let outcome = judge(ENTROPY_AVAIL, &report);
    assert_eq!(outcome.verdict, Verdict::Abort);
    assert!(outcome.findings[0].message.contains(
        "no intact entropy_avail line on the console: the script finished, but the line was lost \
         or damaged on the console (9 of 10 results intact); 1 damaged result lines"
    ));
}

#[test]
fn intact_lines_that_disagree_abort() {
    let lines = [with(&[]), with(&[("fips_failures", "fips_failures=7")])].concat();
    let report = parse(&lines.join("\n"));
    let outcome = judge(FIPS_TEST, &report);
    assert_eq!(outcome.verdict, Verdict::Abort);
    assert!(outcome.findings[0]
        .message
        .contains("the console shows different values of fips_failures"));
    assert_eq!(judge(ENTROPY_AVAIL, &report).verdict, Verdict::Pass);
}

#[test]
fn a_cut_log_is_unfinished_and_aborts_only_what_it_lacks() {
    let lines = with(&[]);
    let upto_rngd = lines.iter().position(|l| l.contains("rngd=")).unwrap() + 1;
    let report = parse(&lines[..upto_rngd].join("\n"));
    assert!(!report.finished());
    assert_eq!(
        verdicts(&report),
        [Verdict::Pass, Verdict::Abort, Verdict::Pass]
    );
    assert!(judge(FIPS_TEST, &report).findings[0]
        .message
        .ends_with("the console output ends before the script finished"));

    let report = parse("[    0.000000] Linux version 6.1.0-28-amd64\n");
    assert!(!report.finished());
    assert_eq!(verdicts(&report), [Verdict::Abort; 3]);
    assert!(judge(RNGD, &report).findings[0]
        .message
        .ends_with("the script's output has not appeared on the console"));
}

#[test]
fn cloud_init_giving_up_or_finishing_without_the_script_ends_the_wait() {
    let failed =
        "[   30.1] cloud-init[700]: 2024-11-19 20:00:00,000 - cc_scripts_user.py[WARNING]: \
                  Failed to run module scripts_user (scripts in /var/lib/cloud/instance/scripts)";
    let report = parse(failed);
    assert!(report.finished() && report.script_failed);
    assert!(judge(ENTROPY_AVAIL, &report).findings[0]
        .message
        .ends_with("cloud-init reported that it could not run the user data script"));

    let done = "cloud-init[720]: Cloud-init v. 22.4.2 finished at Tue, 19 Nov 2024 20:00:01 \
                +0000. Datasource DataSourceNoCloud [seed=/dev/sr0][dsmode=net].  Up 31.02 seconds";
    let report = parse(done);
    assert!(report.finished() && !report.script_failed);
    assert!(judge(FIPS_TEST, &report).findings[0]
        .message
        .contains("cloud-init finished without the script's end line"));
}

#[test]
fn an_unknown_testcase_aborts() {
    let outcome = judge("scs-0101-flavor-property", &parse(&with(&[]).join("\n")));
    assert_eq!(outcome.verdict, Verdict::Abort);
}

/// Runs the user data on this machine with the test hooks, FIPS input from `source`.
fn run_script(source: &Path, tool: &str, path: Option<&Path>) -> GuestReport {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(user_data())
        .env("SCS_ENTROPY_SOURCE", source)
        .env("SCS_ENTROPY_FIPS_TOOL", tool)
        .env("SCS_ENTROPY_OUT", "/dev/stdout")
        .env("SCS_ENTROPY_REPEAT_DELAY", "0");
    if let Some(path) = path {
        let system = std::env::var("PATH").unwrap_or_default();
        command.env("PATH", format!("{}:{system}", path.display()));
    }
    let output = command.output().expect("sh runs");
    assert!(output.status.success(), "{output:?}");
    let console = String::from_utf8(output.stdout).expect("the script prints text");
    let report = parse(&console);
    assert!(report.finished(), "{console}");
    assert_eq!(report.damaged_lines, 0, "{console}");
    report
}

fn fips(report: &GuestReport) -> &Fips {
    match &report.fips {
        Reading::Seen(fips) => fips,
        other => panic!("no FIPS result: {other:?}"),
    }
}

/// Bytes whose bits are 1 with probability `ones_in_256 / 256` (splitmix64 as the source,
/// so the test never depends on luck).
fn stream(ones_in_256: u64, bytes: usize) -> Vec<u8> {
    let mut state: u64 = 0x5eed_0101;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    (0..bytes)
        .map(|_| {
            // One byte of randomness per bit, compared with the threshold.
            next().to_le_bytes().iter().fold(0, |byte, &r| {
                byte << 1 | u8::from(u64::from(r) < ones_in_256)
            })
        })
        .collect()
}

const FIPS_INPUT: usize = 4 + 2500 * 1000;

#[test]
fn the_embedded_python_fips_test_passes_good_randomness_and_fails_bias() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good");
    std::fs::write(&good, stream(128, FIPS_INPUT)).unwrap();
    let report = run_script(&good, "python3", None);
    let result = fips(&report);
    assert_eq!((result.tool.as_str(), result.blocks), ("python3", 1000));
    assert!(result.failures <= 3, "{result:?}");
    assert_eq!(verdicts(&report)[1], Verdict::Pass);
    // The host's own values, whatever they are, come through intact.
    assert!(matches!(report.entropy_avail, Reading::Seen(_)));
    assert!(matches!(report.rngd, Reading::Seen(_)));

    // 52 % ones: nearly every block fails the monobit test.
    let biased = dir.path().join("biased");
    std::fs::write(&biased, stream(133, FIPS_INPUT)).unwrap();
    let report = run_script(&biased, "python3", None);
    let result = fips(&report);
    assert!(result.failures > 900, "{result:?}");
    assert!(result.per_test.starts_with("monobit=9"), "{result:?}");
    assert_eq!(judge(FIPS_TEST, &report).verdict, Verdict::Fail);

    // Repeated 32-bit words: the continuous run test.
    let stuck = dir.path().join("stuck");
    std::fs::write(&stuck, [0x5a, 0xa5, 0x3c, 0xc3].repeat(FIPS_INPUT / 4)).unwrap();
    let result = fips(&run_script(&stuck, "python3", None)).clone();
    assert_eq!(result.failures, 1000);
    assert!(
        result.per_test.contains("continuous_run=1000"),
        "{result:?}"
    );

    // A source stuck at zero: every test fails, and the verdict is a FAIL (a block without a
    // single one-bit has no runs of ones at all, which must not stop the test).
    let zeros = dir.path().join("zeros");
    std::fs::write(&zeros, vec![0; FIPS_INPUT]).unwrap();
    let report = run_script(&zeros, "python3", None);
    assert_eq!(fips(&report).failures, 1000, "{:?}", fips(&report));
    assert_eq!(judge(FIPS_TEST, &report).verdict, Verdict::Fail);

    // Too little input: fewer blocks, which aborts.
    let short = dir.path().join("short");
    std::fs::write(&short, stream(128, 4 + 2500 * 10)).unwrap();
    let report = run_script(&short, "python3", None);
    assert_eq!(fips(&report).blocks, 10);
    assert_eq!(judge(FIPS_TEST, &report).verdict, Verdict::Abort);
}

#[test]
fn the_embedded_python_fips_test_on_dev_urandom() {
    let result = fips(&run_script(Path::new("/dev/urandom"), "python3", None)).clone();
    assert_eq!(result.blocks, 1000);
    // A good source fails about 0.9 blocks per 1000; 10 or more happen in fewer than one run in 10^7.
    assert!(result.failures < 10, "{result:?}");
}

#[test]
fn rngtest_output_is_read_by_the_script() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/console/rngtest-5-stderr.txt"
    );
    let fake = dir.path().join("rngtest");
    std::fs::write(&fake, format!("#!/bin/sh\ncat '{recorded}' >&2\nexit 1\n")).unwrap();
    Command::new("chmod").arg("+x").arg(&fake).status().unwrap();
    let report = run_script(Path::new("/dev/null"), "rngtest", Some(dir.path()));
    assert_eq!(
        fips(&report),
        &Fips {
            tool: "rngtest".into(),
            blocks: 1000,
            failures: 1,
            per_test: "monobit=1 poker=0 runs=0 long_run=0 continuous_run=0".into(),
        }
    );
}

/// The recorded consoles in fixtures/console/ (see its README).
const RECORDED: &[&str] = &["debian-bookworm-python", "debian-bookworm-rngtest"];

fn console(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/console")
        .join(format!("{name}.log"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn recorded_consoles_of_real_guests_pass() {
    for (name, tool, rngd, hwrng) in [
        (
            "debian-bookworm-python",
            "python3",
            Rngd::NotInstalled,
            "none",
        ),
        (
            "debian-bookworm-rngtest",
            "rngtest",
            Rngd::Running,
            "virtio_rng.0",
        ),
    ] {
        let report = parse(&console(name));
        assert!(report.finished() && report.cloud_init_finished, "{name}");
        assert!(!report.script_failed, "{name}");
        assert_eq!(report.damaged_lines, 0, "{name}");
        assert_eq!(report.kernel.as_deref(), Some("6.1.0-50-amd64"), "{name}");
        assert_eq!(report.entropy_avail, Reading::Seen(256), "{name}");
        assert_eq!(
            (fips(&report).tool.as_str(), fips(&report).blocks),
            (tool, 1000)
        );
        assert_eq!(report.rngd, Reading::Seen(rngd), "{name}");
        assert_eq!(report.hwrng.as_deref(), Some(hwrng), "{name}");
        assert_eq!(verdicts(&report), [Verdict::Pass; 3], "{name}");
    }
}

#[test]
fn a_recorded_console_cut_during_the_fips_test_decides_only_what_it_shows() {
    for name in RECORDED {
        let report = parse(&console(&format!("{name}-truncated")));
        assert!(!report.finished(), "{name}");
        assert_eq!(
            verdicts(&report),
            [Verdict::Pass, Verdict::Abort, Verdict::Pass],
            "{name}"
        );
        assert!(judge(FIPS_TEST, &report).findings[0]
            .message
            .contains("the console output ends before the script finished"));
    }
}

#[test]
fn a_garbled_recorded_console_never_passes() {
    for name in RECORDED {
        let report = parse(&console(&format!("{name}-garbled")));
        assert_eq!(report.results, 0, "{name}");
        assert_eq!(report.damaged_lines, 22, "{name}");
        // cloud-init's closing line still ends the wait.
        assert!(report.finished(), "{name}");
        assert_eq!(verdicts(&report), [Verdict::Abort; 3], "{name}");
    }
}

#[test]
fn a_recorded_console_with_interleaved_kernel_messages_and_lost_lines_still_decides() {
    for name in RECORDED {
        let original = parse(&console(name));
        let report = parse(&console(&format!("{name}-interleaved")));
        assert_eq!(report.damaged_lines, 0, "{name}");
        // The same results; only how many end lines survived differs.
        assert_eq!(
            GuestReport {
                end_lines: original.end_lines,
                ..report
            },
            original,
            "{name}"
        );
    }
}

#[test]
fn no_single_damaged_character_changes_a_verdict() {
    let lines = with(&[
        ("entropy_avail", "entropy_avail=4096"),
        ("fips_failures", "fips_failures=7"),
    ]);
    let original = verdicts(&parse(&lines.join("\n")));
    assert_eq!(original, [Verdict::Fail, Verdict::Fail, Verdict::Pass]);
    for (index, line) in lines.iter().enumerate() {
        for (at, c) in line.char_indices() {
            let rest = &line[at + c.len_utf8()..];
            for damaged in [
                format!("{}{rest}", &line[..at]),
                format!("{}{}{rest}", &line[..at], if c == '2' { '3' } else { '2' }),
            ] {
                let mut copy = lines.clone();
                copy[index] = damaged.clone();
                let got = verdicts(&parse(&copy.join("\n")));
                for (got, original) in got.iter().zip(&original) {
                    assert!(
                        got == original || *got == Verdict::Abort,
                        "{damaged}: {got:?} instead of {original:?}"
                    );
                }
            }
        }
    }
}
