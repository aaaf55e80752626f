//! The application: its state, `update` (an action in, the state changed
//! and effects out) and `render`.  `update` never awaits and never touches
//! the database, so every screen is tested without a terminal or a store.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::Paragraph;
use ratatui_textarea::TextArea;

use super::action::Action;
use super::effect::{Effect, Save};
use super::keymap::{Command, Context, Keymap};
use super::lists::{DisplayRow, ListKind, Record, Scope};
use super::model::{Outcome, SessionInfo, Startup};
use super::screens::forms::{RecordForm, Target};
use super::screens::home::{self, HomeState};
use super::screens::list::{self, ListView};
use super::screens::login::{self, Gate, GateScreen};
use super::theme::Theme;
use super::widgets::form;
use super::widgets::popup::{self, Choice, Confirmed, HelpLine, Pick, Popup};
use super::widgets::status::{self, SPINNER, Tone};
use crate::domain::Department;
use crate::domain::policy::{self, Action as Permission, Owners, Who};
use crate::error::{Failure, FailureKind};
use crate::services::accounts::EmployeeForm;

/// Ticks per second (the event loop ticks every 100 ms).
pub const TICKS_PER_SECOND: u64 = 10;
/// How often the unread count is polled.
const POLL_TICKS: u64 = 3 * TICKS_PER_SECOND;
/// How often the visible list is refreshed when idle (others' changes).
const REFRESH_TICKS: u64 = 15 * TICKS_PER_SECOND;
/// Longest wait between two retries after losing the database.
const MAX_BACKOFF_TICKS: u64 = 30 * TICKS_PER_SECOND;

/// A tab of the main screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tab {
    Home,
    Clients,
    Contracts,
    Events,
    Employees,
    Audit,
    Notifications,
}

impl Tab {
    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self.kind() {
            Some(kind) => kind.title(),
            None => "Home",
        }
    }

    /// A short title for narrow terminals.
    pub fn short(self) -> &'static str {
        match self {
            Tab::Employees => "Staff",
            Tab::Notifications => "Inbox",
            other => other.title(),
        }
    }

    /// The list it shows (Home shows none).
    pub fn kind(self) -> Option<ListKind> {
        match self {
            Tab::Home => None,
            Tab::Clients => Some(ListKind::Clients),
            Tab::Contracts => Some(ListKind::Contracts),
            Tab::Events => Some(ListKind::Events),
            Tab::Employees => Some(ListKind::Employees),
            Tab::Audit => Some(ListKind::Audit),
            Tab::Notifications => Some(ListKind::Notifications),
        }
    }

    /// The tabs a department sees, in order: the audit log is MANAGEMENT's.
    pub fn all(department: Department) -> Vec<Tab> {
        let mut tabs = vec![Tab::Home, Tab::Clients, Tab::Contracts, Tab::Events, Tab::Employees];
        if department == Department::Management {
            tabs.push(Tab::Audit);
        }
        tabs.push(Tab::Notifications);
        tabs
    }
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
    pub commands: std::collections::BTreeSet<u64>,
}

impl Main {
    fn new(me: SessionInfo) -> Main {
        let mut views = BTreeMap::new();
        for tab in Tab::all(me.department) {
            if let Some(kind) = tab.kind() {
                views.insert(tab, vec![ListView::new(kind, None, me.department)]);
            }
        }
        // Each department lands on its own work: SUPPORT on their upcoming
        // events, the others on their dashboard.
        let tab = if me.department == Department::Support { Tab::Events } else { Tab::Home };
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
}

/// What fills the terminal.
#[derive(Clone, Debug)]
pub enum Screen {
    /// Opening the database; a message when that failed.
    Starting(Option<String>),
    /// Login, bootstrap or password change.
    Gate(GateScreen),
    /// The tabs.
    Main(Box<Main>),
}

/// The whole application state.
pub struct App {
    pub keymap: Keymap,
    pub theme: Theme,
    pub width: u16,
    pub height: u16,
    /// The database, as messages name it.
    pub database: String,
    /// The configured profile in use, when the database came from one.
    pub profile: Option<String>,
    /// Every configured profile (the login screen picks among them).
    pub profiles: Vec<String>,
    pub screen: Screen,
    pub popup: Option<Popup>,
    /// The last message for the status line.
    pub message: Option<(String, Tone)>,
    /// Shown while the database cannot be reached.
    pub banner: Option<String>,
    pub unread: u64,
    /// The main screen as it was when the session ended: given back, form
    /// and all, when the same employee logs in again.
    suspended: Option<Box<Main>>,
    /// Set when the application should end.
    pub quit: bool,
    tick: u64,
    in_flight: usize,
    next_request: u64,
    retry_at: Option<u64>,
    backoff: u64,
    last_refresh: u64,
}

/// The file an export of `kind` offers: `epic-crm-clients-20261203-1140.csv`
/// in the current folder.
fn export_file_name(kind: ListKind) -> String {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M");
    format!("epic-crm-{}-{stamp}.csv", kind.title().to_lowercase())
}

/// Whether a key is Ctrl-c.
fn is_interrupt(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && matches!(key.code, KeyCode::Char('c'))
}

fn input_with(text: &str) -> TextArea<'static> {
    let mut input = TextArea::new(vec![text.to_owned()]);
    input.move_cursor(ratatui_textarea::CursorMove::End);
    input.set_cursor_line_style(ratatui::style::Style::new());
    input
}

/// Which permission a record command needs in a list (`None`: none
/// needed); `Err` when the command means nothing there.
fn permission(kind: ListKind, command: Command, department: Department) -> Result<Option<Permission>, ()> {
    use Command::*;
    use ListKind::*;
    Ok(match (kind, command) {
        (Clients, New) => Some(Permission::CreateClient),
        (Clients, Edit) if department == Department::Management => Some(Permission::ReassignClient),
        (Clients, Edit) => Some(Permission::UpdateClient),
        (Clients, Reassign) => Some(Permission::ReassignClient),
        (Contracts, New) => Some(Permission::CreateContract),
        (Contracts, Edit | Pay) => Some(Permission::UpdateContract),
        (Contracts, Sign) => Some(Permission::SignContract),
        (Contracts, Delete) => Some(Permission::DeleteContract),
        (Contracts, NewEvent) => Some(Permission::CreateEvent),
        (Events, Edit) => Some(Permission::UpdateEvent),
        (Events, Assign | Unassign | Mark) => Some(Permission::AssignSupport),
        (Employees, New) => Some(Permission::CreateEmployee),
        (Employees, Edit) => Some(Permission::UpdateEmployee),
        (Employees, Delete) => Some(Permission::DeactivateEmployee),
        (Employees, ToggleActive) => Some(Permission::ReactivateEmployee),
        (Notifications, MarkRead | Mark) => None,
        // Whatever a list shows may be exported or copied.
        (_, Export | Yank) => None,
        _ => return Err(()),
    })
}

impl App {
    /// A new application about to open its database.
    pub fn new(keymap: Keymap, theme: Theme, width: u16, height: u16) -> App {
        App {
            keymap,
            theme,
            width,
            height,
            database: String::new(),
            profile: None,
            profiles: Vec::new(),
            screen: Screen::Starting(None),
            popup: None,
            message: None,
            banner: None,
            unread: 0,
            suspended: None,
            quit: false,
            tick: 0,
            in_flight: 0,
            next_request: 0,
            retry_at: None,
            backoff: TICKS_PER_SECOND,
            last_refresh: 0,
        }
    }

    /// The effects to run first.
    pub fn start(&mut self) -> Vec<Effect> {
        self.in_flight += 1;
        vec![Effect::Start]
    }

    /// Whether work is pending (the spinner turns).
    pub fn busy(&self) -> bool {
        self.in_flight > 0
    }

