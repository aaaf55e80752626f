//! The application: which screen fills the terminal, `update` (an action
//! in, the state changed and effects out) dispatching to it, the tab bar,
//! the banner with its retry backoff, and the status line.  `update` never
//! awaits and never touches the database, so every screen is tested
//! without a terminal or a store.  Each screen's keys, results and drawing
//! live in its own file under `screens/` and `popups/`.

use std::cell::RefCell;

use ratatui::Frame;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::Span;
use ratatui::widgets::Paragraph;

use super::action::Action;
use super::effect::Effect;
use super::keymap::{Command, Keymap};
use super::model::{SessionInfo, Startup};
use super::popups::Popup;
use super::screens::login::{self, GateScreen, Profiles};
use super::screens::main::{Main, Tab};
use super::screens::starting;
use super::shared::Shared;
pub use super::shared::TICKS_PER_SECOND;
use super::theme::Theme;
use super::widgets::status::{self, Tone};
use crate::error::{Failure, FailureKind};

/// How often the unread count is polled.
const POLL_TICKS: u64 = 3 * TICKS_PER_SECOND;
/// How often the visible list is refreshed when idle (others' changes).
const REFRESH_TICKS: u64 = 15 * TICKS_PER_SECOND;
/// Longest wait between two retries after losing the database.
const MAX_BACKOFF_TICKS: u64 = 30 * TICKS_PER_SECOND;

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

/// Where things were drawn last, for the mouse.
#[derive(Clone, Debug, Default)]
struct Areas {
    tabs: Vec<(Rect, Tab)>,
    rows: Option<Rect>,
}

/// The whole application state.
pub struct App {
    /// What every screen may touch: key map, size, popup, message…
    pub shared: Shared,
    pub theme: Theme,
    /// The database, as messages name it.
    pub database: String,
    /// The configured profiles, and which is in use.
    pub profiles: Profiles,
    pub screen: Screen,
    /// The main screen as it was when the session ended: given back, form
    /// and all, when the same employee logs in again.
    suspended: Option<Box<Main>>,
    retry_at: Option<u64>,
    backoff: u64,
    areas: RefCell<Areas>,
}

impl App {
    /// A new application about to open its database.
    pub fn new(keymap: Keymap, theme: Theme, width: u16, height: u16) -> App {
        App {
            shared: Shared::new(keymap, width, height),
            theme,
            database: String::new(),
            profiles: Profiles::default(),
            screen: Screen::Starting(None),
            suspended: None,
            retry_at: None,
            backoff: TICKS_PER_SECOND,
            areas: RefCell::default(),
        }
    }

    /// The effects to run first.
    pub fn start(&mut self) -> Vec<Effect> {
        self.shared.start(Effect::Start);
        self.shared.take_effects()
    }

    /// Whether work is pending (the spinner turns).
    pub fn busy(&self) -> bool {
        self.shared.busy()
    }

