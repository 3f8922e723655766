//! `report sign` / `report verify` against the real `ssh-keygen` (Debian package
//! openssh-client), both ways: what one signs, the other verifies; tampered reports fail both.

mod common;

use std::path::Path;
use std::process::Command;

use common::{scs_check, ssh_keygen_key, text};

/// `ssh-keygen -Y verify` as the compliance monitor runs it.
fn ssh_keygen_verifies(dir: &Path, report: &Path, signature: &Path) -> bool {
    let public = std::fs::read_to_string(dir.join("key.pub")).unwrap();
    let allowed = dir.join("allowed_signers");
    std::fs::write(&allowed, format!("someone {public}")).unwrap();
    Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(&allowed)
        .args(["-I", "someone", "-n", "report", "-s"])
        .arg(signature)
        .stdin(std::fs::File::open(report).unwrap())
        .output()
        .unwrap()
        .status
        .success()
}

fn ssh_keygen_sign(key: &Path, report: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", "report", "-f"])
        .arg(key)
        .arg(report)
        .status()
        .unwrap();
    assert!(status.success());
}

fn scs_verify(dir: &Path, report: &Path, signature: &Path) -> (i32, String, String) {
    let output = scs_check(dir)
        .args(["report", "verify"])
        .arg(report)
        .arg("--signature")
        .arg(signature)
        .arg("--public-key")
        .arg(dir.join("key"))
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    (output.status.code().unwrap(), stdout, stderr)
}

#[test]
fn our_signature_is_the_one_ssh_keygen_makes_and_both_verify_it() {
    let dir = tempfile::tempdir().unwrap();
    let key = ssh_keygen_key(dir.path(), "key", None);
    let report = dir.path().join("report.yaml");
    std::fs::write(
        &report,
        "---\nsubject: \"demo\"\nchecked_at: 2026-11-21 12:00:00\n",
    )
    .unwrap();
    let output = scs_check(dir.path())
        .args(["report", "sign"])
        .arg(&report)
        .arg("--key")
        .arg(&key)
        .output()
        .unwrap();
    assert!(output.status.success(), "{:?}", text(&output));
    let ours = dir.path().join("report.yaml.sig");
    let armored = std::fs::read_to_string(&ours).unwrap();
    assert!(armored.starts_with("-----BEGIN SSH SIGNATURE-----\n"));
    assert!(armored.ends_with("-----END SSH SIGNATURE-----\n"));
    assert!(ssh_keygen_verifies(dir.path(), &report, &ours));

    // ed25519 is deterministic: ssh-keygen's signature of the same bytes is the same file.
    let theirs_report = dir.path().join("theirs.yaml");
    std::fs::copy(&report, &theirs_report).unwrap();
    ssh_keygen_sign(&key, &theirs_report);
    let theirs = dir.path().join("theirs.yaml.sig");
    assert_eq!(std::fs::read_to_string(&theirs).unwrap(), armored);
    let (code, stdout, _) = scs_verify(dir.path(), &theirs_report, &theirs);
    assert_eq!(code, 0);
    assert!(stdout.contains("valid signature by SHA256:"), "{stdout}");
}

#[cfg(unix)]
#[test]
fn a_private_key_others_can_read_is_used_but_named() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let key = ssh_keygen_key(dir.path(), "key", None);
    let report = dir.path().join("r.yaml");
    std::fs::write(&report, "x: 1\n").unwrap();
    let sign = || {
        let output = scs_check(dir.path())
            .args(["report", "sign"])
            .arg(&report)
            .arg("--key")
            .arg(&key)
            .output()
            .unwrap();
        assert!(output.status.success());
        text(&output).1
    };
    assert!(!sign().contains("warning"), "ssh-keygen writes keys 0600");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let stderr = sign();
    assert!(stderr.contains("can be read by other users"), "{stderr}");
    assert!(stderr.contains("chmod 600"), "{stderr}");
}

#[test]
fn tampered_reports_are_rejected_by_both() {
    let dir = tempfile::tempdir().unwrap();
    let key = ssh_keygen_key(dir.path(), "key", None);
    let report = dir.path().join("report.yaml");
    std::fs::write(&report, "results: {a: -1}\n").unwrap();
    ssh_keygen_sign(&key, &report);
    let signature = dir.path().join("report.yaml.sig");
    std::fs::write(&report, "results: {a: 1}\n").unwrap();
    assert!(!ssh_keygen_verifies(dir.path(), &report, &signature));
    let (code, _, stderr) = scs_verify(dir.path(), &report, &signature);
    assert_eq!(code, 1);
    assert!(stderr.contains("INVALID signature"), "{stderr}");
    assert!(stderr.contains("changed after signing"), "{stderr}");

    // Signed by a key that is not the one given.
    let other = ssh_keygen_key(dir.path(), "other", None);
    std::fs::remove_file(&signature).unwrap();
    ssh_keygen_sign(&other, &report);
    let (code, _, stderr) = scs_verify(dir.path(), &report, &signature);
    assert_eq!(code, 1);
    assert!(stderr.contains("signed by another key"), "{stderr}");
}

#[test]
fn encrypted_keys_take_the_passphrase_from_a_file_or_the_environment_only() {
    let dir = tempfile::tempdir().unwrap();
    let key = ssh_keygen_key(dir.path(), "key", Some("sesame-42"));
    let report = dir.path().join("r.yaml");
    std::fs::write(&report, "x: 1\n").unwrap();
    let sign = |configure: &dyn Fn(&mut assert_cmd::Command)| {
        let mut command = scs_check(dir.path());
        command
            .args(["report", "sign"])
            .arg(&report)
            .arg("--key")
            .arg(&key);
        configure(&mut command);
        let output = command.output().unwrap();
        let (stdout, stderr) = text(&output);
        assert!(!stdout.contains("sesame") && !stderr.contains("sesame"));
        (output.status.code().unwrap(), stderr)
    };
    let (code, stderr) = sign(&|_| {});
    assert_eq!(code, 2);
    assert!(stderr.contains("SCS_KEY_PASSPHRASE"), "{stderr}");
    let (code, stderr) = sign(&|c| {
        c.env("SCS_KEY_PASSPHRASE", "wrong");
    });
    assert_eq!(code, 2);
    assert!(stderr.contains("wrong passphrase"), "{stderr}");
    let file = dir.path().join("passphrase");
    std::fs::write(&file, "sesame-42\n").unwrap();
    let (code, stderr) = sign(&|c| {
        c.arg("--passphrase-file").arg(&file);
    });
    assert_eq!(code, 0, "{stderr}");
    assert!(ssh_keygen_verifies(
        dir.path(),
        &report,
        &dir.path().join("r.yaml.sig")
    ));
    let (code, _) = sign(&|c| {
        c.env("SCS_KEY_PASSPHRASE", "sesame-42");
    });
    assert_eq!(code, 0);
}
