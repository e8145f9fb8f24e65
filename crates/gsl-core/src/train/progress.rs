//! Progress bars for long-running loops (training epochs, solver iterations).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar layout: label, elapsed time, bar, position, and a free-form message (loss, lr, …).
const TEMPLATE: &str = "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}";

/// A progress bar on stderr that stays silent when asked to (`quiet`) or when stderr is not a
/// terminal (logs, CI, test harnesses), so library code can always create one.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar counting to `len`, labelled `label`; hidden if `quiet` or stderr is not a TTY.
    ///
    /// ```
    /// use gsl_core::train::Progress;
    ///
    /// let progress = Progress::new(10, "train", true);
    /// assert!(progress.is_hidden());
    /// progress.update(3, "loss 0.5");
    /// progress.finish();
    /// ```
    pub fn new(len: u64, label: &str, quiet: bool) -> Self {
        let target = if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(len), target);
        // The template is a constant that indicatif parses; fall back to the default bar rather
        // than fail a training run over cosmetics.
        let style =
            ProgressStyle::with_template(TEMPLATE).unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix(label.to_string());
        Self { bar }
    }

    /// Whether nothing is drawn.
    pub fn is_hidden(&self) -> bool {
        self.bar.is_hidden()
    }

    /// Moves the bar to `position` and shows `message` next to it.
    pub fn update(&self, position: u64, message: impl Into<String>) {
        self.bar.set_position(position);
        self.bar.set_message(message.into());
    }

    /// Leaves the bar at its final state (a run that stopped early shows where it stopped).
    pub fn finish(&self) {
        self.bar.abandon();
    }
}
