//! The screens before the main tabs: login, the first manager's bootstrap
//! on an empty database, and the forced password change.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::error::Failure;
use crate::services::accounts::EmployeeForm;
use crate::tui::effect::Effect;
use crate::tui::keymap::{Command, Context, Keymap};
use crate::tui::screens::forms::check_person;
use crate::tui::shared::Shared;
use crate::tui::theme::Theme;
use crate::tui::widgets::form::{self, Field, Fields, Form};

/// Which of the three it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Email and password.
    Login,
    /// The first employee, a manager, on an empty database.
    Bootstrap,
    /// A new password before anything else.
    ChangePassword,
}

/// The login form.
#[derive(Clone, Debug)]
pub struct LoginInputs {
    pub email: Field,
    pub password: Field,
}
crate::form_fields!(LoginInputs { email, password });

/// The first manager's form.
#[derive(Clone, Debug)]
pub struct BootstrapInputs {
    pub first_name: Field,
    pub last_name: Field,
    pub email: Field,
    pub phone: Field,
    pub password: Field,
    pub confirm: Field,
}
crate::form_fields!(BootstrapInputs { first_name, last_name, email, phone, password, confirm });

/// The password change form.
#[derive(Clone, Debug)]
pub struct PasswordInputs {
    pub current: Field,
    pub new: Field,
    pub confirm: Field,
}
crate::form_fields!(PasswordInputs { current, new, confirm });

/// The fields of whichever gate is on screen.
#[derive(Clone, Debug)]
pub enum GateInputs {
    Login(Box<LoginInputs>),
    Bootstrap(Box<BootstrapInputs>),
    Password(Box<PasswordInputs>),
}

impl Fields for GateInputs {
    fn list(&self) -> Vec<&Field> {
        match self {
            GateInputs::Login(inputs) => inputs.list(),
            GateInputs::Bootstrap(inputs) => inputs.list(),
            GateInputs::Password(inputs) => inputs.list(),
        }
    }

    fn list_mut(&mut self) -> Vec<&mut Field> {
        match self {
            GateInputs::Login(inputs) => inputs.list_mut(),
            GateInputs::Bootstrap(inputs) => inputs.list_mut(),
            GateInputs::Password(inputs) => inputs.list_mut(),
        }
    }
}

/// A gate screen's state.
#[derive(Clone, Debug)]
pub struct GateScreen {
    pub gate: Gate,
    pub form: Form<GateInputs>,
    /// Information above the form (demo logins, what happened).
    pub notice: Option<String>,
}

impl GateScreen {
    /// The login screen, email prefilled.
    pub fn login(email: &str) -> GateScreen {
        let inputs = LoginInputs {
            email: Field::text("email", "Email", "you@epic-events.test", email),
            password: Field::secret("password", "Password", ""),
        };
        let mut form = Form::new("Log in", GateInputs::Login(Box::new(inputs)));
        if !email.is_empty() {
            form.focus = 1;
        }
        GateScreen { gate: Gate::Login, form, notice: None }
    }

    /// The login screen, email prefilled, telling what happened.
    pub fn told(email: &str, notice: String) -> GateScreen {
        GateScreen { notice: Some(notice), ..GateScreen::login(email) }
    }

    /// The first-run screen.
    pub fn bootstrap() -> GateScreen {
        let inputs = BootstrapInputs {
            first_name: Field::text("first name", "First name", "", ""),
            last_name: Field::text("last name", "Last name", "", ""),
            email: Field::text("email", "Email", "you@epic-events.test", ""),
            phone: Field::text("phone", "Phone", "(optional)", ""),
            password: Field::secret("password", "Password", "8 to 128 characters"),
            confirm: Field::secret("confirm", "Again", "the same password"),
        };
        GateScreen {
            gate: Gate::Bootstrap,
            form: Form::new("Create the first manager", GateInputs::Bootstrap(Box::new(inputs))),
            notice: Some(
                "Nobody has an account in this database yet. Create the first manager (MANAGEMENT), \
                 or press F2 to load the demo company and log in with a demo login."
                    .to_owned(),
            ),
        }
    }

