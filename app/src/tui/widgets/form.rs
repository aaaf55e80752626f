//! A form: labelled fields (text, masked, or a choice among values) with
//! an inline message under each field that breaks a rule.  Text editing
//! is ratatui-textarea's; this adds focus, change tracking and layout.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui_textarea::TextArea;

use crate::tui::theme::Theme;

/// How a field takes its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// One line of text shown as dots (passwords).
    Secret,
    /// One of a fixed set of values, changed with ←/→ or Space.
    Choice(&'static [&'static str]),
}

/// One field of a form.
#[derive(Clone, Debug)]
pub struct Field {
    /// The field's name in messages ("email").
    pub name: &'static str,
    /// The label shown.
    pub label: &'static str,
    /// What to type, shown while empty.
    pub hint: &'static str,
    pub kind: FieldKind,
    input: TextArea<'static>,
    /// The value the form started with (for "unsaved changes").
    pub original: String,
    /// Why the value is refused, shown under the field.
    pub error: Option<String>,
}

impl Field {
    fn new(name: &'static str, label: &'static str, hint: &'static str, kind: FieldKind, value: &str) -> Field {
        let mut input = TextArea::new(vec![value.to_owned()]);
        input.move_cursor(ratatui_textarea::CursorMove::End);
        input.set_cursor_line_style(ratatui::style::Style::new());
        input.set_placeholder_text(hint);
        if kind == FieldKind::Secret {
            input.set_mask_char('•');
        }
        Field { name, label, hint, kind, input, original: value.to_owned(), error: None }
    }

    /// A text field.
    pub fn text(name: &'static str, label: &'static str, hint: &'static str, value: &str) -> Field {
        Field::new(name, label, hint, FieldKind::Text, value)
    }

    /// A masked field.
    pub fn secret(name: &'static str, label: &'static str, hint: &'static str) -> Field {
        Field::new(name, label, hint, FieldKind::Secret, "")
    }

    /// A choice among `options`, starting at `value` (or the first).
    pub fn choice(name: &'static str, label: &'static str, options: &'static [&'static str], value: &str) -> Field {
        let start = if options.contains(&value) { value } else { options.first().copied().unwrap_or_default() };
        let mut field = Field::new(name, label, "←/→ to choose", FieldKind::Choice(options), start);
        field.original = value.to_owned();
        field
    }

    /// The value as typed (trimmed of nothing: validation decides).
    pub fn value(&self) -> String {
        self.input.lines().first().cloned().unwrap_or_default()
    }

    /// Replaces the value (and what counts as unchanged).
    pub fn reset(&mut self, value: &str) {
        *self = Field::new(self.name, self.label, self.hint, self.kind, value);
    }

    /// Sets the value as if typed.
    pub fn set(&mut self, value: &str) {
        let original = self.original.clone();
        self.reset(value);
        self.original = original;
    }

    /// Whether the value differs from the original.
    pub fn changed(&self) -> bool {
        self.value() != self.original
    }

    /// The value when it changed (what an edit sends).
    pub fn edited(&self) -> Option<String> {
        self.changed().then(|| self.value())
    }

    /// Marks the field with `result`'s message when it is an error (a
    /// sentence, or a validation rule's refusal).
    pub fn check<T, E: Into<String>>(&mut self, result: Result<T, E>) {
        if let Err(message) = result {
            self.error = Some(message.into());
        }
    }

    /// Gives a key to the field; false when it was not for the field.
    pub fn key(&mut self, key: &KeyEvent) -> bool {
        if let FieldKind::Choice(options) = self.kind {
            let at = options.iter().position(|option| *option == self.value()).unwrap_or(0);
            let next = match key.code {
                KeyCode::Right | KeyCode::Char(' ') => (at + 1) % options.len().max(1),
                KeyCode::Left => (at + options.len().max(1) - 1) % options.len().max(1),
                _ => return false,
            };
            self.set(options.get(next).copied().unwrap_or_default());
            return true;
        }
        // One line only: no newlines, however the terminal spells them.
        let newline = matches!(key.code, KeyCode::Enter)
            || (key.modifiers.contains(KeyModifiers::CONTROL) && matches!(key.code, KeyCode::Char('m' | 'j')));
        if newline || matches!(key.code, KeyCode::Up | KeyCode::Down | KeyCode::Tab | KeyCode::BackTab | KeyCode::Esc) {
            return false;
        }
        self.input.input(*key);
        true
    }

    /// Pastes text (its first line) at the cursor.
    pub fn paste(&mut self, text: &str) {
        if matches!(self.kind, FieldKind::Choice(_)) {
            return;
        }
        let line: String = text.lines().next().unwrap_or_default().chars().filter(|ch| !ch.is_control()).collect();
        self.input.insert_str(line);
    }
}

