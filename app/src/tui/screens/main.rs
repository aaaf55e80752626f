//! The main screen: the tabs over the logged-in employee's work, each with
//! its stack of lists (drill-down pushes, Esc pops), the form over them,
//! the table's keys, what popups came to, the results of loads and saves,
//! and the help and hints generated from the key map.

use std::collections::{BTreeMap, BTreeSet};

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use super::commands::{self, Then};
use super::forms::{FormKey, RecordForm};
use super::home::{self, HomeState};
use super::list::{self, ListView, SearchKey};
use crate::domain::Department;
use crate::domain::policy::Who;
use crate::error::Failure;
use crate::services::paging::PageRequest;
use crate::tui::action::Action;
use crate::tui::effect::{Effect, Save};
use crate::tui::keymap::{Command, Context, Keymap};
use crate::tui::lists::{ListKind, ListPage, ListQuery, Record, Scope};
use crate::tui::model::{Outcome, SessionInfo};
use crate::tui::popups::{CommandLine, Confirmed, Exporting, Help, HelpLine, Message, Pick, Popup, Reply};
use crate::tui::shared::Shared;
use crate::tui::theme::Theme;
use crate::tui::widgets::status::Tone;

/// A tab of the main screen: Home, or one of the record lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tab {
    Home,
    List(ListKind),
}

impl Tab {
    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::List(kind) => kind.title(),
            Tab::Home => "Home",
        }
    }

    /// A short title for narrow terminals.
    pub fn short(self) -> &'static str {
        match self {
            Tab::List(ListKind::Employees) => "Staff",
            Tab::List(ListKind::Notifications) => "Inbox",
            other => other.title(),
        }
    }

    /// The list it shows (Home shows none).
    pub fn kind(self) -> Option<ListKind> {
        match self {
            Tab::Home => None,
            Tab::List(kind) => Some(kind),
        }
    }

    /// The tabs a department sees, in order: the audit log is MANAGEMENT's.
    pub fn all(department: Department) -> Vec<Tab> {
        use ListKind::*;
        let mut tabs = vec![Tab::Home];
        tabs.extend([Clients, Contracts, Events, Employees].map(Tab::List));
        if department == Department::Management {
            tabs.push(Tab::List(Audit));
        }
        tabs.push(Tab::List(Notifications));
        tabs
    }
}

/// The file an export of `kind` offers: `epic-crm-clients-20261203-1140.csv`
/// in the current folder.
fn export_file_name(kind: ListKind) -> String {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M");
    format!("epic-crm-{}-{stamp}.csv", kind.title().to_lowercase())
}

/// The main screen: tabs over the logged-in employee's work.
#[derive(Clone, Debug)]
pub struct Main {
    pub me: SessionInfo,
    pub tab: Tab,
    pub home: HomeState,
    /// Each tab's stack of lists (drill-down pushes, Esc pops).
    pub views: BTreeMap<Tab, Vec<ListView>>,
    /// A create or edit form over the current tab.
    pub form: Option<RecordForm>,
    /// Commands (sign, assign…) on their way.
    pub commands: BTreeSet<u64>,
}

impl Main {
    /// The main screen as `me` first sees it.
    pub fn new(me: SessionInfo) -> Main {
        let mut views = BTreeMap::new();
        for tab in Tab::all(me.department) {
            if let Some(kind) = tab.kind() {
                views.insert(tab, vec![ListView::new(kind, None, me.department)]);
            }
        }
        // Each department lands on its own work: SUPPORT on their upcoming
        // events, the others on their dashboard.
        let tab = if me.department == Department::Support { Tab::List(ListKind::Events) } else { Tab::Home };
        Main { me, tab, home: HomeState::default(), views, form: None, commands: Default::default() }
    }

    /// The list on screen, if the tab shows one.
    pub fn view(&self) -> Option<&ListView> {
        self.views.get(&self.tab).and_then(|stack| stack.last())
    }

    fn view_mut(&mut self) -> Option<&mut ListView> {
        self.views.get_mut(&self.tab).and_then(|stack| stack.last_mut())
    }