    fn spinner(&self) -> &'static str {
        SPINNER[(self.tick as usize) % SPINNER.len()]
    }

    fn request(&mut self) -> u64 {
        self.next_request += 1;
        self.in_flight += 1;
        self.next_request
    }

    fn settle(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    fn say(&mut self, text: impl Into<String>, tone: Tone) {
        self.message = Some((text.into(), tone));
    }

    /// Rows per page: the table's height on this terminal.
    pub fn page_rows(&self) -> u64 {
        let chrome = 5 + u16::from(self.banner.is_some());
        u64::from(self.height.saturating_sub(chrome).max(1))
    }

    fn main_mut(&mut self) -> Option<&mut Main> {
        match &mut self.screen {
            Screen::Main(main) => Some(main),
            _ => None,
        }
    }

    /// Handles one action; returns the effects to run.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let mut effects = Vec::new();
        match action {
            Action::Key(key) => {
                if key.kind != KeyEventKind::Release {
                    self.key(key, &mut effects);
                }
            }
            Action::Paste(text) => self.paste(&text, &mut effects),
            Action::Mouse(mouse) => self.mouse(mouse, &mut effects),
            Action::Resize(width, height) => {
                let before = self.page_rows();
                self.width = width;
                self.height = height;
                if self.page_rows() != before {
                    self.reload(false, &mut effects);
                }
            }
            Action::Tick => self.on_tick(&mut effects),
            Action::TerminalLost => self.quit = true,
            Action::Started(result) => {
                self.settle();
                self.started(result, &mut effects);
            }
            Action::SignedIn(result) => {
                self.settle();
                self.signed_in(result, &mut effects);
            }
            Action::DemoLoaded(result) => {
                self.settle();
                match result {
                    Ok(message) => {
                        let mut screen = GateScreen::login("manager@demo.test");
                        screen.notice = Some(message);
                        self.screen = Screen::Gate(screen);
                    }
                    Err(failure) => self.gate_failed(failure),
                }
            }
            Action::LoggedOut(result) => {
                self.settle();
                let mut screen = GateScreen::login("");
                screen.notice = Some(match result {
                    Ok(()) => "You are logged out.".to_owned(),
                    Err(failure) => format!("Logged out here; the database could not be told: {}", failure.message),
                });
                self.screen = Screen::Gate(screen);
                self.unread = 0;
            }
            Action::PageLoaded { request, result } => {
                self.settle();
                self.page_loaded(request, result);
            }
            Action::DashboardLoaded { request, result } => {
                self.settle();
                let answered = result.is_ok();
                let failure = match self.main_mut() {
                    Some(main) if main.home.waiting == Some(request) => {
                        main.home.waiting = None;
                        match result {
                            Ok(dashboard) => {
                                main.home.dashboard = Some(dashboard);
                                main.home.error = None;
                                None
                            }
                            Err(failure) => {
                                main.home.error = Some(failure.message.clone());
                                Some(failure)
                            }
                        }
                    }
                    _ => None,
                };
                match failure {
                    Some(failure) => self.failed(failure),
                    None if answered => self.reachable(),
                    None => {}
                }
            }
            Action::LoadsLoaded { request, result } => {
                self.settle();
                if let Some(Popup::Picker { items, waiting, error, selected, purpose, .. }) = &mut self.popup
                    && *waiting == Some(request)
                {
                    *waiting = None;
                    match result {
                        Ok(loads) => {
                            let unit =
                                if matches!(purpose, Pick::Assign { .. }) { "upcoming events" } else { "clients" };
                            *items = loads
                                .into_iter()
                                .map(|load| Choice {
                                    id: load.employee_id,
                                    label: crate::text::sanitize(&format!("{} {}", load.first_name, load.last_name)),
                                    detail: format!("{} {unit}", load.load),
                                })
                                .collect();
                            *selected = 0;
                        }
                        Err(failure) => {
                            *error = Some(failure.message.clone());
                            self.failed(failure);
                        }
                    }
                }
            }
            Action::RecordLoaded { request, result } => {
                self.settle();
                self.record_loaded(request, result);
            }
            Action::Saved { request, result } => {
                self.settle();
                self.saved(request, result, &mut effects);
            }
            Action::ExportProgress { request, rows, total } => {
                if let Some(Popup::Exporting { request: running, rows: shown, total: expected, .. }) =
                    self.popup.as_mut()
                    && *running == request
                {
                    *shown = rows;
                    *expected = total;
                }
            }
            Action::Exported { request, result } => {
                self.settle();
                self.exported(request, result);
            }
            Action::UnreadCounted(result) => match result {
                // A count asked for before a logout belongs to nobody here.
                Ok(_) if !matches!(self.screen, Screen::Main(_)) => {}
                Ok(count) => {
                    let changed = count != self.unread;
                    self.unread = count;
                    if changed
                        && let Some(main) = self.main_mut()
                        && main.tab == Tab::Notifications
                    {
                        self.reload(false, &mut effects);
                    }
                }
                Err(failure) => self.failed(failure),
            },
        }
        effects
    }

    fn on_tick(&mut self, effects: &mut Vec<Effect>) {
        self.tick += 1;
        if let Some(at) = self.retry_at
            && self.tick >= at
        {
            self.retry_at = None;
            match &self.screen {
                Screen::Starting(_) => {
                    self.in_flight += 1;
                    effects.push(Effect::Start);
                }
                Screen::Main(_) => {
                    self.reload(false, effects);
                    effects.push(Effect::CountUnread);
                }
                Screen::Gate(_) => {}
            }
        }
        if let Screen::Main(main) = &self.screen {
            if self.tick.is_multiple_of(POLL_TICKS) {
                effects.push(Effect::CountUnread);
            }
            // Others' changes appear without a key press, unless the person
            // is in the middle of something.
            // Nor while an answer is awaited: a slow query is not replaced.
            let waiting = match main.view() {
                Some(view) => matches!(view.loading, list::Loading::Waiting(_)),
                None => main.home.waiting.is_some(),
            };
            let idle = main.form.is_none()
                && self.popup.is_none()
                && !waiting
                && main.view().is_none_or(|view| view.search_input.is_none());
            if idle && self.banner.is_none() && self.tick - self.last_refresh >= REFRESH_TICKS {
                self.reload(false, effects);
            }
        }
    }

    /// Notes that the database answered: the banner goes, retries reset.
    fn reachable(&mut self) {
        self.banner = None;
        self.retry_at = None;
        self.backoff = TICKS_PER_SECOND;
    }

    /// Handles a failure common to every result: a lost connection (banner,
    /// retry with backoff) or an ended session (back to login).
    fn failed(&mut self, failure: Failure) {
        match failure.kind {
            FailureKind::Unavailable => {
                let seconds = self.backoff / TICKS_PER_SECOND;
                self.banner = Some(format!("{} Retrying in {seconds} s…", failure.message));
                if self.retry_at.is_none() {
                    self.retry_at = Some(self.tick + self.backoff);
                    self.backoff = (self.backoff * 2).min(MAX_BACKOFF_TICKS);
                }
            }
            FailureKind::Unauthenticated if matches!(self.screen, Screen::Main(_)) => {
                let mut screen = GateScreen::login("");
                screen.notice =
                    Some(format!("{} What you were doing is kept until you log in again.", failure.message));
                if let Screen::Main(main) = std::mem::replace(&mut self.screen, Screen::Gate(screen)) {
                    let mut main = main;
                    // Whatever was on its way is answered for the old session.
                    main.commands.clear();
                    if let Some(form) = main.form.as_mut() {
                        form.saving = None;
                        form.form.saving = false;
                    }
                    self.suspended = Some(main);
                }
                self.popup = None;
            }
            _ => {}
        }
    }

    fn started(&mut self, result: Result<Startup, Failure>, effects: &mut Vec<Effect>) {
        match result {
            Ok(startup) => {
                self.reachable();
                self.database = match &startup.profile {
                    Some(profile) => format!("{} (profile {profile})", startup.database),
                    None => startup.database,
                };
                self.profile = startup.profile;
                self.profiles = startup.profiles;
                self.screen = match (startup.session, startup.empty) {
                    (Some(me), _) => {
                        self.enter(me, effects);
                        return;
                    }
                    (None, true) => Screen::Gate(GateScreen::bootstrap()),
                    (None, false) => Screen::Gate(GateScreen::login("")),
                };
            }
            Err(failure) => {
                // Switching profile from the login screen: stay there.
                if let Screen::Gate(screen) = &mut self.screen {
                    screen.form.saving = false;
                    screen.notice = Some(failure.message);
                    return;
                }
                let retry = failure.kind == FailureKind::Unavailable;
                self.screen = Screen::Starting(Some(failure.message.clone()));
                if retry {
                    self.failed(failure);
                }
            }
        }
    }

    fn signed_in(&mut self, result: Result<SessionInfo, Failure>, effects: &mut Vec<Effect>) {
        match result {
            Ok(me) if me.must_change_password => self.screen = Screen::Gate(GateScreen::change_password()),
            Ok(me) => self.enter(me, effects),
            Err(failure) => self.gate_failed(failure),
        }
    }

    fn gate_failed(&mut self, failure: Failure) {
        if let Screen::Gate(screen) = &mut self.screen {
            screen.form.saving = false;
            screen.form.message = Some(failure.message);
            // A refused password is typed again, never kept.
            for field in &mut screen.form.fields {
                if field.kind == form::FieldKind::Secret {
                    field.reset("");
                }
            }
            if screen.gate == Gate::Login {
                screen.form.focus = 1;
            }
        }
    }

    /// Opens the main screen for `me` and loads the home dashboard.
    fn enter(&mut self, me: SessionInfo, effects: &mut Vec<Effect>) {
        if let Some(main) = self.suspended.take()
            && main.me.employee_id == me.employee_id
        {
            // The same person again: back where they were, form included.
            self.screen = Screen::Main(main);
            self.say("Logged in again: your screen is as you left it.", Tone::Info);
            self.reload(false, effects);
            effects.push(Effect::CountUnread);
            return;
        }
        let greeting = format!("Welcome, {}. Press ? for the keys of each screen.", me.name);
        self.screen = Screen::Main(Box::new(Main::new(me)));
        self.say(greeting, Tone::Info);
        self.reload(true, effects);
        effects.push(Effect::CountUnread);
    }

    /// Loads the current tab again: from its first page (`fresh`) or the
    /// same page, keeping the selection.
    fn reload(&mut self, fresh: bool, effects: &mut Vec<Effect>) {
        self.last_refresh = self.tick;
        let limit = self.page_rows();
        let request = self.next_request + 1;
        let Some(main) = self.main_mut() else { return };
        if main.tab == Tab::Home {
            main.home.waiting = Some(request);
            let from = crate::domain::time::now_ms();
            self.request();
            effects.push(Effect::LoadDashboard { request, from });
            return;
        }
        let Some(view) = main.view_mut() else { return };
        let page = if fresh || view.loading == list::Loading::Idle { view.first(limit) } else { view.again(limit) };
        view.waiting(request, page.clone());
        let query = view.query(page);
        self.request();
        effects.push(Effect::LoadPage { request, query });
    }

    /// Loads `page` of the current list.
    fn load_page(&mut self, page: crate::store::PageRequest, effects: &mut Vec<Effect>) {
        let request = self.next_request + 1;
        let Some(view) = self.main_mut().and_then(Main::view_mut) else { return };
        view.waiting(request, page.clone());
        let query = view.query(page);
        self.request();
        effects.push(Effect::LoadPage { request, query });
    }

    fn page_loaded(&mut self, request: u64, result: Result<super::lists::ListPage, Failure>) {
        let Some(main) = self.main_mut() else { return };
        // A result nobody waits for any more (a newer search, another
        // page) is dropped.
        let Some(view) =
            main.views.values_mut().flat_map(|stack| stack.iter_mut()).find(|view| view.waits_for(request))
        else {
            return;
        };
        match result {
            Ok(page) => {
                view.loaded(page);
                self.reachable();
            }
            Err(failure) => {
                view.failed(failure.message.clone());
                self.failed(failure);
            }
        }
    }

    fn record_loaded(&mut self, request: u64, result: Result<DisplayRow, Failure>) {
        let Some(main) = self.main_mut() else { return };
        let Some(form) = main.form.as_mut().filter(|form| form.saving.as_ref().is_some_and(|(id, _)| *id == request))
        else {
            return;
        };
        form.saving = None;
        form.form.saving = false;
        match result {
            Ok(row) => form.reload(&row),
            Err(failure) => {
                form.form.message = Some(failure.message.clone());
                self.failed(failure);
            }
        }
    }

    fn saved(&mut self, request: u64, result: Result<Outcome, Failure>, effects: &mut Vec<Effect>) {
        let Some(main) = self.main_mut() else { return };
        let from_form = main.form.as_ref().and_then(|form| form.saving.as_ref()).is_some_and(|(id, _)| *id == request);
        let from_command = main.commands.remove(&request);
        if !from_form && !from_command {
            return;
        }
        match result {
            Ok(outcome) => {
                if from_form {
                    main.form = None;
                }
                if let Some(row) = &outcome.record {
                    for view in main.views.values_mut().flat_map(|stack| stack.iter_mut()) {
                        view.replace(row);
                    }
                }
                if let Some(view) = main.view_mut() {
                    view.marked.clear();
                }
                if let Some(password) = outcome.one_time_password {
                    self.popup = Some(Popup::Message {
                        title: "One-time password".to_owned(),
                        lines: vec![
                            outcome.message.clone(),
                            String::new(),
                            format!("    {password}"),
                            String::new(),
                            "It is shown only now; they choose their own at first login.".to_owned(),
                        ],
                    });
                }
                self.reachable();
                self.say(outcome.message, Tone::Success);
                self.reload(false, effects);
            }
            Err(failure) => {
                let conflict = failure.kind == FailureKind::Conflict && failure.message.contains("version");
                if let Some(form) = main.form.as_mut().filter(|_| from_form) {
                    let save = form.saving.take().map(|(_, save)| save);
                    form.form.saving = false;
                    if conflict && let Some(save) = save {
                        self.popup = Some(Popup::Conflict { save, message: failure.message.clone() });
                    } else {
                        // The form stays as typed: nothing is lost.
                        form.form.message = Some(format!("Not saved: {}", failure.message));
                    }
                } else {
                    self.say(failure.message.clone(), Tone::Error);
                }
                self.failed(failure);
            }
        }
    }

    // ----- keys -----

    fn key(&mut self, key: KeyEvent, effects: &mut Vec<Effect>) {
        if is_interrupt(&key) {
            self.quit = true;
            return;
        }
        if !matches!(self.message, Some((_, Tone::Error))) || self.popup.is_none() {
            self.message = None;
        }
        if let Some(popup) = self.popup.take() {
            self.popup_key(popup, key, effects);
            return;
        }
        match &self.screen {
            Screen::Starting(_) => {
                if matches!(key.code, KeyCode::Char('q') | KeyCode::Esc) {
                    self.quit = true;
                }
            }
            Screen::Gate(_) => self.gate_key(key, effects),
            Screen::Main(_) => self.main_key(key, effects),
        }
    }

    fn paste(&mut self, text: &str, effects: &mut Vec<Effect>) {
        // A popup has the keyboard: only the command line takes text.
        if let Some(popup) = self.popup.as_mut() {
            if let Popup::CommandLine { input, .. } = popup {
                input.insert_str(text.lines().next().unwrap_or_default());
            }
            return;
        }
        match &mut self.screen {
            Screen::Gate(screen) if !screen.form.saving => screen.form.paste(text),
            Screen::Gate(_) => {}
            Screen::Main(main) => {
                if let Some(form) = &mut main.form {
                    if form.saving.is_none() {
                        form.form.paste(text);
                    }
                } else if let Some(view) = main.view_mut()
                    && let Some(input) = &mut view.search_input
                {
                    input.insert_str(text.lines().next().unwrap_or_default());
                    let typed = input.lines().first().cloned().unwrap_or_default();
                    view.search = typed;
                    view.marked.clear();
                    self.reload(true, effects);
                }
            }
            Screen::Starting(_) => {}
        }
    }

    fn gate_key(&mut self, key: KeyEvent, effects: &mut Vec<Effect>) {
        let Screen::Gate(screen) = &mut self.screen else { return };
        if screen.form.saving {
            return;
        }
        let command = self.keymap.command(Context::Form, &key);
        let submit = match command {
            Some(Command::Save) => true,
            Some(Command::NextField) if key.code == KeyCode::Enter && screen.form.on_last() => true,
            Some(Command::NextField) => {
                screen.form.next();
                false
            }
            Some(Command::PrevField) => {
                screen.form.previous();
                false
            }
            Some(Command::Cancel) => false,
            _ => {
                if key.code == KeyCode::F(2) {
                    match screen.gate {
                        Gate::Bootstrap => {
                            screen.form.saving = true;
                            screen.notice = Some("Loading the demo company…".to_owned());
                            self.in_flight += 1;
                            effects.push(Effect::LoadDemo);
                        }
                        Gate::Login if self.profiles.len() >= 2 => {
                            // The next configured profile, in name order.
                            let at = self.profile.as_ref().and_then(|p| self.profiles.iter().position(|n| n == p));
                            let next = at.map_or(0, |at| (at + 1) % self.profiles.len());
                            let name = self.profiles[next].clone();
                            // From now on the runner uses this profile, even
                            // if it cannot be opened: F2 goes on from here.
                            self.profile = Some(name.clone());
                            screen.form.saving = true;
                            screen.notice = Some(format!("Opening the database of profile {name}…"));
                            self.in_flight += 1;
                            effects.push(Effect::UseProfile { name });
                        }
                        Gate::Login => {
                            screen.notice = Some(
                                "Only one database is configured. Add profiles to the config file ([profiles.NAME] url = \"…\") to choose here, or start with --database URL."
                                    .to_owned(),
                            );
                        }
                        Gate::ChangePassword => {}
                    }
                    return;
                }
                screen.form.key(&key);
                false
            }
        };
        if submit {
            self.submit_gate(effects);
        }
    }

    fn submit_gate(&mut self, effects: &mut Vec<Effect>) {
        let Screen::Gate(screen) = &mut self.screen else { return };
        let form = &mut screen.form;
        form.clear_errors();
        let effect = match screen.gate {
            Gate::Login => {
                if form.value("email").trim().is_empty() {
                    form.fields[0].error = Some("Type your email address.".to_owned());
                }
                if form.value("password").is_empty() {
                    form.fields[1].error = Some("Type your password.".to_owned());
                }
                Effect::Login { email: form.value("email").trim().to_owned(), password: form.value("password") }
            }
            Gate::Bootstrap => {
                let employee = EmployeeForm {
                    first_name: form.value("first name"),
                    last_name: form.value("last name"),
                    email: form.value("email"),
                    phone: form.value("phone"),
                    department: "MANAGEMENT".to_owned(),
                };
                let checks = [
                    ("first name", crate::domain::validation::person_name("first name", &employee.first_name).err()),
                    ("last name", crate::domain::validation::person_name("last name", &employee.last_name).err()),
                    ("email", crate::domain::validation::email(&employee.email).err()),
                    ("phone", crate::domain::validation::phone(&employee.phone).err()),
                ];
                for (name, invalid) in checks {
                    if let (Some(invalid), Some(field)) = (invalid, form.field_mut(name)) {
                        field.error = Some(invalid.message);
                    }
                }
                let password = form.value("password");
                if let Err(err) = crate::auth::password::check_new(&password, &employee.email) {
                    if let Some(field) = form.field_mut("password") {
                        field.error = Some(Failure::from(err).message);
                    }
                } else if password != form.value("confirm")
                    && let Some(field) = form.field_mut("confirm")
                {
                    field.error = Some("The two passwords differ: type the same one twice.".to_owned());
                }
                Effect::CreateFirstManager { form: employee, password }
            }
            Gate::ChangePassword => {
                let new = form.value("new");
                if form.value("current").is_empty()
                    && let Some(field) = form.field_mut("current")
                {
                    field.error = Some("Type the password you logged in with.".to_owned());
                }
                if let Err(err) = crate::auth::password::check_new(&new, "") {
                    if let Some(field) = form.field_mut("new") {
                        field.error = Some(Failure::from(err).message);
                    }
                } else if new != form.value("confirm")
                    && let Some(field) = form.field_mut("confirm")
                {
                    field.error = Some("The two passwords differ: type the same one twice.".to_owned());
                }
                Effect::ChangePassword { current: form.value("current"), new }
            }
        };
        if form.has_errors() {
            form.focus_first_error();
            return;
        }
        form.saving = true;
        self.in_flight += 1;
        effects.push(effect);
    }

    fn main_key(&mut self, key: KeyEvent, effects: &mut Vec<Effect>) {
        let Some(main) = self.main_mut() else { return };
        if main.form.is_some() {
            self.form_key(key, effects);
            return;
        }
        if main.view().is_some_and(|view| view.search_input.is_some()) {
            self.search_key(key, effects);
            return;
        }
        let on_list = main.view().is_some();
        let command = on_list
            .then(|| self.keymap.command(Context::Table, &key))
            .flatten()
            .or_else(|| self.keymap.command(Context::Global, &key))
            // Esc on Home does nothing; table keys there say so below.
            .or_else(|| if on_list { None } else { self.keymap.command(Context::Table, &key) });
        let Some(command) = command else { return };
        self.run(command, effects);
    }

    /// Runs a command of the main screen.
    fn run(&mut self, command: Command, effects: &mut Vec<Effect>) {
        let limit = self.page_rows();
        let Some(main) = self.main_mut() else { return };
        match command {
            Command::Quit => {
                let depth = main.views.get(&main.tab).map_or(1, Vec::len);
                if depth > 1 {
                    self.run(Command::Back, effects);
                } else {
                    self.quit = true;
                }
            }
            Command::Help => self.popup = Some(Popup::Help { lines: self.help() }),
            Command::CommandLine => {
                self.popup = Some(Popup::CommandLine { input: Box::new(input_with("")), error: None })
            }
            Command::NextTab | Command::PrevTab | Command::GoTab(_) => {
                let tabs = Tab::all(main.me.department);
                let at = tabs.iter().position(|tab| *tab == main.tab).unwrap_or(0);
                let next = match command {
                    Command::NextTab => (at + 1) % tabs.len(),
                    Command::PrevTab => (at + tabs.len() - 1) % tabs.len(),
                    Command::GoTab(n) => usize::from(n) - 1,
                    _ => at,
                };
                if let Some(tab) = tabs.get(next) {
                    self.switch(*tab, effects);
                }
            }
            Command::Refresh => self.reload(false, effects),
            Command::Up | Command::Down | Command::PageUp | Command::PageDown | Command::Top | Command::Bottom => {
                if let Some(view) = main.view_mut()
                    && let Some(page) = view.navigate(command, limit)
                {
                    self.load_page(page, effects);
                }
            }
            Command::Open => self.open(effects),
            Command::Back => {
                if let Some(stack) = main.views.get_mut(&main.tab) {
                    if stack.len() > 1 {
                        stack.pop();
                        self.reload(false, effects);
                    } else if let Some(view) = stack.last_mut() {
                        view.marked.clear();
                    }
                }
            }
            Command::Search => {
                if let Some(view) = main.view_mut() {
                    view.search_input = Some(input_with(&view.search));
                }
            }
            Command::SortNext | Command::SortReverse => {
                if let Some(view) = main.view_mut() {
                    if command == Command::SortNext {
                        view.sort_next();
                    } else {
                        view.descending = !view.descending;
                    }
                    self.reload(true, effects);
                }
            }
            Command::Filter(filter) => {
                if let Some(view) = main.view_mut() {
                    if view.toggle(filter) {
                        self.reload(true, effects);
                    } else {
                        let kind = view.kind.title();
                        self.say(format!("{kind} have no \"{}\" filter.", filter.label()), Tone::Error);
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
            | Command::MarkRead => self.record_command(command, effects),
            Command::Export => {
                if let Some(view) = main.view() {
                    let line = format!("export {}", export_file_name(view.kind));
                    self.popup = Some(Popup::CommandLine { input: Box::new(input_with(&line)), error: None });
                } else {
                    self.say("Open a list (2–7) to export it.", Tone::Error);
                }
            }
            Command::Yank => self.yank(effects),
            Command::Save | Command::Cancel | Command::NextField | Command::PrevField => {}
            Command::Choose | Command::Yes | Command::No => {}
        }
    }

    fn switch(&mut self, tab: Tab, effects: &mut Vec<Effect>) {
        let Some(main) = self.main_mut() else { return };
        // Going to the tab on screen shows it again from the database.
        main.tab = tab;
        // Shown at once from what was loaded before, refreshed behind.
        self.reload(false, effects);
    }

    /// `Enter`: drill down (client → contracts → events) or show details.
    fn open(&mut self, effects: &mut Vec<Effect>) {
        let Some(main) = self.main_mut() else { return };
        let department = main.me.department;
        if main.view().is_some_and(|view| matches!(view.loading, list::Loading::Waiting(_))) {
            self.say("Loading… try again in a moment.", Tone::Info);
            return;
        }
        let Some(row) = main.view().and_then(ListView::selected_row).cloned() else { return };
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
            _ => None,
        };
        match next {
            Some(view) => {
                if let Some(stack) = main.views.get_mut(&main.tab) {
                    stack.push(view);
                }
                self.reload(true, effects);
            }
            None => {
                if let Record::Notification(note) = &row.record
                    && note.read_at.is_none()
                {
                    let request = self.request();
                    if let Some(main) = self.main_mut() {
                        main.commands.insert(request);
                    }
                    effects.push(Effect::Save { request, save: Save::MarkRead { ids: vec![note.id] } });
                }
                self.popup = Some(Popup::Detail(Box::new(row)));
            }
        }
    }

    /// Whether the logged-in employee may run `command` on the current
    /// list at all (for help and hints), and on `row` (for the action).
    fn offered(&self, command: Command) -> bool {
        let Screen::Main(main) = &self.screen else { return false };
        let Some(kind) = main.view().map(|view| view.kind) else { return false };
        match permission(kind, command, main.me.department) {
            Ok(Some(action)) => policy::decide_for_any(main.who(), action).is_ok(),
            Ok(None) => true,
            Err(()) => false,
        }
    }

    fn record_command(&mut self, command: Command, effects: &mut Vec<Effect>) {
        let Some(main) = self.main_mut() else { return };
        let Some(view) = main.view() else {
            self.say(format!("\"{}\" works in a list: open one with 2–7.", command.describe()), Tone::Error);
            return;
        };
        if command != Command::New && matches!(view.loading, list::Loading::Waiting(_)) {
            // The selection belongs to the page on its way.
            self.say("Loading… try again in a moment.", Tone::Info);
            return;
        }
        let kind = view.kind;
        let scope = view.scope.clone();
        let row = view.selected_row().cloned();
        let chosen = view.chosen();
        let who = main.who();
        let needed = match permission(kind, command, who.department) {
            Ok(needed) => needed,
            Err(()) => {
                self.say(format!("\"{}\" is not available in {}.", command.describe(), kind.title()), Tone::Error);
                return;
            }
        };
        // Creating needs no record; everything else acts on the selected one.
        let creates = command == Command::New;
        if !creates && row.is_none() {
            self.say(format!("No {} selected.", kind.noun()), Tone::Error);
            return;
        }
        if let Some(action) = needed {
            let owners =
                if creates { Owners::default() } else { row.as_ref().map(DisplayRow::owners).unwrap_or_default() };
            if let Err(denied) = policy::decide(who, action, owners) {
                self.say(denied.reason, Tone::Error);
                return;
            }
        }
        let Some(main) = self.main_mut() else { return };
        let selected = row.as_ref();
        match (kind, command, selected.map(|row| &row.record)) {
            (ListKind::Events, Command::Mark, _) | (ListKind::Notifications, Command::Mark, _) => {
                if let Some(view) = main.view_mut() {
                    view.mark();
                }
            }
            (ListKind::Clients, Command::New, _) => main.form = Some(RecordForm::open(Target::NewClient, None)),
            (ListKind::Clients, Command::Edit, Some(Record::Client(client)))
                if who.department != Department::Management =>
            {
                main.form = Some(RecordForm::open(Target::EditClient { id: client.id }, selected));
            }
            (ListKind::Clients, Command::Edit | Command::Reassign, Some(Record::Client(client))) => {
                let purpose = Pick::Reassign { client_id: client.id, version: client.version };
                self.pick("Give the client to (clients each has)", purpose, Department::Sales, effects);
            }
            (ListKind::Contracts, Command::New, _) => {
                let client_id = match scope {
                    Some(Scope::Client { id, .. }) => Some(id),
                    _ => None,
                };
                main.form = Some(RecordForm::open(Target::NewContract { client_id }, None));
            }
            (ListKind::Contracts, Command::Edit, Some(Record::Contract(contract))) => {
                main.form = Some(RecordForm::open(Target::EditContract { id: contract.id }, selected));
            }
            (ListKind::Contracts, Command::Pay, Some(Record::Contract(contract))) => {
                if contract.due_cents == 0 {
                    self.say(format!("Contract {} is fully paid.", contract.id), Tone::Info);
                } else {
                    main.form = Some(RecordForm::open(Target::Pay { id: contract.id }, selected));
                }
            }
            (ListKind::Contracts, Command::Sign, Some(Record::Contract(contract))) => {
                if contract.signed {
                    self.say(format!("Contract {} is signed already.", contract.id), Tone::Info);
                } else {
                    self.confirm(
                        format!(
                            "Sign contract {} with {} for {}? Signing is final.",
                            contract.id,
                            crate::text::sanitize(&contract.client_name),
                            crate::services::records::money(contract.total_cents)
                        ),
                        Confirmed::Save(Save::Sign { id: contract.id, version: Some(contract.version) }),
                    );
                }
            }
            (ListKind::Contracts, Command::Delete, Some(Record::Contract(contract))) => {
                if contract.signed {
                    self.say(format!("Contract {} is signed: signed contracts are kept.", contract.id), Tone::Error);
                } else {
                    self.confirm(
                        format!("Delete unsigned contract {}? This cannot be undone.", contract.id),
                        Confirmed::Save(Save::DeleteContract { id: contract.id, version: Some(contract.version) }),
                    );
                }
            }
            (ListKind::Contracts, Command::NewEvent, Some(Record::Contract(contract))) => {
                if contract.signed {
                    main.form = Some(RecordForm::open(Target::NewEvent { contract_id: contract.id }, None));
                } else {
                    self.say(
                        format!(
                            "Contract {} is not signed yet: events are created for signed contracts only.",
                            contract.id
                        ),
                        Tone::Error,
                    );
                }
            }
            (ListKind::Events, Command::Edit, Some(Record::Event(event))) => {
                main.form = Some(RecordForm::open(Target::EditEvent { id: event.id }, selected));
            }
            (ListKind::Events, Command::Assign, _) => {
                let count = chosen.len();
                let title = format!("Support for {count} {}", if count == 1 { "event" } else { "events" });
                self.pick(&title, Pick::Assign { ids: chosen }, Department::Support, effects);
            }
            (ListKind::Events, Command::Unassign, _) => {
                let count = chosen.len();
                self.confirm(
                    format!("Remove the support contact of {count} {}?", if count == 1 { "event" } else { "events" }),
                    Confirmed::Save(Save::Unassign { ids: chosen }),
                );
            }
            (ListKind::Employees, Command::New, _) => main.form = Some(RecordForm::open(Target::NewEmployee, None)),
            (ListKind::Employees, Command::Edit, Some(Record::Employee(employee))) => {
                main.form = Some(RecordForm::open(Target::EditEmployee { id: employee.id }, selected));
            }
            (ListKind::Employees, Command::Delete, Some(Record::Employee(employee))) => {
                let name = crate::text::sanitize(&format!("{} {}", employee.first_name, employee.last_name));
                if employee.id == who.employee_id {
                    self.say("You cannot deactivate or delete yourself: ask another manager.", Tone::Error);
                } else if employee.active {
                    self.confirm(
                        format!("Deactivate {name}? Their sessions end at once; they can be reactivated (r)."),
                        Confirmed::Save(Save::SetActive {
                            id: employee.id,
                            active: false,
                            version: Some(employee.version),
                        }),
                    );
                } else {
                    self.confirm(
                        format!("Delete {name} for good? Only possible when no record names them."),
                        Confirmed::Save(Save::DeleteEmployee { id: employee.id, version: Some(employee.version) }),
                    );
                }
            }
            (ListKind::Employees, Command::ToggleActive, Some(Record::Employee(employee))) => {
                if employee.active {
                    self.say("This employee is active: d deactivates.", Tone::Info);
                } else {
                    let name = crate::text::sanitize(&format!("{} {}", employee.first_name, employee.last_name));
                    self.confirm(
                        format!("Reactivate {name}? They can log in again."),
                        Confirmed::Save(Save::SetActive {
                            id: employee.id,
                            active: true,
                            version: Some(employee.version),
                        }),
                    );
                }
            }
            (ListKind::Notifications, Command::MarkRead, _) => {
                self.command(Save::MarkRead { ids: chosen }, effects);
            }
            _ => self.say(format!("\"{}\" is not available here.", command.describe()), Tone::Error),
        }
    }

    fn confirm(&mut self, question: String, action: Confirmed) {
        self.popup = Some(Popup::Confirm { question, action, yes: false });
    }

    fn pick(&mut self, title: &str, purpose: Pick, department: Department, effects: &mut Vec<Effect>) {
        let request = self.request();
        self.popup = Some(Popup::Picker {
            title: title.to_owned(),
            items: Vec::new(),
            selected: 0,
            purpose,
            waiting: Some(request),
            error: None,
        });
        effects.push(Effect::LoadLoads { request, department });
    }

    /// Runs a change that has no form (sign, assign, deactivate…).
    fn command(&mut self, save: Save, effects: &mut Vec<Effect>) {
        let request = self.request();
        if let Some(main) = self.main_mut() {
            main.commands.insert(request);
        }
        effects.push(Effect::Save { request, save });
    }

    fn search_key(&mut self, key: KeyEvent, effects: &mut Vec<Effect>) {
        let Some(view) = self.main_mut().and_then(Main::view_mut) else { return };
        let Some(input) = view.search_input.as_mut() else { return };
        match key.code {
            KeyCode::Enter => view.search_input = None,
            KeyCode::Esc => {
                view.search_input = None;
                if !view.search.is_empty() {
                    view.search.clear();
                    view.marked.clear();
                    self.reload(true, effects);
                }
            }
            KeyCode::Up | KeyCode::Down => {
                // Leave the box and move in the results.
                view.search_input = None;
                let command = if key.code == KeyCode::Up { Command::Up } else { Command::Down };
                self.run(command, effects);
            }
            _ => {
                input.input(key);
                let typed = input.lines().first().cloned().unwrap_or_default();
                if typed != view.search {
                    view.search = typed;
                    // Marks are for rows on screen: a new search starts afresh.
                    view.marked.clear();
                    // Live: every keystroke asks again; older answers are dropped.
                    self.reload(true, effects);
                }
            }
        }
    }

    fn form_key(&mut self, key: KeyEvent, effects: &mut Vec<Effect>) {
        let command = self.keymap.command(Context::Form, &key);
        let Some(main) = self.main_mut() else { return };
        let Some(record_form) = main.form.as_mut() else { return };
        if record_form.saving.is_some() {
            if key.code == KeyCode::Esc {
                // Stop waiting; the form stays as typed.  The change may
                // still land: saving again then meets a version conflict.
                record_form.saving = None;
                record_form.form.saving = false;
                record_form.form.message = Some(
                    "Stopped waiting for the database: your change may still be saved; check before saving again."
                        .into(),
                );
            }
            return;
        }
        if key.code == KeyCode::F(1) {
            self.popup = Some(Popup::Help { lines: self.help() });
            return;
        }
        match command {
            Some(Command::Save) => self.save_form(effects),
            Some(Command::Cancel) => {
                if record_form.form.dirty() {
                    self.confirm("Discard your unsaved changes?".to_owned(), Confirmed::Discard);
                } else {
                    main.form = None;
                }
            }
            Some(Command::NextField) => record_form.form.next(),
            Some(Command::PrevField) => record_form.form.previous(),
            _ => {
                record_form.form.key(&key);
            }
        }
    }

    fn save_form(&mut self, effects: &mut Vec<Effect>) {
        let request = self.next_request + 1;
        let Some(main) = self.main_mut() else { return };
        let Some(record_form) = main.form.as_mut() else { return };
        let editing = record_form.target.id().is_some() && !matches!(record_form.target, Target::Pay { .. });
        if editing && !record_form.form.dirty() {
            main.form = None;
            self.say("Nothing changed.", Tone::Info);
            return;
        }
        let Some(save) = record_form.check() else {
            record_form.form.message = Some("Nothing was saved: correct the fields marked ✗.".to_owned());
            return;
        };
        record_form.saving = Some((request, save.clone()));
        record_form.form.saving = true;
        self.request();
        effects.push(Effect::Save { request, save });
    }

    fn popup_key(&mut self, popup: Popup, key: KeyEvent, effects: &mut Vec<Effect>) {
        let command = self.keymap.command(Context::Popup, &key);
        match popup {
            Popup::Help { .. } => {}
            Popup::Message { .. } | Popup::Detail(_) => {
                if !matches!(key.code, KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q')) {
                    self.popup = Some(popup);
                }
            }
            Popup::CommandLine { mut input, .. } => match key.code {
                KeyCode::Esc => {}
                KeyCode::Enter => {
                    let text = input.lines().first().cloned().unwrap_or_default();
                    if let Err(error) = self.command_line(text.trim(), effects) {
                        self.popup = Some(Popup::CommandLine { input, error: Some(error) });
                    }
                }
                _ => {
                    input.input(key);
                    self.popup = Some(Popup::CommandLine { input, error: None });
                }
            },
            Popup::Exporting { request, what, query, path, rows, total, cancelling } => {
                let cancel = key.code == KeyCode::Esc || command == Some(Command::Cancel);
                if cancel && !cancelling {
                    effects.push(Effect::CancelExport { request });
                }
                let cancelling = cancelling || cancel;
                self.popup = Some(Popup::Exporting { request, what, query, path, rows, total, cancelling });
            }
            Popup::Confirm { question, action, yes } => match command {
                Some(Command::Yes) => self.confirmed(action, effects),
                Some(Command::No) | Some(Command::Cancel) => {}
                Some(Command::Choose) => {
                    if yes {
                        self.confirmed(action, effects);
                    }
                }
                _ => {
                    let toggled = matches!(key.code, KeyCode::Left | KeyCode::Right | KeyCode::Tab | KeyCode::BackTab);
                    self.popup = Some(Popup::Confirm { question, action, yes: if toggled { !yes } else { yes } });
                }
            },
            Popup::Picker { title, items, mut selected, purpose, waiting, error } => match command {
                Some(Command::Cancel) => {}
                Some(Command::Choose) if waiting.is_none() && error.is_none() => {
                    if let Some(choice) = items.get(selected) {
                        let (question, save) = match &purpose {
                            Pick::Assign { ids } => (
                                format!(
                                    "Assign {} {} to {} ({})?",
                                    ids.len(),
                                    if ids.len() == 1 { "event" } else { "events" },
                                    choice.label,
                                    choice.detail
                                ),
                                Save::Assign { ids: ids.clone(), support_id: choice.id },
                            ),
                            Pick::Reassign { client_id, version } => (
                                format!("Give client {client_id} and its contracts to {}?", choice.label),
                                Save::Reassign { id: *client_id, sales_contact_id: choice.id, version: Some(*version) },
                            ),
                        };
                        self.confirm(question, Confirmed::Save(save));
                    }
                }
                Some(Command::Up) | Some(Command::Down) => {
                    if command == Some(Command::Up) {
                        selected = selected.saturating_sub(1);
                    } else if selected + 1 < items.len() {
                        selected += 1;
                    }
                    self.popup = Some(Popup::Picker { title, items, selected, purpose, waiting, error });
                }
                _ => self.popup = Some(Popup::Picker { title, items, selected, purpose, waiting, error }),
            },
            Popup::Conflict { save, message } => match key.code {
                KeyCode::Char('r') => {
                    let request = self.next_request + 1;
                    if let Some(main) = self.main_mut()
                        && let Some(form) = main.form.as_mut()
                        && let Some(id) = form.target.id()
                    {
                        let kind = form.target.kind();
                        form.saving = Some((request, save));
                        form.form.saving = true;
                        self.request();
                        effects.push(Effect::LoadRecord { request, kind, id });
                    }
                }
                KeyCode::Char('o') => {
                    let request = self.next_request + 1;
                    if let Some(main) = self.main_mut()
                        && let Some(form) = main.form.as_mut()
                    {
                        let save = save.without_version();
                        form.saving = Some((request, save.clone()));
                        form.form.saving = true;
                        self.request();
                        effects.push(Effect::Save { request, save });
                    }
                }
                KeyCode::Esc | KeyCode::Char('c') => {}
                _ => self.popup = Some(Popup::Conflict { save, message }),
            },
        }
    }

    fn confirmed(&mut self, action: Confirmed, effects: &mut Vec<Effect>) {
        match action {
            Confirmed::Save(save) => self.command(save, effects),
            Confirmed::Discard => {
                if let Some(main) = self.main_mut() {
                    main.form = None;
                }
                self.say("Changes discarded.", Tone::Info);
            }
            Confirmed::Logout => {
                self.in_flight += 1;
                effects.push(Effect::Logout);
            }
            Confirmed::Export { query, path } => self.start_export(query, path, true, effects),
        }
    }

    /// `:export [FILE]`: the list on screen — its filters, search and sort,
    /// every page — to a CSV file (the CLI's `--format csv`).
    fn export(&mut self, file: Option<&str>, effects: &mut Vec<Effect>) -> Result<(), String> {
        let Some(view) = self.main_mut().and_then(|main| main.view()) else {
            return Err("Open a list (2–7) to export it.".into());
        };
        let query = view.query(crate::store::PageRequest::first(500));
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
        self.start_export(query, path, false, effects);
        Ok(())
    }

    fn start_export(
        &mut self,
        query: super::lists::ListQuery,
        path: std::path::PathBuf,
        overwrite: bool,
        effects: &mut Vec<Effect>,
    ) {
        let request = self.request();
        let what = query.kind.title().to_owned();
        self.popup = Some(Popup::Exporting {
            request,
            what,
            query: query.clone(),
            path: path.clone(),
            rows: 0,
            total: None,
            cancelling: false,
        });
        effects.push(Effect::Export { request, query, path, overwrite });
    }

    fn exported(&mut self, request: u64, result: Result<(u64, std::path::PathBuf), Failure>) {
        let Some(Popup::Exporting { request: running, query, path, .. }) = self.popup.clone() else { return };
        if running != request {
            return;
        }
        self.popup = None;
        match result {
            Ok((rows, path)) => {
                let shown = crate::text::sanitize(&path.display().to_string());
                let noun = if rows == 1 { "row" } else { "rows" };
                self.say(format!("Exported {} {noun} to {shown}.", crate::text::grouped(rows)), Tone::Info);
            }
            Err(failure) if failure.kind == crate::error::FailureKind::Conflict => {
                let shown = crate::text::sanitize(&path.display().to_string());
                self.confirm(format!("{shown} exists already. Replace it?"), Confirmed::Export { query, path });
            }
            Err(failure) => self.say(failure.message, Tone::Error),
        }
    }

    /// `y`: the marked rows on this page, or the selected one, as
    /// tab-separated lines with a header, to the terminal's clipboard.
    fn yank(&mut self, effects: &mut Vec<Effect>) {
        let Some(view) = self.main_mut().and_then(|main| main.view()) else {
            self.say("Open a list (2–7) to copy rows from it.", Tone::Error);
            return;
        };
        let marked: Vec<&DisplayRow> = view.rows.iter().filter(|row| view.marked.contains(&row.id)).collect();
        let rows: Vec<&DisplayRow> =
            if marked.is_empty() { view.rows.get(view.selected).into_iter().collect() } else { marked };
        if rows.is_empty() {
            self.say("Nothing to copy: the list is empty.", Tone::Error);
            return;
        }
        let elsewhere = view.marked.len().saturating_sub(rows.len());
        let fields = super::lists::csv_fields(view.kind);
        let cell = |value: &serde_json::Value| {
            let text = match value {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            // One line per row, one cell per tab: both become spaces inside.
            text.replace(['\t', '\n', '\r'], " ")
        };
        let mut text = fields.join("\t");
        for row in &rows {
            let record = row.record.json();
            text.push('\n');
            text.push_str(&fields.iter().map(|field| cell(&record[*field])).collect::<Vec<_>>().join("\t"));
        }
        text.push('\n');
        let count = rows.len();
        effects.push(Effect::Clipboard { text });
        let what = if count == 1 { "1 row".to_owned() } else { format!("{count} rows") };
        let note = if elsewhere > 0 { format!("; {elsewhere} marked on other pages were not") } else { String::new() };
        self.say(format!("Copied {what} to the clipboard (OSC 52){note}."), Tone::Info);
    }

    /// Runs a `:` command; the error to show when it is not one.
    fn command_line(&mut self, text: &str, effects: &mut Vec<Effect>) -> Result<(), String> {
        let tab = match text.trim_start_matches(':') {
            "q" | "quit" | "q!" => {
                self.quit = true;
                return Ok(());
            }
            "home" => Tab::Home,
            "clients" => Tab::Clients,
            "contracts" => Tab::Contracts,
            "events" => Tab::Events,
            "employees" => Tab::Employees,
            "audit" => Tab::Audit,
            "notifications" | "inbox" => Tab::Notifications,
            "help" => {
                self.popup = Some(Popup::Help { lines: self.help() });
                return Ok(());
            }
            "logout" => {
                self.confirm("Log out of this database?".to_owned(), Confirmed::Logout);
                return Ok(());
            }
            "" => return Ok(()),
            "export" => return self.export(None, effects),
            other if other.starts_with("export ") => {
                return self.export(Some(other["export ".len()..].trim()), effects);
            }
            other => {
                return Err(format!(
                    "Unknown command \"{}\": try clients, contracts, events, employees, audit, notifications, home, export FILE, logout, help or q.",
                    crate::text::sanitize(other)
                ));
            }
        };
        let Some(main) = self.main_mut() else { return Ok(()) };
        if !Tab::all(main.me.department).contains(&tab) {
            return Err(format!("The {} tab is for MANAGEMENT.", tab.title()));
        }
        self.switch(tab, effects);
        Ok(())
    }

    fn mouse(&mut self, mouse: MouseEvent, effects: &mut Vec<Effect>) {
        if self.popup.is_some() {
            return;
        }
        let labels = match &self.screen {
            Screen::Main(main) if main.form.is_none() => self.tab_labels(main),
            _ => return,
        };
        match mouse.kind {
            MouseEventKind::ScrollDown => self.run(Command::Down, effects),
            MouseEventKind::ScrollUp => self.run(Command::Up, effects),
            MouseEventKind::Down(MouseButton::Left) => {
                if mouse.row == 0 {
                    let mut x = 0u16;
                    for (index, label) in labels.iter().enumerate() {
                        let width = crate::text::columns(label) as u16;
                        if mouse.column >= x && mouse.column < x + width {
                            self.run(Command::GoTab(index as u8 + 1), effects);
                            return;
                        }
                        x += width;
                    }
                    return;
                }
                // Rows start under the tab bar, banner, border and header.
                let top = 3 + u16::from(self.banner.is_some());
                let Some(main) = self.main_mut() else { return };
                if let Some(view) = main.view_mut() {
                    let first = if view.search_input.is_some() { top + 1 } else { top };
                    if mouse.row >= first {
                        let index = usize::from(mouse.row - first);
                        if index < view.rows.len() {
                            view.selected = index;
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// The help for what is on screen, generated from the key map: only
    /// commands that mean something here and that the employee may run.
    pub fn help(&self) -> Vec<HelpLine> {
        let mut lines = Vec::new();
        let add =
            |lines: &mut Vec<HelpLine>, section: &'static str, context: Context, keep: &dyn Fn(Command) -> bool| {
                for binding in self.keymap.bindings(context) {
                    if keep(binding.command) && !binding.keys.is_empty() {
                        lines.push(HelpLine {
                            section,
                            keys: binding.keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "),
                            what: binding.command.describe(),
                        });
                    }
                }
            };
        let Screen::Main(main) = &self.screen else { return lines };
        if main.form.is_some() {
            add(&mut lines, "Form", Context::Form, &|_| true);
            return lines;
        }
        let tabs = Tab::all(main.me.department).len() as u8;
        add(&mut lines, "Everywhere", Context::Global, &|command| !matches!(command, Command::GoTab(_)));
        // The number keys read better as one line ("1–7").
        let first = self.keymap.first_key(Context::Global, Command::GoTab(1));
        let last = self.keymap.first_key(Context::Global, Command::GoTab(tabs));
        if let (Some(first), Some(last)) = (first, last) {
            lines.push(HelpLine {
                section: "Everywhere",
                keys: format!("{first}–{last}"),
                what: "go to that tab".to_owned(),
            });
        }
        if let Some(view) = main.view() {
            let kind = view.kind;
            let section = match kind {
                ListKind::Clients => "Clients",
                ListKind::Contracts => "Contracts",
                ListKind::Events => "Events",
                ListKind::Employees => "Employees",
                ListKind::Audit => "Audit",
                ListKind::Notifications => "Notifications",
            };
            add(&mut lines, section, Context::Table, &|command| match command {
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
                other => self.offered(other),
            });
        }
        lines
    }

    /// The key hints of the status line.
    fn hints(&self) -> Vec<(String, String)> {
        let Screen::Main(main) = &self.screen else { return Vec::new() };
        let context = if main.form.is_some() { Context::Form } else { Context::Table };
        let mut hints: Vec<(String, String)> = Vec::new();
        for binding in self.keymap.bindings(context) {
            let relevant = match context {
                Context::Table => {
                    main.view().is_some()
                        && (matches!(binding.command, Command::Open | Command::Search) || self.offered(binding.command))
                }
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
            if let Some(key) = self.keymap.first_key(Context::Global, command) {
                hints.push((key.to_string(), command.describe().split(' ').next().unwrap_or("").to_owned()));
            }
        }
        hints
    }

    // ----- drawing -----

    fn tab_labels(&self, main: &Main) -> Vec<String> {
        let titles: Vec<(&str, &str)> =
            Tab::all(main.me.department).iter().map(|tab| (tab.title(), tab.short())).collect();
        status::tab_labels(&titles, self.width)
    }

    /// Draws the whole screen.
    pub fn render(&self, frame: &mut Frame) {
        let area = frame.area();
        let theme = self.theme;
        let spinner = self.spinner();
        match &self.screen {
            Screen::Starting(error) => {
                let text = match error {
                    Some(error) => vec![
                        ratatui::text::Line::from(Span::styled("The database could not be opened:", theme.error())),
                        ratatui::text::Line::from(error.as_str()),
                        ratatui::text::Line::from(Span::styled(
                            if self.retry_at.is_some() { "Retrying… (q quits)" } else { "q quits." },
                            theme.dim(),
                        )),
                    ],
                    None => vec![ratatui::text::Line::from(format!("{spinner} Opening the database…"))],
                };
                frame.render_widget(Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }), area);
            }
            Screen::Gate(screen) => login::render(frame, area, screen, &self.database, self.profiles.len(), theme),
            Screen::Main(main) => self.render_main(frame, area, main),
        }
        if let Some(popup) = &self.popup {
            popup::render(frame, area, popup, theme, spinner);
        }
    }

    fn render_main(&self, frame: &mut Frame, area: Rect, main: &Main) {
        let theme = self.theme;
        let spinner = self.spinner();
        let banner_height = u16::from(self.banner.is_some());
        let [top, banner, body, bottom] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(banner_height),
            Constraint::Fill(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let tabs = Tab::all(main.me.department);
        let labels = self.tab_labels(main);
        let active = tabs.iter().position(|tab| *tab == main.tab).unwrap_or(0);
        let who = if area.width >= 120 {
            format!("{} · {} ", main.me.name, main.me.department)
        } else {
            format!("{} ", main.me.department)
        };
        status::render_tabs(frame, top, &labels, active, &who, theme);
        if let Some(text) = &self.banner {
            frame.render_widget(Paragraph::new(Span::styled(format!("⚠ {text}"), theme.error())), banner);
        }
        match main.view() {
            None => home::render(frame, body, &main.home, &main.me, theme, spinner),
            Some(view) => list::render(frame, body, view, theme, spinner),
        }
        if let Some(record_form) = &main.form {
            let height = record_form.form.height().min(body.height);
            let rect = popup::centered(body, 78, height);
            frame.render_widget(ratatui::widgets::Clear, rect);
            form::render(frame, rect, &record_form.form, theme, "Ctrl-s: save · Tab/↓: next field · Esc: cancel");
        }
        let message = self.message.as_ref().map(|(text, tone)| (text.as_str(), *tone));
        let spin = self.busy().then_some(spinner);
        status::render_status(frame, bottom, spin, message, &self.hints(), self.unread, theme);
    }
}
