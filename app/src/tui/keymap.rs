//! The key map: for each context, which keys run which command.  Defaults
//! live here; the config file's `[keys]` table overrides them by command
//! name; the help popup and the status bar hints are generated from it.

use std::collections::BTreeMap;
use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::lists::Filter;

/// Where a key is pressed: global keys work everywhere a text field does
/// not have focus; the others only in their context.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Anywhere in the main screens.
    Global,
    /// A record table.
    Table,
    /// A create or edit form.
    Form,
    /// A picker or confirmation popup.
    Popup,
    /// The login, bootstrap and password-change screens.
    Gate,
    /// The search box of a list.
    Search,
    /// The version-conflict dialog.
    Conflict,
}

impl Context {
    /// The context's name in the config file and the help.
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Table => "table",
            Context::Form => "form",
            Context::Popup => "popup",
            Context::Gate => "gate",
            Context::Search => "search",
            Context::Conflict => "conflict",
        }
    }

    /// Every context.
    pub const ALL: [Context; 7] = [
        Context::Global,
        Context::Table,
        Context::Form,
        Context::Popup,
        Context::Gate,
        Context::Search,
        Context::Conflict,
    ];

    /// The contexts whose keys are live at the same time as this one's: a
    /// list takes its table keys and the global ones together.
    fn alongside(self) -> &'static [Context] {
        match self {
            Context::Global => &[Context::Table],
            Context::Table => &[Context::Global],
            Context::Form | Context::Popup | Context::Gate | Context::Search | Context::Conflict => &[],
        }
    }
}

/// Something a key can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    Quit,
    Help,
    CommandLine,
    NextTab,
    PrevTab,
    GoTab(u8),
    Refresh,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    Search,
    SortNext,
    SortReverse,
    Mark,
    New,
    Edit,
    Delete,
    ToggleActive,
    Assign,
    Unassign,
    Sign,
    Pay,
    NewEvent,
    Reassign,
    MarkRead,
    Export,
    Yank,
    Filter(Filter),
    Save,
    Cancel,
    NextField,
    PrevField,
    Choose,
    Yes,
    No,
    /// F2 before login: the demo company on an empty database, the next
    /// configured database on the login screen.
    SwitchDatabase,
    /// Conflict: read their version into the form.
    Reload,
    /// Conflict: save my fields over their version.
    Overwrite,
}

impl Command {
    /// The name used in the config file's `[keys]` table.
    pub fn name(self) -> String {
        let plain = match self {
            Command::Quit => "quit",
            Command::Help => "help",
            Command::CommandLine => "command-line",
            Command::NextTab => "next-tab",
            Command::PrevTab => "previous-tab",
            Command::GoTab(n) => return format!("tab-{n}"),
            Command::Refresh => "refresh",
            Command::Up => "up",
            Command::Down => "down",
            Command::PageUp => "page-up",
            Command::PageDown => "page-down",
            Command::Top => "top",
            Command::Bottom => "bottom",
            Command::Open => "open",
            Command::Back => "back",
            Command::Search => "search",
            Command::SortNext => "sort",
            Command::SortReverse => "reverse-sort",
            Command::Mark => "mark",
            Command::New => "new",
            Command::Edit => "edit",
            Command::Delete => "delete",
            Command::ToggleActive => "toggle-active",
            Command::Assign => "assign",
            Command::Unassign => "unassign",
            Command::Sign => "sign",
            Command::Pay => "pay",
            Command::NewEvent => "new-event",
            Command::Reassign => "reassign",
            Command::MarkRead => "mark-read",
            Command::Export => "export",
            Command::Yank => "yank",
            Command::Filter(filter) => return format!("filter-{}", filter.name()),
            Command::Save => "save",
            Command::Cancel => "cancel",
            Command::NextField => "next-field",
            Command::PrevField => "previous-field",
            Command::Choose => "choose",
            Command::Yes => "yes",
            Command::No => "no",
            Command::SwitchDatabase => "switch-database",
            Command::Reload => "reload",
            Command::Overwrite => "overwrite",
        };
        plain.to_owned()
    }

