//! The progress view of `run-all` (issue 5: "a progress view per subject"): where each
//! subject × scope run is (queued, connecting, reading facts, probing a testcase, done with
//! its verdict) and for how long. As in cargo-nextest, runner and reporter stay apart: the
//! runner only sends states ([`Reporter::event`]), this module renders them. On a terminal
//! the view is redrawn in place, one line per run (indicatif); elsewhere (CI logs, Zuul) each
//! state change is one plain, greppable line without escape codes; `-q` shows nothing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::report::exit;
use crate::run::Phase;

/// Where one run is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Queued,
    /// A worker took it: loading the scope and the subject's configuration.
    Starting,
    Running(Phase),
    Done {
        result: String,
        exit_code: i32,
    },
    /// The run could not be done (usage or configuration error of this subject).
    Error(String),
}

impl State {
    fn finished(&self) -> bool {
        matches!(self, Self::Done { .. } | Self::Error(_))
    }
}

/// The state as words.
fn describe(state: &State) -> String {
    match state {
        State::Queued => "queued".to_owned(),
        State::Starting => "starting".to_owned(),
        State::Running(Phase::Connecting) => "connecting".to_owned(),
        State::Running(Phase::ReadingFacts) => "reading facts".to_owned(),
        State::Running(Phase::Probing(testcase)) => format!("probing {testcase}"),
        State::Done { result, exit_code } => format!("done: {result} (exit code {exit_code})"),
        State::Error(error) => format!("ERROR (exit code {}): {error}", exit::USAGE),
    }
}

/// One plain line: the run, its state, the time since it started (none while queued), and
/// for a finished run how many of all are finished.
fn plain_line(
    label: &str,
    state: &State,
    elapsed: Option<Duration>,
    finished: (usize, usize),
) -> String {
    let mut line = format!("{label}: {}", describe(state));
    if let Some(elapsed) = elapsed {
        line.push_str(&format!(", {:.1} s", elapsed.as_secs_f64()));
    }
    if state.finished() {
        line.push_str(&format!(" ({}/{} done)", finished.0, finished.1));
    }
    line
}

enum View {
    Silent,
    Plain,
    Live {
        // Kept alive for the bars drawn into it.
        _multi: MultiProgress,
        bars: Vec<ProgressBar>,
    },
}

/// Renders the states of all runs; shared by the workers.
pub struct Reporter {
    view: View,
    labels: Vec<String>,
    /// Current state and start of each run.
    runs: Mutex<Vec<(State, Option<Instant>)>>,
    finished: AtomicUsize,
}

impl Reporter {
    /// A view for runs named by `labels`, all queued: silent when quiet, live on a terminal,
    /// plain lines otherwise.
    pub fn new(labels: Vec<String>, quiet: bool, terminal: bool) -> Self {
        let view = match (quiet, terminal) {
            (true, _) => View::Silent,
            (false, false) => View::Plain,
            (false, true) => {
                let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
                let bars = labels
                    .iter()
                    .map(|label| {
                        let bar = multi.add(ProgressBar::new_spinner());
                        bar.set_style(idle_style());
                        bar.set_prefix(label.clone());
                        bar
                    })
                    .collect();
                View::Live {
                    _multi: multi,
                    bars,
                }
            }
        };
        let reporter = Self {
            runs: Mutex::new(vec![(State::Queued, None); labels.len()]),
            view,
            labels,
            finished: AtomicUsize::new(0),
        };
        for job in 0..reporter.labels.len() {
            reporter.show(job, &State::Queued, None, 0);
        }
        reporter
    }

    /// Run `job` is in `state` now; a repeated state is shown once.
    pub fn event(&self, job: usize, state: State) {
        let (elapsed, finished) = {
            let mut runs = self.runs.lock().expect("no reporter panics");
            let (current, started) = &mut runs[job];
            if *current == state {
                return;
            }
            let started = *started.get_or_insert_with(Instant::now);
            *current = state.clone();
            let finished = if state.finished() {
                self.finished.fetch_add(1, Ordering::SeqCst) + 1
            } else {
                self.finished.load(Ordering::SeqCst)
            };
            (started.elapsed(), finished)
        };
        self.show(job, &state, Some(elapsed), finished);
    }