    fn who(&self) -> Who {
        Who { employee_id: self.me.employee_id, department: self.me.department }
    }

    /// Whether nothing is being typed or awaited: others' changes may be
    /// loaded without a key press.
    pub fn idle(&self, sh: &Shared) -> bool {
        // Nor while an answer is awaited: a slow query is not replaced.
        let waiting = match self.view() {
            Some(view) => matches!(view.loading, list::Loading::Waiting(_)),
            None => self.home.waiting.is_some(),
        };
        self.form.is_none()
            && sh.popup.is_none()
            && !waiting
            && self.view().is_none_or(|view| view.search_input.is_none())
    }

    /// Whatever was on its way is answered for an ended session: nothing
    /// is awaited any more, the form stays as typed.
    pub fn suspend(&mut self) {
        self.commands.clear();
        if let Some(form) = self.form.as_mut() {
            form.stop_waiting();
        }
    }

    /// Loads the current tab again: from its first page (`fresh`) or the
    /// same page, keeping the selection.
    pub fn reload(&mut self, fresh: bool, sh: &mut Shared) {
        sh.last_refresh = sh.tick;
        if self.tab == Tab::Home {
            let request = sh.request();
            self.home.waiting = Some(request);
            sh.run(Effect::LoadDashboard { request, from: crate::domain::time::now_ms() });
            return;
        }
        let limit = sh.page_rows();
        let Some(view) = self.view_mut() else { return };
        let page = if fresh || view.loading == list::Loading::Idle { view.first(limit) } else { view.again(limit) };
        Self::load(view, page, sh);
    }

    fn load(view: &mut ListView, page: PageRequest, sh: &mut Shared) {
        let request = sh.request();
        view.waiting(request, page.clone());
        sh.run(Effect::LoadPage { request, query: view.query(page) });
    }

    // ----- keys -----

    /// Handles a key: the form's, the search box's, or the table's and
    /// the global ones.
    pub fn key(&mut self, key: &KeyEvent, sh: &mut Shared) {
        if let Some(form) = self.form.as_mut() {
            match form.key(key, sh) {
                FormKey::Stay => {}
                FormKey::Close => self.form = None,
                FormKey::Help => sh.popup = Some(Popup::Help(self.help(sh))),
            }
            return;
        }
        if let Some(view) = self.view_mut()
            && view.search_input.is_some()
        {
            match view.search_key(sh.keymap.command(Context::Search, key), key) {
                SearchKey::Stay => {}
                SearchKey::Reload => self.reload(true, sh),
                SearchKey::Move(command) => self.run(command, sh),
            }
            return;
        }
        let on_list = self.view().is_some();
        let keymap = &sh.keymap;
        let command = on_list
            .then(|| keymap.command(Context::Table, key))
            .flatten()
            .or_else(|| keymap.command(Context::Global, key))
            // Esc on Home does nothing; table keys there say so below.
            .or_else(|| if on_list { None } else { keymap.command(Context::Table, key) });
        if let Some(command) = command {
            self.run(command, sh);
        }
    }

    /// Pasted text: into the form, or the search box.
    pub fn paste(&mut self, text: &str, sh: &mut Shared) {
        if let Some(form) = &mut self.form {
            form.paste(text);
        } else if let Some(view) = self.view_mut()
            && view.paste_search(text) == SearchKey::Reload
        {
            self.reload(true, sh);
        }
    }

    /// A click on row `index` of the table.
    pub fn click(&mut self, index: usize) {
        if self.form.is_none()
            && let Some(view) = self.view_mut()
            && index < view.rows.len()
        {
            view.selected = index;
        }
    }