    /// What the command does, for the help and hints.
    pub fn describe(self) -> String {
        let plain = match self {
            Command::Quit => "quit",
            Command::Help => "keys for this screen",
            Command::CommandLine => "command line (:clients, :events, :q …)",
            Command::NextTab => "next tab",
            Command::PrevTab => "previous tab",
            Command::GoTab(n) => return format!("tab {n}"),
            Command::Refresh => "reload from the database",
            Command::Up => "up",
            Command::Down => "down",
            Command::PageUp => "previous page",
            Command::PageDown => "next page",
            Command::Top => "first page",
            Command::Bottom => "last page",
            Command::Open => "open / drill down",
            Command::Back => "back",
            Command::Search => "search",
            Command::SortNext => "sort by next column",
            Command::SortReverse => "reverse the sort",
            Command::Mark => "mark / unmark row",
            Command::New => "new record",
            Command::Edit => "edit",
            Command::Delete => "delete / deactivate",
            Command::ToggleActive => "reactivate employee",
            Command::Assign => "assign support",
            Command::Unassign => "remove support",
            Command::Sign => "sign contract",
            Command::Pay => "record a payment",
            Command::NewEvent => "create the event",
            Command::Reassign => "give to another salesperson",
            Command::MarkRead => "mark read",
            Command::Export => "export view to CSV",
            Command::Yank => "copy rows to clipboard",
            Command::Filter(filter) => return format!("only {}", filter.label()),
            Command::Save => "save",
            Command::Cancel => "cancel",
            Command::NextField => "next field",
            Command::PrevField => "previous field",
            Command::Choose => "choose",
            Command::Yes => "yes",
            Command::No => "no",
            Command::SwitchDatabase => "demo company / next database",
            Command::Reload => "reload their version",
            Command::Overwrite => "overwrite with my fields",
        };
        plain.to_owned()
    }
}

/// A key with its modifiers, as bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    const fn plain(code: KeyCode) -> Key {
        Key { code, modifiers: KeyModifiers::NONE }
    }

    const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }

    const fn ctrl(c: char) -> Key {
        Key { code: KeyCode::Char(c), modifiers: KeyModifiers::CONTROL }
    }

    /// The key of a key event, with Shift folded into the character (so
    /// `G` matches whether or not the terminal reports Shift).
    pub fn of(event: &KeyEvent) -> Key {
        let mut modifiers = event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match event.code {
            KeyCode::Char(c) => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c)
            }
            KeyCode::BackTab => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Key { code, modifiers }
    }

    /// Parses `j`, `G`, `ctrl-s`, `alt-x`, `enter`, `esc`, `tab`,
    /// `backtab`, `space`, `pgup`, `pgdn`, `home`, `end`, arrows, `f1`…`f12`.
    pub fn parse(text: &str) -> Result<Key, String> {
        let text = text.trim();
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(after) = lower.strip_prefix("ctrl-").or_else(|| lower.strip_prefix("c-")) {
                modifiers |= KeyModifiers::CONTROL;
                rest = &rest[rest.len() - after.len()..];
            } else if let Some(after) = lower.strip_prefix("alt-") {
                modifiers |= KeyModifiers::ALT;
                rest = &rest[rest.len() - after.len()..];
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            lower
                if lower.len() > 1
                    && lower.starts_with('f')
                    && lower[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyCode::F(lower[1..].parse().unwrap_or(1))
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(if modifiers.contains(KeyModifiers::CONTROL) {
                        c.to_ascii_lowercase()
                    } else {
                        c
                    }),
                    _ => return Err(format!("\"{text}\" is not a key (examples: j, G, ctrl-s, enter, f5)")),
                }
            }
        };
        Ok(Key { code, modifiers })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One binding: in a context, these keys run a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub context: Context,
    pub command: Command,
    pub keys: Vec<Key>,
    /// Shown in the status bar.
    pub hint: bool,
}

