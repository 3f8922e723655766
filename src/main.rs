//! `scs-check`: tells whether an OpenStack cloud complies with the SCS standards.
//!
//! This file only wires the command line to the commands; see `run.rs` for the flow.

mod checks;
mod cli;
mod data_update;
mod facts;
mod flavor_name;
mod flavor_name_command;
mod located;
mod plan;
mod probes;
mod report;
mod report_command;
mod run;
mod run_all;
mod scope;
mod sign;
mod upload;
mod waivers;

use std::process::ExitCode;

use clap::Parser;

fn init_logging(verbose: u8, quiet: bool) {
    // Only our own crate logs: the HTTP and auth crates below us may log headers.
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::new(format!("off,scs_check={level}"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none(),
        )
        .without_time()
        .init();
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    let output = run::Output {
        verbose: cli.verbose,
        quiet: cli.quiet,
    };
    let result = match &cli.command {
        cli::Command::Run(args) => run::run(args, &output),
        cli::Command::RunAll(args) => run_all::run(args, &output),
        cli::Command::Plan(args) => run::plan(args),
        cli::Command::FlavorName(args) => flavor_name_command::run(args, cli.quiet),
        cli::Command::Report(command) => report_command::run(command, &output),
        cli::Command::Data(cli::DataCommand::Update(args)) => data_update::run(args),
        cli::Command::Cleanup(args) if args.kubeconfig.is_some() || args.context.is_some() => {
            probes::cluster::cleanup::run(args, &output)
        }
        cli::Command::Cleanup(args) => probes::cleanup::run(args, &output),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(report::exit::USAGE as u8)
        }
    }
}
