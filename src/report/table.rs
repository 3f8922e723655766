//! The terminal rendering: what to fix first, then the verdict per version and target.

use std::io::IsTerminal;

use comfy_table::{presets, Cell, Color, ContentArrangement, Table};

use super::{RunReport, Status};
use crate::checks::Level;

pub struct TableOptions {
    /// Colours (stdout is a terminal and NO_COLOR is unset).
    pub color: bool,
    /// Wrap to this width; `None` means the terminal's width.
    pub width: Option<u16>,
    /// Show every finding, including informational ones, and passed testcases' notes.
    pub verbose: bool,
}

impl TableOptions {
    /// For stdout: colours on a terminal unless NO_COLOR is set; logs and pipes have no width
    /// to ask, so COLUMNS or a width that suits CI logs.
    pub fn for_stdout(verbose: bool) -> Self {
        let stdout = std::io::stdout();
        let terminal = stdout.is_terminal();
        Self {
            color: terminal && std::env::var_os("NO_COLOR").is_none(),
            width: (!terminal).then(|| {
                std::env::var("COLUMNS")
                    .ok()
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(160)
            }),
            verbose,
        }
    }
}

fn status_cell(status: Status, color: bool) -> Cell {
    let cell = Cell::new(status.as_str());
    if !color {
        return cell;
    }
    cell.fg(match status {
        Status::Pass => Color::Green,
        Status::Fail => Color::Red,
        Status::Abort => Color::Magenta,
        Status::Missing | Status::NotSelected => Color::Yellow,
    })
}

fn new_table(options: &TableOptions, header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_style(presets::UTF8_FULL_CONDENSED);
    table.set_content_arrangement(ContentArrangement::Dynamic);
    if let Some(width) = options.width {
        table.set_width(width);
    }
    table.set_header(header.to_vec());
    table
}

const MAX_DETAILS: usize = 3;

pub fn render(report: &RunReport, options: &TableOptions) -> String {
    let mut out = format!(
        "{} — subject {} — {} {} (reference date {})\n",
        report.scope.name,
        report.subject,
        match report.source.kind.as_str() {
            "snapshot" => "replayed from snapshot",
            _ => "checked live",
        },
        report.source.snapshot.as_deref().unwrap_or(
            &report
                .checked_at
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string()
        ),
        report.reference_date
    );

    let testcases = report.ranked_testcases();
    let mut table = new_table(options, &["Testcase", "Result", "Details"]);
    // Without -v, testcases without result share one row: they all say the same.
    let (missing, testcases): (Vec<_>, Vec<_>) = testcases
        .into_iter()
        .partition(|t| t.status == Status::Missing && !options.verbose);
    for testcase in testcases {
        let shown: Vec<String> = testcase
            .findings
            .iter()
            .filter(|f| options.verbose || f.level != Level::Info)
            .map(|f| match &f.object {
                Some(object) if !f.message.contains(object.as_str()) => {
                    format!("{}: {object}: {}", f.level.as_str(), f.message)
                }
                _ => format!("{}: {}", f.level.as_str(), f.message),
            })
            .collect();
        let mut details: Vec<String> = shown.iter().take(MAX_DETAILS).cloned().collect();
        if shown.len() > MAX_DETAILS && !options.verbose {
            details.truncate(MAX_DETAILS);
            details.push(format!(
                "(+{} more; see --json or -v)",
                shown.len() - MAX_DETAILS
            ));
        } else if options.verbose {
            details = shown;
        }
        if details.is_empty() {
            details.push(match testcase.implementation.as_str() {
                "manual" => "manual testcase: no tool decides it".to_owned(),
                "missing" => "not implemented in scs-check yet: no verdict".to_owned(),
                _ => testcase.description.clone().unwrap_or_default(),
            });
        }
        table.add_row(vec![
            Cell::new(&testcase.id),
            status_cell(testcase.status, options.color),
            Cell::new(details.join("\n")),
        ]);
    }
    for (label, kind) in [
        ("not implemented in scs-check yet", "missing"),
        ("manual testcases: no tool decides them", "manual"),
    ] {
        let ids: Vec<&str> = missing
            .iter()
            .filter(|t| t.implementation == kind)
            .map(|t| t.id.as_str())
            .collect();
        if !ids.is_empty() {
            table.add_row(vec![
                Cell::new(format!("{} testcases", ids.len())),
                status_cell(Status::Missing, options.color),
                Cell::new(format!("{label}: {}", ids.join(", "))),
            ]);
        }
    }
    out.push_str(&table.to_string());
    out.push('\n');

    let mut versions = new_table(
        options,
        &[
            "Version", "State", "Target", "Result", "Pass", "Fail", "Abort", "Missing",
        ],
    );
    for version in &report.versions {
        let state = version.state_label();
        for target in &version.targets {
            versions.add_row(vec![
                Cell::new(&version.name),
                Cell::new(&state),
                Cell::new(&target.name),
                status_cell(target.result, options.color),
                Cell::new(target.counts.pass),
                Cell::new(target.counts.fail),
                Cell::new(target.counts.abort),
                Cell::new(target.counts.missing),
            ]);
        }
    }
    out.push_str(&versions.to_string());
    out.push('\n');
    out.push_str(&format!(
        "Result: {} (exit code {})\n",
        report.result.as_str(),
        report.exit_code
    ));
    out
}
