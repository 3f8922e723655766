//! The `report` commands: what a certification pipeline does with a report after the run
//! (sign it, verify a signature, upload it to the compliance monitor, render it again).
//!
//! Secrets (passphrases, passwords) come from files or the environment, never from flags, and
//! are never printed.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use ssh_key::PrivateKey;

use crate::cli::{
    KeyArgs, MonitorArgs, RenderArgs, RenderFormat, ReportCommand, SignArgs, UploadArgs, VerifyArgs,
};
use crate::report::{self, exit, table::TableOptions, RunReport};
use crate::run::Output;
use crate::sign;
use crate::upload::{self, Monitor, Outcome};

/// Environment variable with the passphrase of an encrypted signing key.
const PASSPHRASE_ENV: &str = "SCS_KEY_PASSPHRASE";
/// Environment variable with the monitor account's password.
const PASSWORD_ENV: &str = "SCS_MONITOR_PASSWORD";

pub fn run(command: &ReportCommand, output: &Output) -> Result<i32> {
    let quiet = output.quiet;
    match command {
        ReportCommand::Sign(args) => sign_reports(args, quiet),
        ReportCommand::Verify(args) => verify(args, quiet),
        ReportCommand::Upload(args) => upload(args, quiet),
        ReportCommand::Render(args) => render(args, output.verbose > 0),
    }
}

/// A secret from a file (one trailing line break dropped) or an environment variable.
fn read_secret(file: Option<&Path>, env: &str, what: &str) -> Result<Option<String>> {
    if let Some(file) = file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the {what} file {}", file.display()))?;
        let text = text.strip_suffix('\n').unwrap_or(&text);
        return Ok(Some(text.strip_suffix('\r').unwrap_or(text).to_owned()));
    }
    Ok(std::env::var(env).ok().filter(|v| !v.is_empty()))
}

fn signing_key(args: &KeyArgs) -> Result<PrivateKey> {
    let passphrase = read_secret(
        args.passphrase_file.as_deref(),
        PASSPHRASE_ENV,
        "passphrase",
    )?;
    sign::load_private_key(&args.key, passphrase.as_deref())
}

fn read_report(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read the report {}", path.display()))
}

fn signature_path(report: &Path) -> PathBuf {
    PathBuf::from(format!("{}.sig", report.display()))
}

fn sign_reports(args: &SignArgs, quiet: bool) -> Result<i32> {
    let key = signing_key(&args.key)?;
    for report in &args.reports {
        let armored = sign::sign(&key, &read_report(report)?)?;
        let target = signature_path(report);
        std::fs::write(&target, armored)
            .with_context(|| format!("cannot write the signature {}", target.display()))?;
        if !quiet {
            println!(
                "{}: signed, signature in {}",
                report.display(),
                target.display()
            );
        }
    }
    Ok(exit::PASS)
}

fn verify(args: &VerifyArgs, quiet: bool) -> Result<i32> {
    let data = read_report(&args.report)?;
    let signature_file = args
        .signature
        .clone()
        .unwrap_or_else(|| signature_path(&args.report));
    let armored = std::fs::read_to_string(&signature_file).with_context(|| {
        format!(
            "cannot read the signature {} (make it with `scs-check report sign`)",
            signature_file.display()
        )
    })?;
    let key = sign::load_public_key(&args.public_key)?;
    match sign::verify(&key, &data, &armored) {
        Ok(()) => {
            if !quiet {
                println!(
                    "{}: valid signature by {}",
                    args.report.display(),
                    key.fingerprint(ssh_key::HashAlg::Sha256)
                );
            }
            Ok(exit::PASS)
        }
        Err(invalid) => {
            eprintln!(
                "{}: INVALID signature ({}): {invalid}",
                args.report.display(),
                signature_file.display()
            );
            Ok(exit::FAIL)
        }
    }
}

fn upload(args: &UploadArgs, quiet: bool) -> Result<i32> {
    let settings = UploadSettings {
        timeout: std::time::Duration::from_secs(args.timeout),
        tries: args.tries,
        quiet,
    };
    let landed = upload_reports(&args.monitor, &args.reports, &settings)?;
    Ok(if landed { exit::PASS } else { exit::FAIL })
}

/// How `upload_reports` sends and talks.
pub struct UploadSettings {
    /// Per request.
    pub timeout: std::time::Duration,
    /// Attempts per report on server errors and broken connections.
    pub tries: u32,
    pub quiet: bool,
}