    /// The forced password change.
    pub fn change_password() -> GateScreen {
        let inputs = PasswordInputs {
            current: Field::secret("current", "Current password", "the one you logged in with"),
            new: Field::secret("new", "New password", "8 to 128 characters"),
            confirm: Field::secret("confirm", "Again", "the same new password"),
        };
        GateScreen {
            gate: Gate::ChangePassword,
            form: Form::new("Choose a new password", GateInputs::Password(Box::new(inputs))),
            notice: Some("Your account needs a new password before you go on.".to_owned()),
        }
    }

    /// The keys shown under the form; `profiles` is how many databases
    /// are configured.
    pub fn footer(&self, profiles: usize, keys: &Keymap) -> String {
        let save = keys.keys_of(Context::Gate, Command::Save, 1);
        let next = keys.keys_of(Context::Gate, Command::NextField, 1);
        let switch = keys.keys_of(Context::Gate, Command::SwitchDatabase, 1);
        match self.gate {
            Gate::Login if profiles >= 2 => {
                format!("Enter: next / log in · {switch}: next database ({profiles} configured) · Ctrl-c: quit")
            }
            Gate::Login => format!("Enter: next / log in · {next}: next field · Ctrl-c: quit"),
            Gate::Bootstrap => {
                format!("{save}: create · {next}: next field · {switch}: load the demo company · Ctrl-c: quit")
            }
            Gate::ChangePassword => format!("{save} or Enter on the last field: change · Ctrl-c: quit"),
        }
    }
}

/// The databases the login screen can switch between with F2.
#[derive(Clone, Debug, Default)]
pub struct Profiles {
    /// The configured profile in use, when the database came from one.
    pub current: Option<String>,
    /// Every configured profile, in name order.
    pub all: Vec<String>,
}

impl GateScreen {
    /// Handles a key: form keys, F2 (the demo company, the next database).
    pub fn key(&mut self, key: &KeyEvent, sh: &mut Shared, profiles: &mut Profiles) {
        if self.form.saving {
            return;
        }
        let submit = match sh.keymap.command(Context::Gate, key) {
            Some(Command::Save) => true,
            Some(Command::NextField) if key.code == KeyCode::Enter && self.form.on_last() => true,
            Some(Command::NextField) => {
                self.form.next();
                false
            }
            Some(Command::PrevField) => {
                self.form.previous();
                false
            }
            Some(Command::SwitchDatabase) => {
                self.switch(sh, profiles);
                false
            }
            _ => {
                self.form.key(key);
                false
            }
        };
        if submit {
            self.submit(sh);
        }
    }

    /// F2: the demo company on the bootstrap screen, the next configured
    /// database on the login screen.
    fn switch(&mut self, sh: &mut Shared, profiles: &mut Profiles) {
        match self.gate {
            Gate::Bootstrap => {
                self.form.saving = true;
                self.notice = Some("Loading the demo company…".to_owned());
                sh.start(Effect::LoadDemo);
            }
            Gate::Login if profiles.all.len() >= 2 => {
                // The next configured profile, in name order.
                let at = profiles.current.as_ref().and_then(|p| profiles.all.iter().position(|n| n == p));
                let next = at.map_or(0, |at| (at + 1) % profiles.all.len());
                let name = profiles.all[next].clone();
                // From now on the runner uses this profile, even if it
                // cannot be opened: F2 goes on from here.
                profiles.current = Some(name.clone());
                self.form.saving = true;
                self.notice = Some(format!("Opening the database of profile {name}…"));
                sh.start(Effect::UseProfile { name });
            }
            Gate::Login => {
                self.notice = Some(
                    "Only one database is configured. Add profiles to the config file ([profiles.NAME] url = \"…\") to choose here, or start with --database URL."
                        .to_owned(),
                );
            }
            Gate::ChangePassword => {}
        }
    }

