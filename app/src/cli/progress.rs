//! The progress bar long commands draw on stderr (indicatif), only when
//! stderr is a terminal: nothing on a pipe or in a log.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::services::transfer::Progress;

/// A progress bar on stderr, drawn only when stderr is a terminal.
pub(super) struct Bar(ProgressBar);

impl Bar {
    /// A bar that draws nothing until a phase starts.
    pub(super) fn new() -> Bar {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        Bar(bar)
    }

    /// Removes the bar from the terminal.
    pub(super) fn clear(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn start(&self, what: &str, total: u64) {
        let template =
            if total > 0 { "{msg:<32} [{bar:30}] {pos}/{len} rows ({rate}, {eta} left)" } else { "{spinner} {msg}" };
        if let Ok(style) = ProgressStyle::with_template(template) {
            // Whole rows a second: indicatif's own {per_sec} shows four decimals.
            let style = style.with_key("rate", |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                let _ = write!(out, "{:.0} rows/s", state.per_sec());
            });
            self.0.set_style(style.progress_chars("=> "));
        }
        self.0.set_length(total);
        self.0.set_position(0);
        self.0.set_message(what.to_owned());
        if total == 0 {
            self.0.enable_steady_tick(std::time::Duration::from_millis(120));
        }
    }

    fn advance(&self, rows: u64) {
        self.0.inc(rows);
    }

    fn finish(&self) {
        self.0.disable_steady_tick();
    }
}