    /// Runs a command of the main screen.
    pub fn run(&mut self, command: Command, sh: &mut Shared) {
        match command {
            Command::Quit => {
                if self.views.get(&self.tab).map_or(1, Vec::len) > 1 {
                    self.run(Command::Back, sh);
                } else {
                    sh.quit = true;
                }
            }
            Command::Help => sh.popup = Some(Popup::Help(self.help(sh))),
            Command::CommandLine => sh.popup = Some(Popup::CommandLine(CommandLine::with(""))),
            Command::NextTab | Command::PrevTab | Command::GoTab(_) => {
                let tabs = Tab::all(self.me.department);
                let at = tabs.iter().position(|tab| *tab == self.tab).unwrap_or(0);
                let next = match command {
                    Command::NextTab => (at + 1) % tabs.len(),
                    Command::PrevTab => (at + tabs.len() - 1) % tabs.len(),
                    Command::GoTab(n) => usize::from(n).wrapping_sub(1),
                    _ => at,
                };
                if let Some(tab) = tabs.get(next) {
                    self.switch(*tab, sh);
                }
            }
            Command::Refresh => self.reload(false, sh),
            Command::Up | Command::Down | Command::PageUp | Command::PageDown | Command::Top | Command::Bottom => {
                let limit = sh.page_rows();
                if let Some(view) = self.view_mut()
                    && let Some(page) = view.navigate(command, limit)
                {
                    Self::load(view, page, sh);
                }
            }
            Command::Open => self.open(sh),
            Command::Back => {
                if let Some(stack) = self.views.get_mut(&self.tab) {
                    if stack.len() > 1 {
                        stack.pop();
                        self.reload(false, sh);
                    } else if let Some(view) = stack.last_mut() {
                        view.marked.clear();
                    }
                }
            }
            Command::Search => {
                if let Some(view) = self.view_mut() {
                    view.search_input = Some(crate::tui::popups::command_line::input_with(&view.search));
                }
            }
            Command::SortNext | Command::SortReverse => {
                if let Some(view) = self.view_mut() {
                    if command == Command::SortNext {
                        view.sort_next();
                    } else {
                        view.descending = !view.descending;
                    }
                    self.reload(true, sh);
                }
            }
            Command::Filter(filter) => {
                if let Some(view) = self.view_mut() {
                    if view.toggle(filter) {
                        self.reload(true, sh);
                    } else {
                        let kind = view.kind.title();
                        sh.say(format!("{kind} have no \"{}\" filter.", filter.label()), Tone::Error);
                    }
                }
            }
            Command::Mark
            | Command::New
            | Command::Edit
            | Command::Delete
            | Command::ToggleActive
            | Command::Assign
            | Command::Unassign
            | Command::Sign
            | Command::Pay
            | Command::NewEvent
            | Command::Reassign
            | Command::MarkRead => self.record_command(command, sh),
            Command::Export => match self.view() {
                Some(view) => {
                    let line = format!("export {}", export_file_name(view.kind));
                    sh.popup = Some(Popup::CommandLine(CommandLine::with(&line)));
                }
                None => sh.say(format!("Open a list ({}) to export it.", self.list_keys(sh)), Tone::Error),
            },
            Command::Yank => self.yank(sh),
            // Form and popup commands mean nothing on the tabs.
            Command::Save | Command::Cancel | Command::NextField | Command::PrevField => {}
            Command::Choose | Command::Yes | Command::No => {}
            Command::SwitchDatabase | Command::Reload | Command::Overwrite => {}
        }
    }

    /// The keys that open the lists, as messages name them ("2–7").
    fn list_keys(&self, sh: &Shared) -> String {
        let tabs = Tab::all(self.me.department).len() as u8;
        let first = sh.keymap.first_key(Context::Global, Command::GoTab(2));
        let last = sh.keymap.first_key(Context::Global, Command::GoTab(tabs));
        match (first, last) {
            (Some(first), Some(last)) => format!("{first}–{last}"),
            _ => ":clients, :events…".to_owned(),
        }
    }

    /// Shows `tab`: at once from what was loaded before, refreshed behind.
    pub fn switch(&mut self, tab: Tab, sh: &mut Shared) {
        self.tab = tab;
        self.reload(false, sh);
    }

