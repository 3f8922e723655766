//! `report upload` (the real binary) against the fake compliance monitor of
//! `tests/common/monitor.rs`, which keeps the real one's contract.

mod common;
#[path = "common/monitor.rs"]
mod monitor;

use std::path::Path;

use common::{scs_check, text};
use monitor::{Setup, ACCOUNT, PASSWORD, SEPARATOR, SOLO};

impl Setup {
    /// Runs `report upload` in a blocking task; returns exit code, stdout, stderr.
    async fn upload(
        &self,
        monitor: &str,
        reports: &[&Path],
        args: &[&str],
    ) -> (i32, String, String) {
        let mut command = scs_check(self.dir.path());
        command
            .args(["report", "upload", "--monitor", monitor])
            .args(reports)
            .args(args);
        if !args.contains(&"--account") {
            command.args(["--account", ACCOUNT]);
        }
        if !args.contains(&"--key") {
            command.arg("--key").arg(self.path("key"));
        }
        if !args.contains(&"--password-file") {
            command.env("SCS_MONITOR_PASSWORD", PASSWORD);
        }
        let output = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        let (stdout, stderr) = text(&output);
        (output.status.code().unwrap(), stdout, stderr)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_lands_once_and_a_second_upload_is_a_note_not_an_error() {
    let setup = Setup::new();
    let server = setup.monitor(0).await;
    let report = setup.report(ACCOUNT);
    let (code, stdout, stderr) = setup.upload(&server.uri(), &[&report], &[]).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("acme.yaml: accepted by"), "{stdout}");

    // The body is the armored signature, `&`, and the report bytes exactly.
    let requests = server.received_requests().await.unwrap();
    let body = &requests[0].body;
    let at = body
        .windows(SEPARATOR.len())
        .position(|w| w == SEPARATOR)
        .unwrap();
    assert!(body.starts_with(b"-----BEGIN SSH SIGNATURE-----\n"));
    assert_eq!(
        &body[at + SEPARATOR.len()..],
        std::fs::read(&report).unwrap()
    );

    let password_file = setup.path("password").display().to_string();
    let (code, stdout, _) = setup
        .upload(
            &server.uri(),
            &[&report],
            &["--password-file", &password_file],
        )
        .await;
    assert_eq!(code, 0);
    assert!(stdout.contains("already present"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_say_why_exit_1_and_never_show_the_password() {
    let setup = Setup::new();
    let server = setup.monitor(0).await;
    let own = setup.report(ACCOUNT);
    let foreign = setup.report("other-cloud");

    // Wrong password, even with debug logs: the message points at the password's sources.
    let wrong = setup.path("wrong-password");
    std::fs::write(&wrong, "Wr0ng-Secret-pw").unwrap();
    let (code, stdout, stderr) = setup
        .upload(
            &server.uri(),
            &[&own],
            &["--password-file", wrong.to_str().unwrap(), "-vv"],
        )
        .await;
    assert_eq!(code, 1);
    assert!(
        stderr.contains("Incorrect username or password"),
        "{stderr}"
    );
    assert!(stderr.contains("--password-file"), "{stderr}");
    for secret in ["Wr0ng-Secret-pw", PASSWORD, "YWNtZT"] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{stdout}{stderr}"
        );
    }

    // A key the monitor does not know for the account.
    let stranger = setup.path("stranger").display().to_string();
    let (code, _, stderr) = setup
        .upload(&server.uri(), &[&own], &["--key", &stranger])
        .await;
    assert_eq!(code, 1);
    assert!(stderr.contains("verification failed"), "{stderr}");
    assert!(
        stderr.contains("not registered for account acme"),
        "{stderr}"
    );

    // One report of a subject that did not make the account its delegate, among good ones:
    // the good one lands, the exit code says that not all did.
    let (code, stdout, stderr) = setup.upload(&server.uri(), &[&foreign, &own], &[]).await;
    assert_eq!(code, 1);
    assert!(
        stderr.contains("other-cloud.yaml: NOT uploaded"),
        "{stderr}"
    );
    assert!(stderr.contains("delegation problem?"), "{stderr}");
    assert!(
        stderr.contains("does not list acme as a delegate"),
        "{stderr}"
    );
    assert!(stdout.contains("acme.yaml: accepted"), "{stdout}");

    // A delegate without the role append_any: the monitor checks the role first.
    let delegated = setup.report("delegated-good");
    let (code, _, stderr) = setup
        .upload(&server.uri(), &[&delegated], &["--account", SOLO])
        .await;
    assert_eq!(code, 1);
    assert!(stderr.contains("401 Permission denied"), "{stderr}");
    assert!(stderr.contains("role append_any for solo"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_of_several_reports_with_one_present_already_goes_again_report_by_report() {
    let setup = Setup::new();
    let server = setup.monitor(0).await;
    let old = setup.report(ACCOUNT);
    let new = setup.report("delegated-good");
    let (code, ..) = setup.upload(&server.uri(), &[&old], &[]).await;
    assert_eq!(code, 0);
    let both = setup.path("both.yaml");
    let mut text = std::fs::read(&new).unwrap();
    text.extend(std::fs::read(&old).unwrap());
    std::fs::write(&both, text).unwrap();

    // The monitor stores a file all or nothing: its 409 does not mean the new one is there.
    let (code, stdout, stderr) = setup.upload(&server.uri(), &[&both], &[]).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("both.yaml (report 1 of 2): accepted"),
        "{stdout}"
    );
    assert!(
        stdout.contains("both.yaml (report 2 of 2): already present"),
        "{stdout}"
    );
    let (code, stdout, _) = setup.upload(&server.uri(), &[&new], &[]).await;
    assert_eq!(code, 0);
    assert!(stdout.contains("already present"), "{stdout}");
    // first upload, the file, its two reports, the new one alone
    assert_eq!(server.received_requests().await.unwrap().len(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_with_one_refused_report_still_delivers_the_others() {
    let setup = Setup::new();
    let server = setup.monitor(0).await;
    let own = setup.report(ACCOUNT);
    let foreign = setup.report("other-cloud");
    let combined = setup.path("combined.yaml");
    let mut text = std::fs::read(&foreign).unwrap();
    text.extend(std::fs::read(&own).unwrap());
    std::fs::write(&combined, text).unwrap();

    // As one file the monitor refuses both (it stores all or nothing); report by report the
    // own subject's lands, and the exit code still says that one did not.
    let (code, stdout, stderr) = setup.upload(&server.uri(), &[&combined], &[]).await;
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("combined.yaml: a report in it was refused"),
        "{stdout}"
    );
    assert!(
        stderr.contains("combined.yaml (report 1 of 2): NOT uploaded"),
        "{stderr}"
    );
    assert!(
        stdout.contains("combined.yaml (report 2 of 2): accepted"),
        "{stdout}"
    );
    let (code, stdout, _) = setup.upload(&server.uri(), &[&own], &[]).await;
    assert_eq!(code, 0);
    assert!(stdout.contains("already present"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_without_what_the_monitor_reads_is_not_sent() {
    let setup = Setup::new();
    let server = setup.monitor(0).await;
    let report = setup.report(ACCOUNT);
    let broken = setup.path("broken.yaml");
    let text = std::fs::read_to_string(&report).unwrap();
    std::fs::write(&broken, text.replacen("checked_at:", "checked:", 1)).unwrap();
    let (code, _, stderr) = setup.upload(&server.uri(), &[&report, &broken], &[]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("broken.yaml: not a report the compliance monitor accepts"),
        "{stderr}"
    );
    assert!(stderr.contains("no `checked_at`"), "{stderr}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_are_retried_a_bounded_number_of_times() {
    let setup = Setup::new();
    let report = setup.report(ACCOUNT);
    let flaky = setup.monitor(1).await;
    let (code, stdout, stderr) = setup.upload(&flaky.uri(), &[&report], &[]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("accepted"));
    assert_eq!(flaky.received_requests().await.unwrap().len(), 2);

    let broken = setup.monitor(u32::MAX).await;
    let (code, _, stderr) = setup.upload(&broken.uri(), &[&report], &[]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("HTTP 500"), "{stderr}");
    assert!(stderr.contains("tried 3 times"), "{stderr}");
    assert_eq!(broken.received_requests().await.unwrap().len(), 3);

    // Nobody listening.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let (code, _, stderr) = setup.upload(&closed, &[&report], &["--tries", "2"]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("no answer"), "{stderr}");
    assert!(stderr.contains("tried 2 times"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_password_or_report_is_a_usage_error_before_anything_is_sent() {
    let setup = Setup::new();
    let server = setup.monitor(0).await;
    let report = setup.report(ACCOUNT);
    let mut command = scs_check(setup.dir.path());
    command
        .args([
            "report",
            "upload",
            "--monitor",
            &server.uri(),
            "--account",
            ACCOUNT,
        ])
        .arg(&report)
        .arg("--key")
        .arg(setup.path("key"))
        .env_remove("SCS_MONITOR_PASSWORD");
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).1.contains("SCS_MONITOR_PASSWORD"));

    let missing = setup.path("nope.yaml");
    let (code, _, stderr) = setup.upload(&server.uri(), &[&report, &missing], &[]).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("nope.yaml"), "{stderr}");
    assert!(server.received_requests().await.unwrap().is_empty());
}
