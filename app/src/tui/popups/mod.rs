//! Popups over the screen, one file each: help, the `:` command line,
//! confirmations (defaulting to No), the employee picker, the
//! version-conflict dialog, messages and record details, the export
//! gauge.  A popup handles its own keys and says what it came to
//! ([`Reply`]); the screen under it acts on that.

pub mod command_line;
pub mod confirm;
pub mod conflict;
pub mod export;
pub mod help;
pub mod message;
pub mod picker;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Clear};

pub use self::command_line::CommandLine;
pub use self::confirm::{Confirm, Confirmed};
pub use self::conflict::{Conflict, Resolution};
pub use self::export::Exporting;
pub use self::help::{Help, HelpLine};
pub use self::message::Message;
pub use self::picker::{Choice, Pick, Picker};
use crate::tui::effect::Save;
use crate::tui::keymap::{Context, Keymap};
use crate::tui::lists::DisplayRow;
use crate::tui::theme::Theme;

/// A popup.
#[derive(Clone, Debug)]
pub enum Popup {
    Help(Help),
    CommandLine(CommandLine),
    Confirm(Confirm),
    Picker(Picker),
    Conflict(Conflict),
    Message(Message),
    Detail(Box<DisplayRow>),
    Exporting(Exporting),
}

/// What a key in a popup came to.
#[derive(Debug)]
pub enum Reply {
    /// The popup stays open (perhaps changed).
    Keep(Popup),
    /// The popup closed with nothing to do.
    Close,
    /// A confirmation was answered yes.
    Confirmed(Confirmed),
    /// An employee was chosen in a picker.
    Chose { purpose: Pick, choice: Choice },
    /// A `:` command was entered; the line comes back with its error when
    /// it is not one.
    Run(CommandLine),
    /// The version conflict was resolved this way.
    Resolve { save: Save, resolution: Resolution },
    /// The export is to stop; its gauge stays until it has.
    CancelExport { request: u64, popup: Popup },
}

impl Popup {
    /// Handles a key, as the key map binds it in the popup's context.
    pub fn key(self, keys: &Keymap, key: &KeyEvent) -> Reply {
        let command = keys.command(Context::Popup, key);
        match self {
            // Any key closes the help.
            Popup::Help(_) => Reply::Close,
            Popup::Message(message) => message::close_or_keep(command, key, Popup::Message(message)),
            Popup::Detail(row) => message::close_or_keep(command, key, Popup::Detail(row)),
            Popup::CommandLine(line) => line.key(key),
            Popup::Exporting(export) => export.key(command, key),
            Popup::Confirm(confirm) => confirm.key(command, key),
            Popup::Picker(picker) => picker.key(command),
            Popup::Conflict(conflict) => conflict.key(keys.command(Context::Conflict, key)),
        }
    }

    /// Draws the popup over `area`, its keys named as they are bound.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: Theme, spinner: &str, keys: &Keymap) {
        match self {
            Popup::Help(help) => help.render(frame, area, theme),
            Popup::CommandLine(line) => line.render(frame, area, theme),
            Popup::Exporting(export) => export.render(frame, area, theme, spinner, keys),
            Popup::Confirm(confirm) => confirm.render(frame, area, theme, keys),
            Popup::Picker(picker) => picker.render(frame, area, theme, spinner, keys),
            Popup::Conflict(conflict) => conflict.render(frame, area, theme, keys),
            Popup::Message(message) => message.render(frame, area, theme, keys),
            Popup::Detail(row) => message::render_detail(frame, area, row, theme),
        }
    }
}

/// A `width`×`height` rectangle centred in `area` (clipped to it).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height }
}

/// Clears `area`, draws a titled border and returns what is inside it.
fn frame_for(frame: &mut Frame, area: Rect, title: &str, theme: Theme) -> Rect {
    frame.render_widget(Clear, area);
    let block = Block::bordered().border_style(theme.focus()).title(Span::styled(format!(" {title} "), theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}