/// The fields of one form, as a struct with a named member per field (the
/// code reads `inputs.email`, never a field looked up by its label).
pub trait Fields {
    /// The fields in the order they are shown.
    fn list(&self) -> Vec<&Field>;
    /// The same, to change them.
    fn list_mut(&mut self) -> Vec<&mut Field>;
}

/// A form: its fields, which has focus, and a message for the whole form.
#[derive(Clone, Debug)]
pub struct Form<F> {
    pub title: String,
    pub fields: F,
    pub focus: usize,
    /// Why the last save failed, or a note for the whole form.
    pub message: Option<String>,
    /// Whether a save is on its way.
    pub saving: bool,
}

impl<F: Fields> Form<F> {
    /// A form with focus on its first field.
    pub fn new(title: impl Into<String>, fields: F) -> Form<F> {
        Form { title: title.into(), fields, focus: 0, message: None, saving: false }
    }

    /// Whether any field changed.
    pub fn dirty(&self) -> bool {
        self.fields.list().iter().any(|field| field.changed())
    }

    /// The value of the field named `name` (tests read forms this way).
    #[cfg(test)]
    pub fn value(&self, name: &str) -> String {
        self.fields.list().iter().find(|field| field.name == name).map(|field| field.value()).unwrap_or_default()
    }

    /// The field named `name` (tests type into forms this way).
    #[cfg(test)]
    pub fn field_mut(&mut self, name: &str) -> Option<&mut Field> {
        self.fields.list_mut().into_iter().find(|field| field.name == name)
    }

    fn count(&self) -> usize {
        self.fields.list().len()
    }

    /// Moves focus to the next field (wrapping).
    pub fn next(&mut self) {
        let count = self.count();
        if count > 0 {
            self.focus = (self.focus + 1) % count;
        }
    }

    /// Moves focus to the previous field (wrapping).
    pub fn previous(&mut self) {
        let count = self.count();
        if count > 0 {
            self.focus = (self.focus + count - 1) % count;
        }
    }

    /// Whether focus is on the last field.
    pub fn on_last(&self) -> bool {
        self.focus + 1 >= self.count()
    }

    /// Gives a key to the focused field.
    pub fn key(&mut self, key: &KeyEvent) -> bool {
        let focus = self.focus;
        match self.fields.list_mut().into_iter().nth(focus) {
            Some(field) => field.key(key),
            None => false,
        }
    }

    /// Pastes into the focused field.
    pub fn paste(&mut self, text: &str) {
        let focus = self.focus;
        if let Some(field) = self.fields.list_mut().into_iter().nth(focus) {
            field.paste(text);
        }
    }

    /// Clears the messages of every field.
    pub fn clear_errors(&mut self) {
        for field in self.fields.list_mut() {
            field.error = None;
        }
        self.message = None;
    }

    /// Whether any field has a message.
    pub fn has_errors(&self) -> bool {
        self.fields.list().iter().any(|field| field.error.is_some())
    }

    /// Focuses the first field with a message.
    pub fn focus_first_error(&mut self) {
        if let Some(index) = self.fields.list().iter().position(|field| field.error.is_some()) {
            self.focus = index;
        }
    }

    /// Empties every masked field (a refused password is typed again).
    pub fn forget_secrets(&mut self) {
        for field in self.fields.list_mut() {
            if field.kind == FieldKind::Secret {
                field.reset("");
            }
        }
    }

    /// How many rows the form needs to draw (one per field, one per
    /// message, borders and footer), with a blank line between fields
    /// when `spaced`.
    pub fn height(&self) -> u16 {
        let fields = self.fields.list();
        let errors = fields.iter().filter(|field| field.error.is_some()).count();
        let message = if self.message.is_some() { 3 } else { 0 };
        (fields.len() * 2 + errors * 2 + message + 3) as u16
    }
}

