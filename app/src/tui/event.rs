//! Terminal input on its own thread: crossterm events become actions on the
//! same channel as effect results, so the loop waits on one thing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ratatui::crossterm::event::{self, Event};
use tokio::sync::mpsc::UnboundedSender;

use super::action::Action;

/// Reads terminal events until `stop` is set or the receiver is gone.
pub fn spawn_reader(actions: UnboundedSender<Action>, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        read(&actions, &stop);
        // Whatever ended the reading (the terminal went away), the
        // application cannot be used any more: ask it to end.
        if !stop.load(Ordering::Relaxed) {
            let _ = actions.send(Action::TerminalLost);
        }
    })
}

fn read(actions: &UnboundedSender<Action>, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        // Poll with a timeout so the thread notices `stop` promptly.
        match event::poll(Duration::from_millis(50)) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(err) => {
                tracing::error!(error = %err, "cannot read the terminal");
                break;
            }
        }
        let action = match event::read() {
            Ok(Event::Key(key)) => Action::Key(key),
            Ok(Event::Paste(text)) => Action::Paste(text),
            Ok(Event::Mouse(mouse)) => Action::Mouse(mouse),
            Ok(Event::Resize(width, height)) => Action::Resize(width, height),
            Ok(_) => continue,
            Err(err) => {
                tracing::error!(error = %err, "cannot read the terminal");
                break;
            }
        };
        if actions.send(action).is_err() {
            break;
        }
    }
}