    /// `Enter`: drill down (client → contracts → events) or show details.
    fn open(&mut self, sh: &mut Shared) {
        let department = self.me.department;
        if self.view().is_some_and(|view| matches!(view.loading, list::Loading::Waiting(_))) {
            sh.say("Loading… try again in a moment.", Tone::Info);
            return;
        }
        let Some(row) = self.view().and_then(ListView::selected_row).cloned() else { return };
        let next = match &row.record {
            Record::Client(client) => Some(ListView::new(
                ListKind::Contracts,
                Some(Scope::Client {
                    id: client.id,
                    name: crate::text::sanitize(&format!("{} {}", client.first_name, client.last_name)),
                }),
                department,
            )),
            Record::Contract(contract) => {
                Some(ListView::new(ListKind::Events, Some(Scope::Contract { id: contract.id }), department))
            }
            Record::Event(_) | Record::Employee(_) | Record::Audit(_) | Record::Notification(_) => None,
        };
        match next {
            Some(view) => {
                if let Some(stack) = self.views.get_mut(&self.tab) {
                    stack.push(view);
                }
                self.reload(true, sh);
            }
            None => {
                if let Record::Notification(note) = &row.record
                    && note.read_at.is_none()
                {
                    self.command(Save::MarkRead { ids: vec![note.id] }, sh);
                }
                sh.popup = Some(Popup::Detail(Box::new(row)));
            }
        }
    }

    fn record_command(&mut self, command: Command, sh: &mut Shared) {
        let who = self.who();
        let Some(view) = self.view() else {
            let keys = self.list_keys(sh);
            sh.say(format!("\"{}\" works in a list: open one with {keys}.", command.describe()), Tone::Error);
            return;
        };
        match commands::run(view, who, command, sh) {
            Then::Nothing => {}
            Then::Form(form) => self.form = Some(*form),
            Then::Mark => {
                if let Some(view) = self.view_mut() {
                    view.mark();
                }
            }
            Then::Save(save) => self.command(save, sh),
        }
    }

    /// Runs a change that has no form (sign, assign, deactivate…).
    fn command(&mut self, save: Save, sh: &mut Shared) {
        let request = sh.request();
        self.commands.insert(request);
        sh.run(Effect::Save { request, save });
    }

    /// `y`: the marked rows on this page, or the selected one, to the
    /// terminal's clipboard.
    fn yank(&mut self, sh: &mut Shared) {
        let Some(view) = self.view() else {
            sh.say(format!("Open a list ({}) to copy rows from it.", self.list_keys(sh)), Tone::Error);
            return;
        };
        let Some((text, count, elsewhere)) = view.yank() else {
            sh.say("Nothing to copy: the list is empty.", Tone::Error);
            return;
        };
        sh.run(Effect::Clipboard { text });
        let what = if count == 1 { "1 row".to_owned() } else { format!("{count} rows") };
        let note = if elsewhere > 0 { format!("; {elsewhere} marked on other pages were not") } else { String::new() };
        sh.say(format!("Copied {what} to the clipboard (OSC 52){note}."), Tone::Info);
    }

    // ----- popups -----

    /// Acts on what a popup came to.
    pub fn popup_reply(&mut self, reply: Reply, sh: &mut Shared) {
        match reply {
            Reply::Keep(popup) => sh.popup = Some(popup),
            Reply::Close => {}
            Reply::Confirmed(action) => self.confirmed(action, sh),
            Reply::Chose { purpose, choice } => {
                let (question, save) = match purpose {
                    Pick::Assign { ids } => (
                        format!(
                            "Assign {} {} to {} ({})?",
                            ids.len(),
                            if ids.len() == 1 { "event" } else { "events" },
                            choice.label,
                            choice.detail
                        ),
                        Save::Assign { ids, support_id: choice.id },
                    ),
                    Pick::Reassign { client_id, version } => (
                        format!("Give client {client_id} and its contracts to {}?", choice.label),
                        Save::Reassign { id: client_id, sales_contact_id: choice.id, version: Some(version) },
                    ),
                };
                sh.confirm(question, Confirmed::Save(save));
            }
            Reply::Run(mut line) => {
                if let Err(error) = self.command_line(&line.text(), sh) {
                    line.error = Some(error);
                    sh.popup = Some(Popup::CommandLine(line));
                }
            }
            Reply::Resolve { save, resolution } => {
                if let Some(form) = self.form.as_mut() {
                    form.resolve(save, resolution, sh);
                }
            }
            Reply::CancelExport { request, popup } => {
                sh.run(Effect::CancelExport { request });
                sh.popup = Some(popup);
            }
        }
    }

