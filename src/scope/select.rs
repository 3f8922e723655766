//! Which versions of a scope are tested on a reference date, and in which state.
//!
//! Upstream's rule: the timeline entry with the greatest date not after the reference date
//! decides; exactly the versions it lists are tested, whatever their state. A version not
//! listed there is implicitly deprecated. `-V` bypasses the timeline.

use chrono::NaiveDate;

use super::{Scope, VersionState};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectedVersion {
    pub name: String,
    pub state: VersionState,
    /// Whether this version's verdict decides the exit code: effective or warn versions, or
    /// the version forced with `-V` (the user asked for exactly that one).
    pub binding: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SelectError {
    #[error("scope has no version named `{name}`; it has: {known}")]
    UnknownVersion { name: String, known: String },
    #[error("no timeline entry of the scope is in force on {date} (the earliest starts {first})")]
    BeforeTimeline { date: NaiveDate, first: String },
    #[error("the timeline entry in force on {date} lists no version")]
    NothingListed { date: NaiveDate },
}

/// The state the timeline gives `version` on `date` (implicitly deprecated if unlisted).
pub fn state_on(scope: &Scope, version: &str, date: NaiveDate) -> VersionState {
    entry_in_force(scope, date)
        .and_then(|entry| entry.versions.get(version).copied())
        .unwrap_or(VersionState::Deprecated)
}

fn entry_in_force(scope: &Scope, date: NaiveDate) -> Option<&super::TimelineEntry> {
    scope
        .timeline
        .iter()
        .filter(|entry| entry.date <= date)
        .max_by_key(|entry| entry.date)
}

/// Versions to test on `date`, or just `forced` (`-V`).
pub fn select(
    scope: &Scope,
    date: NaiveDate,
    forced: Option<&str>,
) -> Result<Vec<SelectedVersion>, SelectError> {
    if let Some(name) = forced {
        if scope.version(name).is_none() {
            return Err(SelectError::UnknownVersion {
                name: name.to_owned(),
                known: scope
                    .versions
                    .iter()
                    .map(|v| v.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        return Ok(vec![SelectedVersion {
            name: name.to_owned(),
            state: state_on(scope, name, date),
            binding: true,
        }]);
    }
    let entry = entry_in_force(scope, date).ok_or_else(|| SelectError::BeforeTimeline {
        date,
        first: scope.timeline.iter().map(|e| e.date).min().map_or_else(
            || "nowhere: the timeline is empty".to_owned(),
            |d| d.to_string(),
        ),
    })?;
    if entry.versions.is_empty() {
        return Err(SelectError::NothingListed { date });
    }
    // Scope order, not alphabetical: the file lists versions newest first.
    Ok(scope
        .versions
        .iter()
        .filter_map(|v| {
            entry.versions.get(&v.name).map(|&state| SelectedVersion {
                name: v.name.clone(),
                state,
                binding: matches!(state, VersionState::Effective | VersionState::Warn),
            })
        })
        .collect())
}