    /// Handles one action; returns the effects to run.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let sh = &mut self.shared;
        if action.settles() {
            sh.settle();
        }
        match action {
            Action::Key(key) if key.kind != KeyEventKind::Release => self.key(key),
            Action::Key(_) => {}
            Action::Paste(text) => self.paste(&text),
            Action::Mouse(mouse) => self.mouse(mouse),
            Action::Resize(width, height) => {
                let before = sh.page_rows();
                (sh.width, sh.height) = (width, height);
                if sh.page_rows() != before
                    && let Screen::Main(main) = &mut self.screen
                {
                    main.reload(false, sh);
                }
            }
            Action::Tick => self.on_tick(),
            Action::TerminalLost => sh.quit = true,
            Action::Started(result) => self.started(result),
            Action::SignedIn(Ok(me)) if me.must_change_password => {
                self.screen = Screen::Gate(GateScreen::change_password())
            }
            Action::SignedIn(Ok(me)) => self.enter(me),
            Action::SignedIn(Err(failure)) => self.gate_failed(failure),
            Action::DemoLoaded(Ok(message)) => {
                self.screen = Screen::Gate(GateScreen::told("manager@demo.test", message))
            }
            Action::DemoLoaded(Err(failure)) => self.gate_failed(failure),
            Action::LoggedOut(result) => {
                let notice = match result {
                    Ok(()) => "You are logged out.".to_owned(),
                    Err(failure) => format!("Logged out here; the database could not be told: {}", failure.message),
                };
                self.screen = Screen::Gate(GateScreen::told("", notice));
                sh.unread = 0;
            }
            Action::UnreadCounted(Err(failure)) => sh.failed(failure),
            // The rest answer the main screen (and its popups); a count
            // asked for before a logout belongs to nobody here.
            Action::UnreadCounted(Ok(_))
            | Action::LoadsLoaded { .. }
            | Action::ExportProgress { .. }
            | Action::PageLoaded { .. }
            | Action::DashboardLoaded { .. }
            | Action::RecordLoaded { .. }
            | Action::Saved { .. }
            | Action::Exported { .. } => {
                if let Screen::Main(main) = &mut self.screen {
                    main.answer(action, sh);
                }
            }
        }
        match self.shared.take_report() {
            Err(failure) => self.failed(failure),
            Ok(true) => self.reachable(),
            Ok(false) => {}
        }
        self.shared.take_effects()
    }

    fn on_tick(&mut self) {
        let sh = &mut self.shared;
        sh.tick += 1;
        if let Some(at) = self.retry_at
            && sh.tick >= at
        {
            self.retry_at = None;
            match &mut self.screen {
                Screen::Starting(_) => sh.start(Effect::Start),
                Screen::Main(main) => {
                    main.reload(false, sh);
                    sh.run(Effect::CountUnread);
                }
                Screen::Gate(_) => {}
            }
        }
        if let Screen::Main(main) = &mut self.screen {
            if sh.tick.is_multiple_of(POLL_TICKS) {
                sh.run(Effect::CountUnread);
            }
            // Others' changes appear without a key press, unless the
            // person is in the middle of something.
            if main.idle(sh) && sh.banner.is_none() && sh.tick - sh.last_refresh >= REFRESH_TICKS {
                main.reload(false, sh);
            }
        }
    }

    /// Notes that the database answered: the banner goes, retries reset.
    fn reachable(&mut self) {
        self.shared.banner = None;
        self.retry_at = None;
        self.backoff = TICKS_PER_SECOND;
    }

    /// Handles a failure common to every result: a lost connection (banner,
    /// retry with backoff) or an ended session (back to login).
    fn failed(&mut self, failure: Failure) {
        match failure.kind {
            FailureKind::Unavailable => {
                let seconds = self.backoff / TICKS_PER_SECOND;
                self.shared.banner = Some(format!("{} Retrying in {seconds} s…", failure.message));
                if self.retry_at.is_none() {
                    self.retry_at = Some(self.shared.tick + self.backoff);
                    self.backoff = (self.backoff * 2).min(MAX_BACKOFF_TICKS);
                }
            }
            FailureKind::Unauthenticated if matches!(self.screen, Screen::Main(_)) => {
                let notice = format!("{} What you were doing is kept until you log in again.", failure.message);
                let screen = GateScreen::told("", notice);
                if let Screen::Main(mut main) = std::mem::replace(&mut self.screen, Screen::Gate(screen)) {
                    // Whatever was on its way is answered for the old session.
                    main.suspend();
                    self.suspended = Some(main);
                }
                self.shared.popup = None;
            }
            _ => {}
        }
    }

    fn started(&mut self, result: Result<Startup, Failure>) {
        match result {
            Ok(startup) => {
                self.reachable();
                self.database = match &startup.profile {
                    Some(profile) => format!("{} (profile {profile})", startup.database),
                    None => startup.database,
                };
                self.profiles = Profiles { current: startup.profile, all: startup.profiles };
                self.screen = match (startup.session, startup.empty) {
                    (Some(me), _) => return self.enter(me),
                    (None, true) => Screen::Gate(GateScreen::bootstrap()),
                    (None, false) => Screen::Gate(GateScreen::login("")),
                };
            }
            // Switching profile from the login screen: stay there.
            Err(failure) if let Screen::Gate(screen) = &mut self.screen => {
                screen.form.saving = false;
                screen.notice = Some(failure.message);
            }
            Err(failure) => {
                self.screen = Screen::Starting(Some(failure.message.clone()));
                if failure.kind == FailureKind::Unavailable {
                    self.failed(failure);
                }
            }
        }
    }

    fn gate_failed(&mut self, failure: Failure) {
        if let Screen::Gate(screen) = &mut self.screen {
            screen.failed(failure);
        }
    }

    /// Opens the main screen for `me` and loads what it shows first.
    fn enter(&mut self, me: SessionInfo) {
        let sh = &mut self.shared;
        let mut main = match self.suspended.take() {
            // The same person again: back where they were, form included.
            Some(main) if main.me.employee_id == me.employee_id => {
                sh.say("Logged in again: your screen is as you left it.", Tone::Info);
                main
            }
            _ => {
                sh.say(format!("Welcome, {}. Press ? for the keys of each screen.", me.name), Tone::Info);
                Box::new(Main::new(me))
            }
        };
        main.reload(false, sh);
        sh.run(Effect::CountUnread);
        self.screen = Screen::Main(main);
    }

    fn key(&mut self, key: KeyEvent) {
        let sh = &mut self.shared;
        if key.modifiers.contains(KeyModifiers::CONTROL) && matches!(key.code, KeyCode::Char('c')) {
            sh.quit = true;
            return;
        }
        // An error stays while its popup is open; anything else goes.
        if !matches!(sh.message, Some((_, Tone::Error))) || sh.popup.is_none() {
            sh.message = None;
        }
        if let Some(popup) = sh.popup.take() {
            let reply = popup.key(&sh.keymap, &key);
            if let Screen::Main(main) = &mut self.screen {
                main.popup_reply(reply, sh);
            }
            return;
        }
        match &mut self.screen {
            Screen::Starting(_) => sh.quit |= matches!(key.code, KeyCode::Char('q') | KeyCode::Esc),
            Screen::Gate(screen) => screen.key(&key, sh, &mut self.profiles),
            Screen::Main(main) => main.key(&key, sh),
        }
    }

    fn paste(&mut self, text: &str) {
        let sh = &mut self.shared;
        // A popup has the keyboard: only the command line takes text.
        if let Some(popup) = sh.popup.as_mut() {
            if let Popup::CommandLine(line) = popup {
                line.paste(text);
            }
            return;
        }
        match &mut self.screen {
            Screen::Gate(screen) => screen.paste(text),
            Screen::Main(main) => main.paste(text, sh),
            Screen::Starting(_) => {}
        }
    }

    /// Clicks and scrolls, hit-tested against where things were drawn.
    fn mouse(&mut self, mouse: MouseEvent) {
        let sh = &mut self.shared;
        let Screen::Main(main) = &mut self.screen else { return };
        if sh.popup.is_some() || main.form.is_some() {
            return;
        }
        let at = Position { x: mouse.column, y: mouse.row };
        match mouse.kind {
            MouseEventKind::ScrollDown => main.run(Command::Down, sh),
            MouseEventKind::ScrollUp => main.run(Command::Up, sh),
            MouseEventKind::Down(MouseButton::Left) => {
                let areas = self.areas.borrow();
                if let Some((_, tab)) = areas.tabs.iter().find(|(area, _)| area.contains(at)) {
                    main.switch(*tab, sh);
                } else if let Some(rows) = areas.rows.filter(|rows| rows.contains(at)) {
                    main.click(usize::from(at.y - rows.y));
                }
            }
            _ => {}
        }
    }

    // ----- drawing -----

    /// Draws the whole screen.
    pub fn render(&self, frame: &mut Frame) {
        let area = frame.area();
        let (theme, spinner) = (self.theme, self.shared.spinner());
        match &self.screen {
            Screen::Starting(error) => {
                starting::render(frame, area, error.as_deref(), self.retry_at.is_some(), theme, spinner)
            }
            Screen::Gate(screen) => {
                login::render(frame, area, screen, &self.database, self.profiles.all.len(), theme, &self.shared.keymap)
            }
            Screen::Main(main) => self.render_main(frame, area, main),
        }
        if let Some(popup) = &self.shared.popup {
            popup.render(frame, area, theme, spinner, &self.shared.keymap);
        }
    }

    fn render_main(&self, frame: &mut Frame, area: Rect, main: &Main) {
        let (sh, theme) = (&self.shared, self.theme);
        let [top, banner, body, bottom] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(u16::from(sh.banner.is_some())),
            Constraint::Fill(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let tabs = Tab::all(main.me.department);
        let titles: Vec<(&str, &str)> = tabs.iter().map(|tab| (tab.title(), tab.short())).collect();
        let labels = status::tab_labels(&titles, sh.width);
        let active = tabs.iter().position(|tab| *tab == main.tab).unwrap_or(0);
        let who = if area.width >= 120 {
            format!("{} · {} ", main.me.name, main.me.department)
        } else {
            format!("{} ", main.me.department)
        };
        let places = status::render_tabs(frame, top, &labels, active, &who, theme);
        if let Some(text) = &sh.banner {
            frame.render_widget(Paragraph::new(Span::styled(format!("⚠ {text}"), theme.error())), banner);
        }
        let rows = main.render(frame, body, theme, sh.spinner(), &sh.keymap);
        let message = sh.message.as_ref().map(|(text, tone)| (text.as_str(), *tone));
        let spin = sh.busy().then_some(sh.spinner());
        status::render_status(frame, bottom, spin, message, &main.hints(sh), sh.unread, theme);
        // Where the tabs and rows are, for the next click.
        *self.areas.borrow_mut() = Areas { tabs: places.into_iter().zip(tabs).collect(), rows };
    }
}