    /// Checks the form and, when it holds, sends it.
    fn submit(&mut self, sh: &mut Shared) {
        let form = &mut self.form;
        form.clear_errors();
        let differ = || Err::<(), _>("The two passwords differ: type the same one twice.".to_owned());
        let effect = match &mut form.fields {
            GateInputs::Login(inputs) => {
                let email = inputs.email.value();
                if crate::domain::Email::typed(&email).is_empty() {
                    inputs.email.check(Err::<(), _>("Type your email address.".to_owned()));
                }
                if inputs.password.value().is_empty() {
                    inputs.password.check(Err::<(), _>("Type your password.".to_owned()));
                }
                Effect::Login { email, password: inputs.password.value() }
            }
            GateInputs::Bootstrap(inputs) => {
                let employee = EmployeeForm {
                    first_name: inputs.first_name.value(),
                    last_name: inputs.last_name.value(),
                    email: inputs.email.value(),
                    phone: inputs.phone.value(),
                    department: "MANAGEMENT".to_owned(),
                };
                let BootstrapInputs { first_name, last_name, email, phone, .. } = inputs.as_mut();
                check_person([first_name, last_name, email, phone]);
                let password = inputs.password.value();
                match crate::auth::password::check_new(&password, &employee.email) {
                    Err(err) => inputs.password.check(Err::<(), _>(Failure::from(err).message)),
                    Ok(()) if password != inputs.confirm.value() => inputs.confirm.check(differ()),
                    Ok(()) => {}
                }
                Effect::CreateFirstManager { form: employee, password }
            }
            GateInputs::Password(inputs) => {
                let new = inputs.new.value();
                if inputs.current.value().is_empty() {
                    inputs.current.check(Err::<(), _>("Type the password you logged in with.".to_owned()));
                }
                match crate::auth::password::check_new(&new, "") {
                    Err(err) => inputs.new.check(Err::<(), _>(Failure::from(err).message)),
                    Ok(()) if new != inputs.confirm.value() => inputs.confirm.check(differ()),
                    Ok(()) => {}
                }
                Effect::ChangePassword { current: inputs.current.value(), new }
            }
        };
        if form.has_errors() {
            form.focus_first_error();
            return;
        }
        form.saving = true;
        sh.start(effect);
    }

    /// Pasted text goes into the field with focus.
    pub fn paste(&mut self, text: &str) {
        if !self.form.saving {
            self.form.paste(text);
        }
    }

    /// A login, bootstrap or password change was refused: say why, and
    /// have any password typed again.
    pub fn failed(&mut self, failure: Failure) {
        self.form.saving = false;
        self.form.message = Some(failure.message);
        // A refused password is typed again, never kept.
        self.form.forget_secrets();
        if self.gate == Gate::Login {
            self.form.focus = 1;
        }
    }
}

/// Draws a gate screen centred, with the product name and the database.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    screen: &GateScreen,
    database: &str,
    profiles: usize,
    theme: Theme,
    keys: &Keymap,
) {
    let width = area.width.min(76);
    let notice_lines = screen.notice.as_ref().map_or(0, |notice| (notice.len() as u16 / width.max(1)) + 2);
    let height = (screen.form.height() + 3 + notice_lines).min(area.height);
    let [_, column, _] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(width), Constraint::Fill(1)]).areas(area);
    let [_, body, _] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(height), Constraint::Fill(1)]).areas(column);
    let [head, notice, form_area] =
        Layout::vertical([Constraint::Length(2), Constraint::Length(notice_lines), Constraint::Fill(1)]).areas(body);
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(Span::styled("Epic Events CRM", theme.title())),
            Line::from(Span::styled(format!("Database: {database}"), theme.dim())),
        ]),
        head,
    );
    if let Some(text) = &screen.notice {
        frame.render_widget(Paragraph::new(text.as_str()).wrap(Wrap { trim: true }).style(theme.warn()), notice);
    }
    form::render(frame, form_area, &screen.form, theme, &screen.footer(profiles, keys));
}