/// Says how one upload ended: successes on stdout (unless quiet), failures on stderr.
fn tell(name: &str, outcome: Outcome, monitor: &Monitor, quiet: bool) {
    match outcome {
        Outcome::Accepted if !quiet => println!("{name}: accepted by {}", monitor.endpoint()),
        Outcome::AlreadyPresent if !quiet => println!(
            "{name}: already present at {} (its run.uuid was uploaded before); nothing to do",
            monitor.endpoint()
        ),
        Outcome::Rejected(why) => eprintln!("{name}: NOT uploaded: refused: {why}"),
        Outcome::Unreachable(why) => {
            eprintln!("{name}: NOT uploaded to {}: {why}", monitor.endpoint())
        }
        _ => {}
    }
}

/// Signs the reports and uploads them in order, saying for each how it went; true when every
/// report is on the monitor. Errors (password, key, a report unreadable) come before anything
/// is sent.
pub fn upload_reports(
    args: &MonitorArgs,
    reports: &[PathBuf],
    settings: &UploadSettings,
) -> Result<bool> {
    let password = read_secret(args.password_file.as_deref(), PASSWORD_ENV, "password")?
        .with_context(|| {
            format!(
                "no password for account {}: put it into a file named by --password-file \
                 or into the environment variable {PASSWORD_ENV}",
                args.account
            )
        })?;
    let key = signing_key(&args.key)?;
    // Read, check and sign everything first: a missing file, or one the monitor could only
    // answer with a 500, stops before anything is sent.
    let signed = reports
        .iter()
        .map(|path| {
            let report = read_report(path)?;
            upload::check_report(&report).with_context(|| {
                format!(
                    "{}: not a report the compliance monitor accepts (it takes the YAML of \
                     `scs-check run -o`)",
                    path.display()
                )
            })?;
            Ok((path, sign::sign(&key, &report)?, report))
        })
        .collect::<Result<Vec<_>>>()?;
    let monitor = Monitor::new(
        &args.monitor,
        &args.account,
        password,
        settings.timeout,
        settings.tries,
    )?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let quiet = settings.quiet;
    let mut all_landed = true;
    for (path, signature, report) in &signed {
        let name = path.display().to_string();
        let outcome = runtime.block_on(monitor.upload(signature, report));
        let documents = upload::documents(report);
        if matches!(outcome, Outcome::AlreadyPresent | Outcome::Rejected(_)) && documents.len() > 1
        {
            // The monitor stores a file all or nothing: one report present already, or one
            // it refuses (a subject the account may not report on), keeps all the others out
            // too. So each goes again on its own, and one subject never blocks the rest.
            if !quiet {
                let why = match &outcome {
                    Outcome::Rejected(why) => format!("a report in it was refused ({why})"),
                    _ => format!(
                        "a report in it is present at {} already",
                        monitor.endpoint()
                    ),
                };
                println!(
                    "{name}: {why}; uploading its {} reports one by one",
                    documents.len()
                );
            }
            for (i, document) in documents.iter().enumerate() {
                let signature = sign::sign(&key, document)?;
                let outcome = runtime.block_on(monitor.upload(&signature, document));
                all_landed &= outcome.landed();
                let name = format!("{name} (report {} of {})", i + 1, documents.len());
                tell(&name, outcome, &monitor, quiet);
            }
            continue;
        }
        all_landed &= outcome.landed();
        tell(&name, outcome, &monitor, quiet);
    }
    Ok(all_landed)
}

/// Reads what `run --json` wrote; anything else is named and explained.
fn load_result(path: &Path) -> Result<RunReport> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the result {}", path.display()))?;
    let hint = "expected the JSON of `scs-check run SCOPE --json FILE`";
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not JSON; {hint}", path.display()))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(report::FORMAT) {
        anyhow::bail!(
            "{}: not an scs-check result (no \"format\": \"{}\"); {hint}",
            path.display(),
            report::FORMAT
        );
    }
    let version = value.get("format_version").and_then(|v| v.as_u64());
    if version != Some(u64::from(report::FORMAT_VERSION)) {
        anyhow::bail!(
            "{}: format_version {} is not {}, which this scs-check reads; render it with the \
             scs-check that wrote it",
            path.display(),
            version.map_or_else(|| "(none)".to_owned(), |v| v.to_string()),
            report::FORMAT_VERSION
        );
    }
    serde_json::from_value(value)
        .with_context(|| format!("{}: not a valid scs-check result; {hint}", path.display()))
}

fn render(args: &RenderArgs, verbose: bool) -> Result<i32> {
    let result = load_result(&args.result)?;
    let text = match args.format {
        RenderFormat::Table => {
            let options = match args.output {
                Some(_) => TableOptions {
                    color: false,
                    width: Some(160),
                    verbose,
                },
                None => TableOptions::for_stdout(verbose),
            };
            report::table::render(&result, &options)
        }
        RenderFormat::Junit => report::junit::render(&result),
        RenderFormat::Yaml => report::upstream_yaml::render(&result),
        RenderFormat::Markdown => report::markdown::render(&result),
        RenderFormat::Html => report::html::render(&result),
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(exit::PASS)
}
