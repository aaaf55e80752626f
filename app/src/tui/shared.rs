//! What every screen may touch besides its own state: the key map, the
//! terminal's size, the popup, the status line's message, request numbers
//! and the effects to run.  Screens report failures here; the application
//! turns them into the banner or the login screen after the screen returns.

use super::effect::Effect;
use super::keymap::Keymap;
use super::popups::{Confirm, Confirmed, Popup};
use super::widgets::status::{SPINNER, Tone};
use crate::error::Failure;

/// Ticks per second (the event loop ticks every 100 ms).
pub const TICKS_PER_SECOND: u64 = 10;

/// The state shared by the screens during one update.
pub struct Shared {
    pub keymap: Keymap,
    pub width: u16,
    pub height: u16,
    /// Shown while the database cannot be reached.
    pub banner: Option<String>,
    pub popup: Option<Popup>,
    /// The last message for the status line.
    pub message: Option<(String, Tone)>,
    /// Unread notifications, for the badge.
    pub unread: u64,
    /// Set when the application should end.
    pub quit: bool,
    /// Ticks since start.
    pub tick: u64,
    /// The tick of the last reload of what is on screen.
    pub last_refresh: u64,
    in_flight: usize,
    next_request: u64,
    effects: Vec<Effect>,
    failure: Option<Failure>,
    answered: bool,
}

impl Shared {
    /// Nothing on its way yet, on a `width`×`height` terminal.
    pub fn new(keymap: Keymap, width: u16, height: u16) -> Shared {
        Shared {
            keymap,
            width,
            height,
            banner: None,
            popup: None,
            message: None,
            unread: 0,
            quit: false,
            tick: 0,
            last_refresh: 0,
            in_flight: 0,
            next_request: 0,
            effects: Vec::new(),
            failure: None,
            answered: false,
        }
    }

    /// Rows per page: the table's height on this terminal.
    pub fn page_rows(&self) -> u64 {
        let chrome = 5 + u16::from(self.banner.is_some());
        u64::from(self.height.saturating_sub(chrome).max(1))
    }

    /// Whether work is pending (the spinner turns).
    pub fn busy(&self) -> bool {
        self.in_flight > 0
    }

    /// The spinner's frame for this tick.
    pub fn spinner(&self) -> &'static str {
        SPINNER[(self.tick as usize) % SPINNER.len()]
    }

    /// A new request number; its answer is awaited (the spinner turns).
    pub fn request(&mut self) -> u64 {
        self.next_request += 1;
        self.in_flight += 1;
        self.next_request
    }

    /// An answer arrived.
    pub fn settle(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// Runs `effect`, whose answer is awaited without a request number.
    pub fn start(&mut self, effect: Effect) {
        self.in_flight += 1;
        self.effects.push(effect);
    }

    /// Runs `effect` (a request number, if any, came from [`Self::request`];
    /// nothing waits for the others).
    pub fn run(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    /// The effects asked for since the last call.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// Puts `text` on the status line.
    pub fn say(&mut self, text: impl Into<String>, tone: Tone) {
        self.message = Some((text.into(), tone));
    }

    /// Asks `question`; `action` runs on yes.
    pub fn confirm(&mut self, question: String, action: Confirmed) {
        self.popup = Some(Popup::Confirm(Confirm::new(question, action)));
    }

    /// Reports a failure the application handles the same way everywhere
    /// (a lost connection, an ended session) after the screen returns.
    pub fn failed(&mut self, failure: Failure) {
        self.failure = Some(failure);
    }

    /// Notes that the database answered.
    pub fn answered(&mut self) {
        self.answered = true;
    }

    /// The failure reported, else whether the database answered, since
    /// the last call.
    pub fn take_report(&mut self) -> Result<bool, Failure> {
        let answered = std::mem::take(&mut self.answered);
        match self.failure.take() {
            Some(failure) => Err(failure),
            None => Ok(answered),
        }
    }
}
