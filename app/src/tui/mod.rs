//! The terminal application: terminal setup and restore (also on panic),
//! and the loop — draw, wait for an action (a key, a tick, an effect's
//! result), update, run the effects it asked for.

pub mod action;
pub mod app;
pub mod bench;
pub mod effect;
pub mod event;
pub mod keymap;
#[cfg(test)]
mod layering;
pub mod lists;
pub mod model;
pub mod popups;
pub mod runner;
pub mod screens;
pub mod shared;
pub mod theme;
pub mod widgets;

use std::io::{self, Stdout};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};

use self::action::Action;
use self::app::{App, TICKS_PER_SECOND};
use self::effect::Effect;
use self::keymap::Keymap;
use self::runner::Runner;
use self::theme::Theme;
use crate::config::{DatabaseTarget, Settings};
use crate::error::Failure;

type Term = Terminal<CrosstermBackend<Stdout>>;

/// Puts the terminal in raw mode on the alternate screen, with bracketed
/// paste and (when configured) mouse capture.
fn init(mouse: bool) -> io::Result<Term> {
    terminal::enable_raw_mode()?;
    let mut stdout = io::stdout();
    execute!(stdout, EnterAlternateScreen, EnableBracketedPaste)?;
    if mouse {
        execute!(stdout, EnableMouseCapture)?;
    }
    let mut terminal = Terminal::new(CrosstermBackend::new(stdout))?;
    terminal.clear()?;
    Ok(terminal)
}

/// Gives the terminal back as it was: safe to call more than once.
fn restore() {
    let mut stdout = io::stdout();
    let _ = execute!(stdout, DisableMouseCapture, DisableBracketedPaste, LeaveAlternateScreen);
    let _ = terminal::disable_raw_mode();
    let _ = execute!(stdout, ratatui::crossterm::cursor::Show);
}

/// Restores the terminal before any panic message is printed, logs the
/// panic, then runs the hooks installed before (Sentry's among them).
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    // Only a panic of the thread that draws ends the application; one in a
    // background task becomes a failed request (see `Runner::spawn`) and
    // must leave the terminal as it is.
    let ui_thread = std::thread::current().id();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui_thread {
            restore();
        }
        tracing::error!(panic = %info, "the terminal application panicked");
        previous(info);
    }));
}

/// Runs the terminal application on `target` until the person quits.
/// `profile` names the configured profile the database came from, if any.
pub fn run(settings: Settings, target: DatabaseTarget, profile: Option<String>) -> Result<(), Failure> {
    let keymap = Keymap::with_overrides(&settings.keys).map_err(Failure::usage)?;
    let mouse = settings.tui.mouse;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|err| Failure::unexpected(format!("Cannot start the async runtime: {err}.")))?;
    install_panic_hook();
    let mut terminal = init(mouse).map_err(|err| {
        restore();
        Failure::unexpected(format!("Cannot use this terminal: {err}."))
    })?;
    let result = runtime.block_on(event_loop(&mut terminal, settings, target, profile, keymap));
    restore();
    // Effects still running are abandoned: their results have nowhere to go.
    runtime.shutdown_timeout(Duration::from_millis(500));
    result
}

async fn event_loop(
    terminal: &mut Term,
    settings: Settings,
    target: DatabaseTarget,
    profile: Option<String>,
    keymap: Keymap,
) -> Result<(), Failure> {
    let (sender, mut actions) = tokio::sync::mpsc::unbounded_channel();
    let stop = Arc::new(AtomicBool::new(false));
    let reader = event::spawn_reader(sender.clone(), stop.clone());
    let runner = Runner::new(settings, target, profile, sender);
    let size = terminal.size().map_err(|err| Failure::unexpected(format!("Cannot read the terminal size: {err}.")))?;
    let mut app = App::new(keymap, Theme::from_env(), size.width, size.height);
    for effect in app.start() {
        runner.spawn(effect);
    }
    let mut ticks = tokio::time::interval(Duration::from_millis(1000 / TICKS_PER_SECOND));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let draw = |terminal: &mut Term, app: &App| {
        terminal
            .draw(|frame| app.render(frame))
            .map(|_| ())
            .map_err(|err| Failure::unexpected(format!("Cannot draw on the terminal: {err}.")))
    };
    let started = std::time::Instant::now();
    let mut first_frame_logged = false;
    let result = loop {
        if let Err(failure) = draw(terminal, &app) {
            break Err(failure);
        }
        // How long until a person can act (login screen or their Home),
        // for the cold-start figure of docs/performance.md.
        if !first_frame_logged && !matches!(app.screen, app::Screen::Starting(_)) {
            first_frame_logged = true;
            tracing::info!(elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, "first interactive frame");
        }
        let action = tokio::select! {
            action = actions.recv() => match action {
                Some(action) => action,
                None => break Ok(()),
            },
            _ = ticks.tick() => Action::Tick,
        };
        let mut batch = vec![action];
        // Take everything already waiting before drawing again: typing fast
        // or a burst of results costs one frame, not one each.
        while let Ok(action) = actions.try_recv() {
            batch.push(action);
        }
        for action in batch {
            for effect in app.update(action) {
                match effect {
                    Effect::Clipboard { text } => copy_to_clipboard(terminal, &text),
                    effect => runner.spawn(effect),
                }
            }
        }
        if app.shared.quit {
            break Ok(());
        }
    };
    stop.store(true, Ordering::Relaxed);
    let _ = reader.join();
    result
}

/// The OSC 52 sequence that asks the terminal to put `text` on the
/// clipboard: it travels with the screen's output, so it works over SSH
/// and inside tmux (`set -g set-clipboard on`) where the terminal allows it.
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    format!("\x1b]52;c;{}\x07", base64::engine::general_purpose::STANDARD.encode(text.as_bytes()))
}

/// Writes the clipboard sequence between two frames (the event loop owns
/// the terminal); a terminal that ignores it shows nothing.
fn copy_to_clipboard(terminal: &mut Term, text: &str) {
    use std::io::Write;
    let backend = terminal.backend_mut();
    if let Err(err) = backend.write_all(osc52(text).as_bytes()).and_then(|()| backend.flush()) {
        tracing::warn!(error = %err, "cannot write the clipboard sequence");
    }
}

#[cfg(test)]
mod tests;