/// Every binding, defaults first overridden by the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        use Command::*;
        use Context::*;
        let mut bindings = Vec::new();
        let mut bind = |context: Context, command: Command, keys: &[Key], hint: bool| {
            bindings.push(Binding { context, command, keys: keys.to_vec(), hint });
        };
        let plain = Key::plain;
        let ch = Key::ch;
        bind(Global, Help, &[ch('?'), plain(KeyCode::F(1))], true);
        bind(Global, CommandLine, &[ch(':')], true);
        bind(Global, Quit, &[ch('q')], true);
        bind(Global, NextTab, &[ch(']')], false);
        bind(Global, PrevTab, &[ch('[')], false);
        for n in 1..=7u8 {
            bind(Global, GoTab(n), &[Key::ch(char::from(b'0' + n))], false);
        }
        bind(Global, Refresh, &[Key::ctrl('r'), plain(KeyCode::F(5))], false);
        bind(Table, Up, &[ch('k'), plain(KeyCode::Up)], false);
        bind(Table, Down, &[ch('j'), plain(KeyCode::Down)], false);
        bind(Table, PageUp, &[plain(KeyCode::PageUp), Key::ctrl('b')], false);
        bind(Table, PageDown, &[plain(KeyCode::PageDown), Key::ctrl('f')], false);
        bind(Table, Top, &[ch('g'), plain(KeyCode::Home)], false);
        bind(Table, Bottom, &[ch('G'), plain(KeyCode::End)], false);
        bind(Table, Open, &[plain(KeyCode::Enter)], true);
        bind(Table, Back, &[plain(KeyCode::Esc)], false);
        bind(Table, Command::Search, &[ch('/')], true);
        bind(Table, SortNext, &[ch('o')], false);
        bind(Table, SortReverse, &[ch('O')], false);
        bind(Table, Mark, &[ch(' ')], false);
        bind(Table, New, &[ch('n')], true);
        bind(Table, Edit, &[ch('e')], true);
        bind(Table, Delete, &[ch('d')], false);
        bind(Table, ToggleActive, &[ch('r')], false);
        bind(Table, Assign, &[ch('a')], true);
        bind(Table, Unassign, &[ch('A')], false);
        bind(Table, Sign, &[ch('s')], true);
        bind(Table, Pay, &[ch('$')], true);
        bind(Table, NewEvent, &[ch('v')], true);
        bind(Table, Reassign, &[ch('R')], false);
        bind(Table, MarkRead, &[ch('x')], true);
        bind(Table, Export, &[Key::ctrl('e')], false);
        bind(Table, Yank, &[ch('y')], false);
        for filter in super::lists::Filter::ALL {
            bind(Table, Filter(filter), &[ch(filter.key())], false);
        }
        bind(Form, Save, &[Key::ctrl('s')], true);
        bind(Form, Cancel, &[plain(KeyCode::Esc)], true);
        bind(Form, NextField, &[plain(KeyCode::Tab), plain(KeyCode::Down), plain(KeyCode::Enter)], true);
        bind(Form, PrevField, &[plain(KeyCode::BackTab), plain(KeyCode::Up)], false);
        bind(Form, Help, &[plain(KeyCode::F(1))], false);
        bind(Gate, Save, &[Key::ctrl('s')], true);
        bind(Gate, NextField, &[plain(KeyCode::Tab), plain(KeyCode::Down), plain(KeyCode::Enter)], true);
        bind(Gate, PrevField, &[plain(KeyCode::BackTab), plain(KeyCode::Up)], false);
        bind(Gate, SwitchDatabase, &[plain(KeyCode::F(2))], true);
        bind(Context::Search, Choose, &[plain(KeyCode::Enter)], true);
        bind(Context::Search, Cancel, &[plain(KeyCode::Esc)], true);
        bind(Context::Search, Up, &[plain(KeyCode::Up)], false);
        bind(Context::Search, Down, &[plain(KeyCode::Down)], false);
        bind(Conflict, Reload, &[ch('r')], true);
        bind(Conflict, Overwrite, &[ch('o')], true);
        bind(Conflict, Cancel, &[plain(KeyCode::Esc), ch('c')], true);
        bind(Popup, Up, &[ch('k'), plain(KeyCode::Up)], false);
        bind(Popup, Down, &[ch('j'), plain(KeyCode::Down)], false);
        bind(Popup, Choose, &[plain(KeyCode::Enter)], true);
        bind(Popup, Yes, &[ch('y')], true);
        bind(Popup, No, &[ch('n')], true);
        bind(Popup, Cancel, &[plain(KeyCode::Esc)], true);
        Keymap { bindings }
    }
}