    fn show(&self, job: usize, state: &State, elapsed: Option<Duration>, finished: usize) {
        match &self.view {
            View::Silent => {}
            View::Plain => eprintln!(
                "{}",
                plain_line(
                    &self.labels[job],
                    state,
                    elapsed,
                    (finished, self.labels.len())
                )
            ),
            View::Live { bars, .. } => {
                let bar = &bars[job];
                match state {
                    State::Queued => bar.set_message(describe(state)),
                    State::Starting => {
                        bar.set_style(active_style());
                        bar.reset_elapsed();
                        bar.enable_steady_tick(Duration::from_millis(120));
                        bar.set_message(describe(state));
                    }
                    State::Running(_) => bar.set_message(describe(state)),
                    State::Done { .. } | State::Error(_) => {
                        bar.set_style(idle_style());
                        let took = elapsed.unwrap_or_default().as_secs_f64();
                        bar.finish_with_message(format!("{}, {took:.1} s", describe(state)));
                    }
                }
            }
        }
    }
}

/// Queued or finished: no spinner, no clock.
fn idle_style() -> ProgressStyle {
    ProgressStyle::with_template("  {prefix}: {wide_msg}").expect("a valid template")
}

fn active_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {prefix}: {wide_msg} {elapsed:>4}")
        .expect("a valid template")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABEL: &str = "[cloud-a] scs-compatible-iaas";

    #[test]
    fn each_state_has_its_words() {
        let line = |state: State, elapsed: Option<u64>, finished| {
            plain_line(LABEL, &state, elapsed.map(Duration::from_millis), finished)
        };
        assert_eq!(
            line(State::Queued, None, (0, 2)),
            "[cloud-a] scs-compatible-iaas: queued"
        );
        assert_eq!(
            line(State::Starting, Some(0), (0, 2)),
            "[cloud-a] scs-compatible-iaas: starting, 0.0 s"
        );
        assert_eq!(
            line(State::Running(Phase::Connecting), Some(120), (0, 2)),
            "[cloud-a] scs-compatible-iaas: connecting, 0.1 s"
        );
        assert_eq!(
            line(State::Running(Phase::ReadingFacts), Some(2_340), (0, 2)),
            "[cloud-a] scs-compatible-iaas: reading facts, 2.3 s"
        );
        assert_eq!(
            line(
                State::Running(Phase::Probing("scs-0116-permissions".into())),
                Some(61_000),
                (0, 2)
            ),
            "[cloud-a] scs-compatible-iaas: probing scs-0116-permissions, 61.0 s"
        );
        let done = State::Done {
            result: "FAIL".into(),
            exit_code: 1,
        };
        assert_eq!(
            line(done, Some(75_050), (1, 2)),
            "[cloud-a] scs-compatible-iaas: done: FAIL (exit code 1), 75.0 s (1/2 done)"
        );
        assert_eq!(
            line(State::Error("no cloud x".into()), Some(10), (2, 2)),
            "[cloud-a] scs-compatible-iaas: ERROR (exit code 2): no cloud x, 0.0 s (2/2 done)"
        );
    }

    #[test]
    fn a_repeated_state_counts_once_and_finished_runs_are_counted() {
        let reporter = Reporter::new(vec![LABEL.into(), "[b] s".into()], true, false);
        reporter.event(0, State::Starting);
        reporter.event(0, State::Running(Phase::ReadingFacts));
        reporter.event(0, State::Running(Phase::ReadingFacts));
        let done = State::Done {
            result: "PASS".into(),
            exit_code: 0,
        };
        reporter.event(0, done.clone());
        reporter.event(0, done.clone());
        assert_eq!(reporter.finished.load(Ordering::SeqCst), 1);
        let runs = reporter.runs.lock().unwrap();
        assert_eq!(runs[0].0, done);
        assert!(runs[0].1.is_some());
        assert_eq!(runs[1], (State::Queued, None));
    }
}
