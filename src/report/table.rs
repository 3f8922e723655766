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
    colored(Cell::new(status.as_str()), status, false, color)
}

/// A waived failure is yellow: nothing to do until its waiver expires.
fn colored(cell: Cell, status: Status, waived: bool, color: bool) -> Cell {
    if !color {
        return cell;
    }
    cell.fg(match status {
        Status::Fail if waived => Color::Yellow,
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
        let notes = testcase.waiver_notes();
        let mut details: Vec<String> = notes.clone();
        details.extend(shown.iter().take(MAX_DETAILS).cloned());
        if shown.len() > MAX_DETAILS && !options.verbose {
            details.push(format!(
                "(+{} more; see --json or -v)",
                shown.len() - MAX_DETAILS
            ));
        } else if options.verbose {
            details = notes;
            details.extend(shown);
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
            colored(
                Cell::new(match testcase.waiver_mark() {
                    Some(mark) => format!("{} ({mark})", testcase.status.as_str()),
                    None => testcase.status.as_str().to_owned(),
                }),
                testcase.status,
                testcase.waived,
                options.color,
            ),
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
    for unused in &report.unused_waivers {
        out.push_str(&format!("note: {}\n", unused.line()));
    }

    // The column for waived failures only when there are any: most runs have none.
    let waived = report.has_waived();
    let mut header = vec![
        "Version", "State", "Target", "Result", "Pass", "Fail", "Abort", "Missing",
    ];
    if waived {
        header.push("Waived");
    }
    let mut versions = new_table(options, &header);
    for version in &report.versions {
        let state = version.state_label();
        for target in &version.targets {
            let mut row = vec![
                Cell::new(&version.name),
                Cell::new(&state),
                Cell::new(&target.name),
                status_cell(target.result, options.color),
                Cell::new(target.counts.pass),
                Cell::new(target.counts.fail),
                Cell::new(target.counts.abort),
                Cell::new(target.counts.missing),
            ];
            if waived {
                row.push(Cell::new(target.counts.waived));
            }
            versions.add_row(row);
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