/// Implements [`Fields`] for a struct whose members are all fields, listed
/// in the order they are shown.
#[macro_export]
macro_rules! form_fields {
    ($name:ident { $($field:ident),+ $(,)? }) => {
        impl $crate::tui::widgets::form::Fields for $name {
            fn list(&self) -> Vec<&$crate::tui::widgets::form::Field> {
                vec![$(&self.$field),+]
            }
            fn list_mut(&mut self) -> Vec<&mut $crate::tui::widgets::form::Field> {
                vec![$(&mut self.$field),+]
            }
        }
    };
}

/// Draws a form in `area`: a label and an underlined input per line, the
/// message of a refused field under it, blank lines between fields when
/// there is room.
pub fn render<F: Fields>(frame: &mut Frame, area: Rect, form: &Form<F>, theme: Theme, footer: &str) {
    use ratatui::style::{Modifier, Style};
    let block = Block::bordered().title(Span::styled(format!(" {} ", form.title), theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width < 4 {
        return;
    }
    let fields = form.fields.list();
    let label_width = fields.iter().map(|field| field.label.len() as u16).max().unwrap_or(0).min(18) + 3;
    let errors = fields.iter().filter(|field| field.error.is_some()).count() as u16;
    let message_rows = if form.message.is_some() { 3 } else { 0 };
    let needed = fields.len() as u16 + errors * 2 + message_rows + 1;
    let spaced = needed + fields.len() as u16 <= inner.height;
    let bottom = inner.y + inner.height - 1;
    let mut y = inner.y + u16::from(spaced);
    let input_width = inner.width.saturating_sub(label_width + 2).min(60);
    for (index, field) in fields.iter().enumerate() {
        if y >= bottom {
            break;
        }
        let focused = index == form.focus;
        let marker = if focused { "▸ " } else { "  " };
        let label_style = if focused { theme.focus().add_modifier(Modifier::BOLD) } else { theme.dim() };
        frame.render_widget(
            Paragraph::new(Span::styled(format!("{marker}{}", field.label), label_style)),
            Rect { x: inner.x, y, width: label_width.min(inner.width), height: 1 },
        );
        let input_area = Rect { x: inner.x + label_width, y, width: input_width, height: 1 };
        let underline = if field.error.is_some() { theme.error() } else { Style::new() };
        let base = underline.add_modifier(Modifier::UNDERLINED);
        if let FieldKind::Choice(options) = field.kind {
            let text: Vec<Span> = options
                .iter()
                .flat_map(|option| {
                    let style = if *option == field.value() { theme.selected() } else { theme.dim() };
                    [Span::styled(format!(" {option} "), style), Span::raw(" ")]
                })
                .collect();
            frame.render_widget(Paragraph::new(Line::from(text)), input_area);
        } else {
            let mut input = field.input.clone();
            input.set_style(base);
            input.set_placeholder_style(theme.dim().add_modifier(Modifier::UNDERLINED));
            if !focused {
                input.set_cursor_style(base);
            }
            frame.render_widget(&input, input_area);
        }
        y += 1;
        if let Some(error) = &field.error {
            // A long message takes a second line rather than being cut.
            let text = format!("✗ {error}");
            let width = inner.width.saturating_sub(label_width).max(1);
            let rows = (crate::text::columns(&text) as u16).div_ceil(width).clamp(1, 2).min(bottom.saturating_sub(y));
            if rows > 0 {
                frame.render_widget(
                    Paragraph::new(Span::styled(text, theme.error())).wrap(Wrap { trim: true }),
                    Rect { x: inner.x + label_width, y, width, height: rows },
                );
            }
            y += rows.max(1);
        }
        if spaced {
            y += 1;
        }
    }
    if let Some(message) = &form.message
        && y < bottom
    {
        frame.render_widget(
            Paragraph::new(Span::styled(message.as_str(), theme.error())).wrap(Wrap { trim: true }),
            Rect { x: inner.x + 1, y, width: inner.width.saturating_sub(2), height: (bottom - y).min(3) },
        );
    }
    let hint = if form.saving { "Saving…".to_owned() } else { footer.to_owned() };
    frame.render_widget(
        Paragraph::new(Span::styled(hint, theme.dim())),
        Rect { x: inner.x + 1, y: bottom, width: inner.width.saturating_sub(2), height: 1 },
    );
}
