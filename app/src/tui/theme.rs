//! Colours and emphasis.  With `NO_COLOR` set (and not empty) only bold,
//! reverse and underline are used, never a colour.

use ratatui::style::{Color, Modifier, Style};

/// The styles every screen draws with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Whether colours may be used.
    pub color: bool,
}

impl Theme {
    /// Colours unless `NO_COLOR` is set to a non-empty value.
    pub fn from_env() -> Theme {
        Theme { color: std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty()) }
    }

    fn tint(self, color: Color) -> Style {
        if self.color { Style::new().fg(color) } else { Style::new() }
    }

    /// Titles and the active tab.
    pub fn title(self) -> Style {
        self.tint(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// Table headers.
    pub fn header(self) -> Style {
        self.tint(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    /// The selected row or item.
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Rows marked with Space.
    pub fn marked(self) -> Style {
        self.tint(Color::Magenta).add_modifier(Modifier::BOLD)
    }

    /// Secondary text.
    pub fn dim(self) -> Style {
        if self.color { Style::new().fg(Color::DarkGray) } else { Style::new().add_modifier(Modifier::DIM) }
    }

    /// Errors and refusals.
    pub fn error(self) -> Style {
        self.tint(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// Success messages.
    pub fn ok(self) -> Style {
        self.tint(Color::Green)
    }

    /// Warnings, badges and banners.
    pub fn warn(self) -> Style {
        self.tint(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    /// Keys in hints and help.
    pub fn key(self) -> Style {
        self.tint(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// The focused field or pane border.
    pub fn focus(self) -> Style {
        self.tint(Color::Cyan)
    }

    /// First chart series (signed, this week…).
    pub fn series_a(self) -> Style {
        self.tint(Color::Green)
    }

    /// Second chart series (unsigned…).
    pub fn series_b(self) -> Style {
        self.tint(Color::Yellow)
    }
}