impl Keymap {
    /// The defaults with the configuration's overrides: each entry maps a
    /// command name (`sign`, `table.sign`, `filter-unsigned`) to one key or
    /// a list of keys, which replace that command's keys.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> Result<Keymap, String> {
        let mut keymap = Keymap::default();
        for (name, keys) in overrides {
            let (context, command) = match name.split_once('.') {
                Some((context, command)) => (Some(context), command),
                None => (None, name.as_str()),
            };
            let parsed: Vec<Key> = keys
                .iter()
                .map(|key| Key::parse(key).map_err(|err| format!("[keys] {name}: {err}.")))
                .collect::<Result<_, _>>()?;
            let mut found = false;
            for binding in &mut keymap.bindings {
                if binding.command.name() == command && context.is_none_or(|c| c == binding.context.name()) {
                    binding.keys = parsed.clone();
                    found = true;
                }
            }
            if !found {
                return Err(format!(
                    "[keys] {name}: there is no such command; the README lists them (e.g. sign, table.search, filter-unsigned)."
                ));
            }
        }
        keymap.check()?;
        Ok(keymap)
    }

    /// Refuses a key that runs two commands where both are live (the same
    /// context, or the table and the global keys): one of them could never
    /// run, and the help would list the key twice.
    fn check(&self) -> Result<(), String> {
        for (at, first) in self.bindings.iter().enumerate() {
            for second in &self.bindings[at + 1..] {
                let together = first.context == second.context || first.context.alongside().contains(&second.context);
                if !together || first.command == second.command {
                    continue;
                }
                if let Some(key) = first.keys.iter().find(|key| second.keys.contains(key)) {
                    let both = if first.context == second.context {
                        format!("in the {} keys", first.context.name())
                    } else {
                        format!("in the {} and {} keys", first.context.name(), second.context.name())
                    };
                    return Err(format!(
                        "[keys]: {key} is bound to both \"{}\" ({}) and \"{}\" ({}) {both}; give one of them another key.",
                        first.command.name(),
                        first.command.describe(),
                        second.command.name(),
                        second.command.describe(),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The command a key runs in a context.
    pub fn command(&self, context: Context, event: &KeyEvent) -> Option<Command> {
        let key = Key::of(event);
        self.bindings
            .iter()
            .find(|binding| binding.context == context && binding.keys.contains(&key))
            .map(|binding| binding.command)
    }

    /// The bindings of a context, in order.
    pub fn bindings(&self, context: Context) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(move |binding| binding.context == context)
    }

    /// The keys of a command in a context.
    fn keys(&self, context: Context, command: Command) -> &[Key] {
        self.bindings
            .iter()
            .find(|binding| binding.context == context && binding.command == command)
            .map_or(&[], |binding| binding.keys.as_slice())
    }

    /// The first `count` keys of a command in a context, as footers and
    /// messages name them (`Tab/↓`).
    pub fn keys_of(&self, context: Context, command: Command, count: usize) -> String {
        self.keys(context, command).iter().take(count).map(Key::to_string).collect::<Vec<_>>().join("/")
    }

    /// The first key of a command in a context, if it has one.
    pub fn first_key(&self, context: Context, command: Command) -> Option<Key> {
        self.keys(context, command).first().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn shift_is_folded_into_characters() {
        let keymap = Keymap::default();
        let shifted = key(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(keymap.command(Context::Table, &shifted), Some(Command::Bottom));
        assert_eq!(keymap.command(Context::Form, &key(KeyCode::Char('s'), KeyModifiers::CONTROL)), Some(Command::Save));
    }

    #[test]
    fn keys_parse_and_print() {
        assert_eq!(Key::parse("ctrl-s"), Ok(Key::ctrl('s')));
        assert_eq!(Key::parse("C-S"), Ok(Key::ctrl('s')));
        assert_eq!(Key::parse("f5"), Ok(Key::plain(KeyCode::F(5))));
        assert_eq!(Key::parse("G"), Ok(Key::ch('G')));
        assert!(Key::parse("hyper-x").is_err());
        assert_eq!(Key::ctrl('s').to_string(), "Ctrl-s");
    }

    #[test]
    fn overrides_replace_a_commands_keys() {
        let overrides = BTreeMap::from([("table.sign".to_owned(), vec!["ctrl-g".to_owned()])]);
        let keymap = Keymap::with_overrides(&overrides).expect("valid override");
        assert_eq!(
            keymap.command(Context::Table, &key(KeyCode::Char('g'), KeyModifiers::CONTROL)),
            Some(Command::Sign)
        );
        assert_eq!(keymap.command(Context::Table, &key(KeyCode::Char('s'), KeyModifiers::NONE)), None);
        let unknown = BTreeMap::from([("launch".to_owned(), vec!["x".to_owned()])]);
        assert!(Keymap::with_overrides(&unknown).expect_err("unknown command").contains("no such command"));
        let bad = BTreeMap::from([("sign".to_owned(), vec!["hyper-x".to_owned()])]);
        assert!(Keymap::with_overrides(&bad).expect_err("bad key").contains("not a key"));
    }

    #[test]
    fn a_key_bound_to_two_live_commands_is_refused_naming_both() {
        let clash = BTreeMap::from([("sign".to_owned(), vec!["j".to_owned()])]);
        let refused = Keymap::with_overrides(&clash).expect_err("j moves down already");
        assert!(refused.contains("\"sign\"") && refused.contains("\"down\""), "{refused}");
        let over_global = BTreeMap::from([("table.yank".to_owned(), vec!["q".to_owned()])]);
        let refused = Keymap::with_overrides(&over_global).expect_err("q quits everywhere");
        assert!(
            refused.contains("\"quit\"") && refused.contains("table and global")
                || refused.contains("global and table")
        );
        // Another context may reuse a key: y is yes in a popup, yank in a table.
        let elsewhere = BTreeMap::from([("popup.yes".to_owned(), vec!["y".to_owned()])]);
        assert!(Keymap::with_overrides(&elsewhere).is_ok());
        assert!(Keymap::default().check().is_ok(), "the defaults hold");
    }

    #[test]
    fn no_key_is_bound_twice_in_a_context() {
        let keymap = Keymap::default();
        for context in Context::ALL {
            let mut seen = std::collections::HashSet::new();
            for binding in keymap.bindings(context) {
                for key in &binding.keys {
                    assert!(seen.insert(*key), "{key} bound twice in {}", context.name());
                }
            }
        }
    }
}