    fn confirmed(&mut self, action: Confirmed, sh: &mut Shared) {
        match action {
            Confirmed::Save(save) => self.command(save, sh),
            Confirmed::Discard => {
                self.form = None;
                sh.say("Changes discarded.", Tone::Info);
            }
            Confirmed::Logout => sh.start(Effect::Logout),
            Confirmed::Export { query, path } => Self::start_export(query, path, true, sh),
        }
    }

    /// Runs a `:` command; the error to show when it is not one.
    fn command_line(&mut self, text: &str, sh: &mut Shared) -> Result<(), String> {
        let name = text.trim_start_matches(':');
        match name {
            "q" | "quit" | "q!" => sh.quit = true,
            "help" => sh.popup = Some(Popup::Help(self.help(sh))),
            "logout" => sh.confirm("Log out of this database?".to_owned(), Confirmed::Logout),
            "" => {}
            "export" => return self.export(None, sh),
            other if other.starts_with("export ") => return self.export(Some(other["export ".len()..].trim()), sh),
            "inbox" => self.go(Tab::List(ListKind::Notifications), sh)?,
            other => {
                // `:clients`, `:audit`… name a tab by its title; those
                // the department does not have are refused by name below.
                let every = Tab::all(Department::Management);
                match every.into_iter().find(|tab| tab.title().eq_ignore_ascii_case(other)) {
                    Some(tab) => self.go(tab, sh)?,
                    None => {
                        return Err(format!(
                            "Unknown command \"{}\": try clients, contracts, events, employees, audit, notifications, home, export FILE, logout, help or q.",
                            crate::text::sanitize(other)
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// `:TAB`: goes there, when the employee's department has it.
    fn go(&mut self, tab: Tab, sh: &mut Shared) -> Result<(), String> {
        if !Tab::all(self.me.department).contains(&tab) {
            return Err(format!("The {} tab is for MANAGEMENT.", tab.title()));
        }
        self.switch(tab, sh);
        Ok(())
    }

    /// `:export [FILE]`: the list on screen — its filters, search and sort,
    /// every page — to a CSV file (the CLI's `--format csv`).
    fn export(&mut self, file: Option<&str>, sh: &mut Shared) -> Result<(), String> {
        let Some(view) = self.view() else {
            return Err(format!("Open a list ({}) to export it.", self.list_keys(sh)));
        };
        let query = view.query(PageRequest::first(500));
        let file = match file {
            Some(file) if !file.is_empty() => file.to_owned(),
            _ => export_file_name(view.kind),
        };
        let path = match file.strip_prefix("~/") {
            Some(rest) => match std::env::var_os("HOME") {
                Some(home) => std::path::PathBuf::from(home).join(rest),
                None => return Err("~ cannot be expanded here (no HOME): give the full path.".into()),
            },
            None => std::path::PathBuf::from(file),
        };
        Self::start_export(query, path, false, sh);
        Ok(())
    }

    fn start_export(query: ListQuery, path: std::path::PathBuf, overwrite: bool, sh: &mut Shared) {
        let request = sh.request();
        sh.popup = Some(Popup::Exporting(Exporting::new(request, query.clone(), path.clone())));
        sh.run(Effect::Export { request, query, path, overwrite });
    }

    // ----- results -----

    /// An answer for the main screen or its popups.
    pub fn answer(&mut self, action: Action, sh: &mut Shared) {
        match action {
            Action::PageLoaded { request, result } => self.page_loaded(request, result, sh),
            Action::DashboardLoaded { request, result } => self.home.loaded(request, result, sh),
            Action::RecordLoaded { request, result } => {
                if let Some(form) = self.form.as_mut() {
                    form.reloaded(request, result, sh);
                }
            }
            Action::Saved { request, result } => self.saved(request, result, sh),
            Action::Exported { request, result } => self.exported(request, result, sh),
            Action::UnreadCounted(Ok(count)) => {
                let changed = count != sh.unread;
                sh.unread = count;
                if changed && self.tab == Tab::List(ListKind::Notifications) {
                    self.reload(false, sh);
                }
            }
            Action::LoadsLoaded { request, result } => {
                if let Some(Popup::Picker(picker)) = &mut sh.popup
                    && picker.loaded(request, &result)
                    && let Err(failure) = result
                {
                    sh.failed(failure);
                }
            }
            Action::ExportProgress { request, rows, total } => {
                if let Some(Popup::Exporting(export)) = sh.popup.as_mut()
                    && export.request == request
                {
                    (export.rows, export.total) = (rows, total);
                }
            }
            // The application handles the others.
            Action::Key(_)
            | Action::Paste(_)
            | Action::Mouse(_)
            | Action::Resize(..)
            | Action::Tick
            | Action::TerminalLost
            | Action::Started(_)
            | Action::SignedIn(_)
            | Action::DemoLoaded(_)
            | Action::LoggedOut(_)
            | Action::UnreadCounted(Err(_)) => {}
        }
    }

    /// A page arrived; a result nobody waits for any more (a newer search,
    /// another page) is dropped.
    fn page_loaded(&mut self, request: u64, result: Result<ListPage, Failure>, sh: &mut Shared) {
        let Some(view) =
            self.views.values_mut().flat_map(|stack| stack.iter_mut()).find(|view| view.waits_for(request))
        else {
            return;
        };
        match result {
            Ok(page) => {
                view.loaded(page);
                sh.answered();
            }
            Err(failure) => {
                view.failed(failure.message.clone());
                sh.failed(failure);
            }
        }
    }

    /// A save or command finished: the form closes and the rows show the
    /// change, or the form stays as typed and says why.
    fn saved(&mut self, request: u64, result: Result<Outcome, Failure>, sh: &mut Shared) {
        let from_form = self.form.as_ref().is_some_and(|form| form.saves(request));
        let from_command = self.commands.remove(&request);
        if !from_form && !from_command {
            return;
        }
        match result {
            Ok(outcome) => {
                if from_form {
                    self.form = None;
                }
                if let Some(row) = &outcome.record {
                    for view in self.views.values_mut().flat_map(|stack| stack.iter_mut()) {
                        view.replace(row);
                    }
                }
                if let Some(view) = self.view_mut() {
                    view.marked.clear();
                }
                if let Some(password) = outcome.one_time_password {
                    sh.popup = Some(Popup::Message(Message {
                        title: "One-time password".to_owned(),
                        lines: vec![
                            outcome.message.clone(),
                            String::new(),
                            format!("    {password}"),
                            String::new(),
                            "It is shown only now; they choose their own at first login.".to_owned(),
                        ],
                    }));
                }
                sh.answered();
                sh.say(outcome.message, Tone::Success);
                self.reload(false, sh);
            }
            Err(failure) => {
                match self.form.as_mut().filter(|_| from_form) {
                    Some(form) => form.refused(&failure, sh),
                    None => sh.say(failure.message.clone(), Tone::Error),
                }
                sh.failed(failure);
            }
        }
    }

    /// An export finished, failed, or found its file taken (then asks).
    fn exported(&mut self, request: u64, result: Result<(u64, std::path::PathBuf), Failure>, sh: &mut Shared) {
        let Some(Popup::Exporting(export)) = sh.popup.clone() else { return };
        if export.request != request {
            return;
        }
        sh.popup = None;
        match result {
            Ok((rows, path)) => {
                let shown = crate::text::sanitize(&path.display().to_string());
                let noun = if rows == 1 { "row" } else { "rows" };
                sh.say(format!("Exported {} {noun} to {shown}.", crate::text::grouped(rows)), Tone::Info);
            }
            Err(failure) if failure.kind == crate::error::FailureKind::Conflict => {
                let shown = crate::text::sanitize(&export.path.display().to_string());
                sh.confirm(
                    format!("{shown} exists already. Replace it?"),
                    Confirmed::Export { query: export.query, path: export.path },
                );
            }
            Err(failure) => sh.say(failure.message, Tone::Error),
        }
    }

    // ----- help -----

    /// The help for what is on screen, generated from the key map: only
    /// commands that mean something here and that the employee may run.
    pub fn help(&self, sh: &Shared) -> Help {
        let keymap = &sh.keymap;
        let mut lines = Vec::new();
        let add =
            |lines: &mut Vec<HelpLine>, section: &'static str, context: Context, keep: &dyn Fn(Command) -> bool| {
                for binding in keymap.bindings(context) {
                    if keep(binding.command) && !binding.keys.is_empty() {
                        lines.push(HelpLine {
                            section,
                            keys: binding.keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "),
                            what: binding.command.describe(),
                        });
                    }
                }
            };
        if self.form.is_some() {
            add(&mut lines, "Form", Context::Form, &|_| true);
            return Help { lines };
        }
        let tabs = Tab::all(self.me.department).len() as u8;
        add(&mut lines, "Everywhere", Context::Global, &|command| !matches!(command, Command::GoTab(_)));
        // The number keys read better as one line ("1–7").
        let first = keymap.first_key(Context::Global, Command::GoTab(1));
        let last = keymap.first_key(Context::Global, Command::GoTab(tabs));
        if let (Some(first), Some(last)) = (first, last) {
            lines.push(HelpLine {
                section: "Everywhere",
                keys: format!("{first}–{last}"),
                what: "go to that tab".to_owned(),
            });
        }
        if let Some(view) = self.view() {
            let kind = view.kind;
            let who = self.who();
            add(&mut lines, kind.title(), Context::Table, &|command| match command {
                Command::Filter(filter) => kind.filters().contains(&filter),
                Command::Up
                | Command::Down
                | Command::PageUp
                | Command::PageDown
                | Command::Top
                | Command::Bottom
                | Command::Open
                | Command::Back
                | Command::Search
                | Command::SortNext
                | Command::SortReverse => true,
                other => commands::offered(kind, other, who),
            });
        }
        Help { lines }
    }

    /// The key hints of the status line.
    pub fn hints(&self, sh: &Shared) -> Vec<(String, String)> {
        let keymap = &sh.keymap;
        let context = if self.form.is_some() { Context::Form } else { Context::Table };
        let mut hints: Vec<(String, String)> = Vec::new();
        for binding in keymap.bindings(context) {
            let relevant = match (context, self.view()) {
                (Context::Table, Some(view)) => {
                    matches!(binding.command, Command::Open | Command::Search)
                        || commands::offered(view.kind, binding.command, self.who())
                }
                (Context::Table, None) => false,
                _ => true,
            };
            if binding.hint
                && relevant
                && let Some(key) = binding.keys.first()
            {
                hints.push((key.to_string(), binding.command.describe()));
            }
        }
        for command in [Command::Help, Command::CommandLine, Command::Quit] {
            // The first key only: the hints are a reminder, the help lists all.
            if let Some(key) = keymap.first_key(Context::Global, command) {
                hints.push((key.to_string(), command.describe().split(' ').next().unwrap_or("").to_owned()));
            }
        }
        hints
    }

    // ----- drawing -----

    /// Draws the tab's body (the list or Home) and the form over it;
    /// returns where the list's rows are, for the mouse.
    pub fn render(&self, frame: &mut Frame, body: Rect, theme: Theme, spinner: &str, keys: &Keymap) -> Option<Rect> {
        let rows = match self.view() {
            None => {
                home::render(frame, body, &self.home, &self.me, theme, spinner);
                None
            }
            Some(view) => list::render(frame, body, view, theme, spinner, keys),
        };
        if let Some(form) = &self.form {
            form.render(frame, body, theme, keys);
        }
        rows
    }
}
