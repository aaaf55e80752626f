//! `update` tests (an action in, state and effects out: no terminal, no
//! database) and screen snapshots on ratatui's `TestBackend` at 80×24 and
//! 160×48.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use super::app::{App, Screen};
use super::effect::{Effect, Save};
use super::keymap::Keymap;
use super::lists::{DisplayRow, ListKind, ListPage};
use super::model::{Outcome, SessionInfo, Startup};
use super::popups::Popup;
use super::screens::login::Gate;
use super::screens::main::Tab;
use super::theme::Theme;
use super::widgets::form::Fields as _;
use crate::domain::Department;
use crate::error::{Failure, FailureKind};
use crate::services::dashboard::Dashboard;
use crate::services::dashboard::{Load, Pipeline, SalesTotal};
use crate::services::rows::ContractRow;
use crate::services::rows::EventRow;
use crate::services::rows::{ClientRecord, ClientRow};

const AT: i64 = 1_790_000_000_000;

fn app(width: u16, height: u16) -> App {
    let mut app = App::new(Keymap::default(), Theme { color: false }, width, height);
    assert_eq!(app.start(), vec![Effect::Start]);
    app
}

/// Opens the database of an application with nobody logged in: the
/// bootstrap screen when `empty`, else the login screen.
fn open_gate(app: &mut App, empty: bool) {
    app.update(Action::Started(Ok(Startup {
        database: "sqlite:///x.db".into(),
        session: None,
        empty,
        profile: None,
        profiles: Vec::new(),
    })));
}

/// The main screen, which the test expects to be showing.
fn main_of(app: &App) -> &super::screens::main::Main {
    match &app.screen {
        Screen::Main(main) => main,
        _ => panic!("the main screen should be showing"),
    }
}

fn me(department: Department) -> SessionInfo {
    let id = match department {
        Department::Management => 1,
        Department::Sales => 2,
        Department::Support => 3,
    };
    SessionInfo { employee_id: id, name: "Ada Lovelace".into(), department, must_change_password: false }
}

/// An application logged in as someone of `department`, on Home.
fn logged_in(department: Department, width: u16, height: u16) -> (App, Vec<Effect>) {
    let mut app = app(width, height);
    let effects = app.update(Action::Started(Ok(Startup {
        database: "sqlite:///demo.db".into(),
        session: Some(me(department)),
        empty: false,
        profile: None,
        profiles: Vec::new(),
    })));
    (app, effects)
}

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ch(c: char) -> Action {
    key(KeyCode::Char(c))
}

fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn typed(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars().flat_map(|c| app.update(ch(c))).collect()
}

#[allow(clippy::needless_update)]
fn client(id: i64, sales: i64) -> DisplayRow {
    DisplayRow::client(ClientRow {
        record: ClientRecord {
            id,
            first_name: format!("Kenji{id}"),
            last_name: "Watanabe".into(),
            email: format!("kenji{id}@example.com"),
            phone: Some("+33612345678".into()),
            company_name: Some("Watanabe Events".into()),
            sales_contact_id: Some(sales),
            created_at: AT,
            updated_at: AT,
            last_contact_at: None,
            version: 1,
            // A field added later is empty in every snapshot.
            ..Default::default()
        },
        sales_contact_name: Some("Sam Seller".into()),
    })
}

fn contract(id: i64, signed: bool) -> DisplayRow {
    DisplayRow::contract(ContractRow {
        id,
        client_id: 10,
        client_name: "Kenji Watanabe".into(),
        sales_contact_id: Some(2),
        sales_contact_name: Some("Sam Seller".into()),
        total_cents: 1_200_050,
        due_cents: 200_000,
        signed,
        signed_at: signed.then_some(AT),
        created_at: AT,
        updated_at: AT,
        version: 3,
    })
}

fn event(id: i64, support: Option<i64>) -> DisplayRow {
    DisplayRow::event(EventRow {
        id,
        name: format!("Gala {id}"),
        contract_id: 7,
        client_id: 10,
        client_name: "Kenji Watanabe".into(),
        support_contact_id: support,
        support_contact_name: support.map(|_| "Sue Porter".into()),
        start_at: AT + id * 3_600_000,
        end_at: AT + id * 3_600_000 + 7_200_000,
        location: Some("Opera House, Lyon".into()),
        attendees: 120,
        notes: Some("Vegetarian menu".into()),
        created_at: AT,
        updated_at: AT,
        version: 2,
    })
}

fn page(rows: Vec<DisplayRow>) -> ListPage {
    ListPage { rows, next: None, prev: None }
}

/// The request id of the last page load among `effects`.
fn page_request(effects: &[Effect]) -> (u64, super::lists::ListQuery) {
    effects
        .iter()
        .rev()
        .find_map(|effect| match effect {
            Effect::LoadPage { request, query } => Some((*request, query.clone())),
            _ => None,
        })
        .expect("a page load")
}

/// Opens a tab and answers its load with `rows`.
fn show(app: &mut App, tab_key: char, rows: Vec<DisplayRow>) {
    let effects = app.update(ch(tab_key));
    let (request, _) = page_request(&effects);
    app.update(Action::PageLoaded { request, result: Ok(page(rows)) });
}

fn dashboard() -> Dashboard {
    Dashboard {
        pipeline: Pipeline {
            contracts: 400,
            unsigned: 110,
            unpaid: 151,
            signed_cents: 724_420_000,
            unsigned_cents: 251_275_000,
            outstanding_cents: 301_541_455,
        },
        mine: Some(Pipeline { contracts: 40, unsigned: 9, unpaid: 12, ..Pipeline::default() }),
        my_clients: Some(21),
        weeks_from: AT,
        weeks: vec![15, 12, 11, 4, 8, 5, 5, 7],
        without_support: 46,
        sales: vec![
            SalesTotal {
                employee_id: 2,
                first_name: "Sam".into(),
                last_name: "Bertrand".into(),
                signed_cents: 250_000_000,
                unsigned_cents: 70_660_000,
            },
            SalesTotal {
                employee_id: 4,
                first_name: "Jo".into(),
                last_name: "Jones".into(),
                signed_cents: 160_000_000,
                unsigned_cents: 73_980_000,
            },
        ],
    }
}

/// The screen as text, local times masked (the machine's time zone varies).
fn draw(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(app.shared.width, app.shared.height)).expect("test terminal");
    terminal.draw(|frame| app.render(frame)).expect("draw");
    let buffer = terminal.backend().buffer().clone();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buffer.area.width {
            let symbol = buffer[(x, y)].symbol();
            if skip > 0 {
                skip -= 1;
                continue;
            }
            skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
            line.push_str(symbol);
        }
        text.push_str(&mask_times(line.trim_end()));
        text.push('\n');
    }
    text
}

/// Replaces `YYYY-MM-DD HH:MM` and `dd/mm` dates with placeholders.
fn mask_times(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let shape = |at: usize, pattern: &str| {
        pattern
            .chars()
            .enumerate()
            .all(|(i, p)| chars.get(at + i).is_some_and(|c| if p == '9' { c.is_ascii_digit() } else { *c == p }))
    };
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if shape(i, "9999-99-99 99:99") {
            out.push_str("YYYY-MM-DD hh:mm");
            i += 16;
        } else if shape(i, " 99/99 ") {
            out.push_str(" dd/mm ");
            i += 7;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn snapshot(name: &str, app: &App) {
    insta::assert_snapshot!(name, draw(app));
}

// ----- update -----

#[test]
fn an_empty_database_opens_the_bootstrap_and_f2_loads_the_demo() {
    let mut app = app(80, 24);
    open_gate(&mut app, true);
    assert!(matches!(&app.screen, Screen::Gate(gate) if gate.gate == Gate::Bootstrap));
    assert_eq!(app.update(key(KeyCode::F(2))), vec![Effect::LoadDemo]);
    app.update(Action::DemoLoaded(Ok("Demo company loaded.".into())));
    assert!(matches!(&app.screen, Screen::Gate(gate) if gate.gate == Gate::Login));
}

#[test]
fn bootstrap_refuses_bad_fields_inline_and_sends_nothing() {
    let mut app = app(80, 24);
    open_gate(&mut app, true);
    typed(&mut app, "Ada");
    assert!(app.update(ctrl('s')).is_empty());
    let Screen::Gate(gate) = &app.screen else { panic!("gate") };
    assert!(gate.form.fields.list().iter().any(|field| field.name == "last name" && field.error.is_some()));
    assert!(gate.form.fields.list().iter().any(|field| field.name == "password" && field.error.is_some()));
    snapshot("bootstrap_with_errors_80x24", &app);
}

#[test]
fn login_sends_the_typed_credentials_and_keeps_the_email_after_a_refusal() {
    let mut app = app(80, 24);
    open_gate(&mut app, false);
    snapshot("login_80x24", &app);
    typed(&mut app, "sales@demo.test");
    app.update(key(KeyCode::Enter));
    typed(&mut app, "wrong password q");
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(effects, vec![Effect::Login { email: "sales@demo.test".into(), password: "wrong password q".into() }]);
    app.update(Action::SignedIn(Err(Failure::new(FailureKind::Unauthenticated, "Wrong email or password."))));
    let Screen::Gate(gate) = &app.screen else { panic!("gate") };
    assert_eq!(gate.form.value("email"), "sales@demo.test");
    assert_eq!(gate.form.value("password"), "", "a refused password is not kept");
    assert_eq!(gate.form.message.as_deref(), Some("Wrong email or password."));
    snapshot("login_refused_80x24", &app);
}

#[test]
fn a_pending_password_change_comes_before_the_tabs() {
    let mut app = app(80, 24);
    open_gate(&mut app, false);
    let mut who = me(Department::Sales);
    who.must_change_password = true;
    app.update(Action::SignedIn(Ok(who)));
    assert!(matches!(&app.screen, Screen::Gate(gate) if gate.gate == Gate::ChangePassword));
    typed(&mut app, "EpicDemo-2026");
    app.update(key(KeyCode::Tab));
    typed(&mut app, "short");
    assert!(app.update(ctrl('s')).is_empty(), "a weak password is refused before asking the database");
    snapshot("password_change_80x24", &app);
}

#[test]
fn logging_in_loads_home_and_polls_notifications() {
    let (mut app, effects) = logged_in(Department::Management, 80, 24);
    assert!(matches!(effects[0], Effect::LoadDashboard { .. }));
    assert!(effects.contains(&Effect::CountUnread));
    snapshot("home_loading_80x24", &app);
    let Effect::LoadDashboard { request, .. } = effects[0] else { unreachable!() };
    app.update(Action::DashboardLoaded { request, result: Ok(dashboard()) });
    app.update(Action::UnreadCounted(Ok(3)));
    snapshot("home_management_80x24", &app);
    app.shared.width = 160;
    app.shared.height = 48;
    snapshot("home_management_160x48", &app);
}

#[test]
fn home_shows_each_departments_numbers_and_errors() {
    for department in [Department::Sales, Department::Support] {
        let (mut app, mut effects) = logged_in(department, 80, 24);
        if department == Department::Support {
            // SUPPORT land on their upcoming events; Home is one key away.
            let (_, query) = page_request(&effects);
            assert_eq!(query.kind, ListKind::Events);
            assert!(query.filters.contains(&super::lists::Filter::Mine));
            assert!(query.filters.contains(&super::lists::Filter::Upcoming));
            effects = app.update(ch('1'));
        }
        let Effect::LoadDashboard { request, .. } = effects[0] else { unreachable!() };
        app.update(Action::DashboardLoaded { request, result: Ok(dashboard()) });
        snapshot(&format!("home_{}_80x24", department.to_string().to_lowercase()), &app);
    }
    let (mut app, effects) = logged_in(Department::Sales, 80, 24);
    let Effect::LoadDashboard { request, .. } = effects[0] else { unreachable!() };
    app.update(Action::DashboardLoaded { request, result: Err(Failure::unexpected("The disk is full.")) });
    snapshot("home_error_80x24", &app);
}

#[test]
fn tabs_switch_with_numbers_brackets_and_the_command_line() {
    let (mut app, _) = logged_in(Department::Sales, 80, 24);
    let effects = app.update(ch('2'));
    let (_, query) = page_request(&effects);
    assert_eq!(query.kind, ListKind::Clients);
    assert_eq!(query.page.limit, 19, "a page fills the table at 80×24");
    app.update(ch(']'));
    let main = main_of(&app);
    assert_eq!(main.tab, Tab::List(ListKind::Contracts));
    app.update(ch(':'));
    typed(&mut app, "events");
    app.update(key(KeyCode::Enter));
    let main = main_of(&app);
    assert_eq!(main.tab, Tab::List(ListKind::Events));
    app.update(ch(':'));
    typed(&mut app, "audit");
    app.update(key(KeyCode::Enter));
    assert!(
        matches!(&app.shared.popup, Some(Popup::CommandLine(super::popups::CommandLine { error: Some(error), .. })) if error.contains("MANAGEMENT"))
    );
    snapshot("command_line_error_80x24", &app);
    app.update(key(KeyCode::Esc));
    app.update(ch('q'));
    assert!(app.shared.quit, "q quits from the top level");
}

#[test]
fn stale_pages_are_dropped_and_live_search_types_letters() {
    let (mut app, _) = logged_in(Department::Sales, 80, 24);
    let effects = app.update(ch('2'));
    let (first, _) = page_request(&effects);
    app.update(ch('/'));
    let effects = typed(&mut app, "qa");
    let (latest, query) = page_request(&effects);
    assert_eq!(query.search, "qa", "q typed in the search box is a letter, not quit");
    assert!(!app.shared.quit);
    // The answer to the first request arrives late: dropped.
    app.update(Action::PageLoaded { request: first, result: Ok(page(vec![client(1, 2)])) });
    let main = main_of(&app);
    assert!(main.view().is_some_and(|view| view.rows.is_empty()));
    app.update(Action::PageLoaded { request: latest, result: Ok(page(vec![client(5, 2), client(6, 9)])) });
    snapshot("clients_search_80x24", &app);
    app.update(key(KeyCode::Enter));
    let main = main_of(&app);
    assert_eq!(main.view().map(|view| view.rows.len()), Some(2));
    assert!(main.view().is_some_and(|view| view.title().contains("/qa")));
}

#[test]
fn lists_show_loading_empty_loaded_and_failed() {
    let (mut app, _) = logged_in(Department::Sales, 80, 24);
    let effects = app.update(ch('2'));
    snapshot("clients_loading_80x24", &app);
    let (request, _) = page_request(&effects);
    app.update(Action::PageLoaded { request, result: Ok(page(Vec::new())) });
    snapshot("clients_empty_80x24", &app);
    let effects = app.update(ctrl('r'));
    let (request, _) = page_request(&effects);
    app.update(Action::PageLoaded {
        request,
        result: Err(Failure::unexpected("The database reported an unexpected error.")),
    });
    snapshot("clients_error_80x24", &app);
    let effects = app.update(ctrl('r'));
    let (request, _) = page_request(&effects);
    app.update(Action::PageLoaded { request, result: Ok(page((1..=30).map(|id| client(id, 2)).collect())) });
    snapshot("clients_loaded_80x24", &app);
    app.shared.width = 160;
    app.shared.height = 48;
    snapshot("clients_loaded_160x48", &app);
}

#[test]
fn paging_moves_by_cursor_and_sort_and_filters_reload_from_the_start() {
    let (mut app, _) = logged_in(Department::Sales, 80, 24);
    let effects = app.update(ch('3'));
    let (request, _) = page_request(&effects);
    let rows = vec![contract(1, false), contract(2, true)];
    app.update(Action::PageLoaded { request, result: Ok(ListPage { rows, next: Some("NEXT".into()), prev: None }) });
    let effects = app.update(key(KeyCode::PageDown));
    let (_, query) = page_request(&effects);
    assert_eq!(query.page.after.as_deref(), Some("NEXT"));
    let effects = app.update(ch('u'));
    let (_, query) = page_request(&effects);
    assert!(query.filters.contains(&super::lists::Filter::Unsigned));
    assert_eq!(query.page.after, None);
    let effects = app.update(ch('O'));
    let (_, query) = page_request(&effects);
    assert!(query.descending);
    let effects = app.update(ch('o'));
    let (_, query) = page_request(&effects);
    assert_eq!(query.sort, "total_amount");
    assert!(app.update(ch('w')).is_empty(), "contracts have no without-support filter");
    assert!(app.shared.message.as_ref().is_some_and(|(text, _)| text.contains("without support")));
}

#[test]
fn enter_drills_from_client_to_contracts_to_events_and_esc_goes_back() {
    let (mut app, _) = logged_in(Department::Sales, 80, 24);
    show(&mut app, '2', vec![client(10, 2)]);
    let effects = app.update(key(KeyCode::Enter));
    let (request, query) = page_request(&effects);
    assert_eq!(query.kind, ListKind::Contracts);
    assert!(matches!(query.scope, Some(super::lists::Scope::Client { id: 10, .. })));
    app.update(Action::PageLoaded { request, result: Ok(page(vec![contract(7, true)])) });
    snapshot("client_contracts_80x24", &app);
    let effects = app.update(key(KeyCode::Enter));
    let (_, query) = page_request(&effects);
    assert_eq!(query.kind, ListKind::Events);
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Esc));
    let main = main_of(&app);
    assert_eq!(main.view().map(|view| view.kind), Some(ListKind::Clients));
}

#[test]
fn a_manager_assigns_support_to_marked_events_after_confirming() {
    let (mut app, _) = logged_in(Department::Management, 80, 24);
    show(&mut app, '4', vec![event(1, None), event(2, None), event(3, Some(3))]);
    app.update(ch(' '));
    app.update(ch(' '));
    snapshot("events_marked_80x24", &app);
    let effects = app.update(ch('a'));
    let Some(Effect::LoadLoads { request, department }) = effects.first().cloned() else { panic!("{effects:?}") };
    assert_eq!(department, Department::Support);
    snapshot("picker_loading_80x24", &app);
    let loads = vec![
        Load { employee_id: 3, first_name: "Sue".into(), last_name: "Porter".into(), load: 2 },
        Load { employee_id: 5, first_name: "Tom".into(), last_name: "Haddad".into(), load: 9 },
    ];
    app.update(Action::LoadsLoaded { request, result: Ok(loads) });
    snapshot("picker_80x24", &app);
    app.update(ch('j'));
    app.update(key(KeyCode::Enter));
    snapshot("confirm_assign_80x24", &app);
    assert!(app.update(key(KeyCode::Enter)).is_empty(), "Enter on the default (No) does nothing");
    assert!(app.shared.popup.is_none());
    app.update(ch('a'));
    let effects = app.update(Action::LoadsLoaded { request: request + 1, result: Ok(vec![]) });
    assert!(effects.is_empty());
}

#[test]
fn confirming_yes_runs_the_assignment() {
    let (mut app, _) = logged_in(Department::Management, 80, 24);
    show(&mut app, '4', vec![event(1, None), event(2, None)]);
    app.update(ch(' '));
    app.update(ch(' '));
    let effects = app.update(ch('a'));
    let Some(Effect::LoadLoads { request, .. }) = effects.first().cloned() else { panic!() };
    let loads = vec![Load { employee_id: 3, first_name: "Sue".into(), last_name: "Porter".into(), load: 2 }];
    app.update(Action::LoadsLoaded { request, result: Ok(loads) });
    app.update(key(KeyCode::Enter));
    let effects = app.update(ch('y'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Save { save: Save::Assign { ids, support_id: 3 }, .. }] if ids == &vec![1, 2]
    ));
}

#[test]
fn forbidden_actions_explain_why_and_are_not_offered() {
    let (mut app, _) = logged_in(Department::Support, 80, 24);
    show(&mut app, '4', vec![event(1, None)]);
    assert!(app.update(ch('a')).is_empty());
    let (text, _) = app.shared.message.clone().expect("a reason");
    assert!(text.contains("SUPPORT"), "{text}");
    app.update(ch('?'));
    let Some(Popup::Help(super::popups::Help { lines })) = &app.shared.popup else { panic!("help") };
    assert!(lines.iter().any(|line| line.what == "edit"));
    assert!(!lines.iter().any(|line| line.what == "assign support"), "not offered to SUPPORT");
    snapshot("help_support_events_80x24", &app);
    // Support may edit only their own events.
    app.update(ch('x'));
    assert!(app.update(ch('e')).is_empty());
    assert!(app.shared.message.as_ref().is_some_and(|(text, _)| text.contains("assigned")), "{:?}", app.shared.message);
}

#[test]
fn a_client_form_checks_fields_keeps_them_on_failure_and_saves_when_valid() {
    let (mut app, _) = logged_in(Department::Sales, 80, 24);
    show(&mut app, '2', vec![client(1, 2)]);
    app.update(ch('n'));
    assert!(app.update(ctrl('s')).is_empty(), "nothing is saved until the form is valid");
    snapshot("client_form_errors_80x24", &app);
    app.update(key(KeyCode::BackTab));
    for _ in 0..10 {
        app.update(key(KeyCode::Up));
    }
    let Screen::Main(main) = &mut app.screen else { panic!("main") };
    let form = &mut main.form.as_mut().expect("form").form;
    form.focus = 0;
    typed(&mut app, "Kenji");
    app.update(key(KeyCode::Tab));
    typed(&mut app, "Watanabe");
    app.update(key(KeyCode::Tab));
    typed(&mut app, "kenji@example.com");
    let effects = app.update(ctrl('s'));
    let [Effect::Save { request, save: Save::NewClient(form) }] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!(form.get("email"), Some("kenji@example.com"));
    app.update(Action::Saved {
        request: *request,
        result: Err(Failure::new(FailureKind::Conflict, "A client with this email already exists.")),
    });
    let main = main_of(&app);
    let kept = main.form.as_ref().expect("the form stays");
    assert_eq!(kept.form.value("first_name"), "Kenji", "a failed save keeps what was typed");
    snapshot("client_form_not_saved_80x24", &app);
    let effects = app.update(ctrl('s'));
    let [Effect::Save { request, .. }] = effects.as_slice() else { panic!() };
    let effects = app.update(Action::Saved {
        request: *request,
        result: Ok(Outcome {
            message: "Client 9 created: they are yours.".into(),
            record: Some(client(9, 2)),
            one_time_password: None,
        }),
    });
    assert!(effects.iter().any(|effect| matches!(effect, Effect::LoadPage { .. })), "the list reloads");
    let main = main_of(&app);
    assert!(main.form.is_none());
}

#[test]
fn a_version_conflict_offers_reload_overwrite_or_cancel() {
    let (mut app, _) = logged_in(Department::Sales, 160, 48);
    show(&mut app, '2', vec![client(1, 2)]);
    app.update(ch('e'));
    app.update(key(KeyCode::Tab));
    typed(&mut app, "x");
    let effects = app.update(ctrl('s'));
    let [Effect::Save { request, save }] = effects.as_slice() else { panic!("{effects:?}") };
    assert!(matches!(save, Save::EditClient { version: Some(1), .. }));
    app.update(Action::Saved {
        request: *request,
        result: Err(Failure::new(
            FailureKind::Stale,
            "Client 1 was changed by someone else since you read it (it is now at version 2): show it again and redo your change.",
        )),
    });
    assert!(matches!(app.shared.popup, Some(Popup::Conflict(_))));
    snapshot("conflict_160x48", &app);
    let effects = app.update(ch('o'));
    assert!(matches!(effects.as_slice(), [Effect::Save { save: Save::EditClient { version: None, .. }, .. }]));
}

#[test]
fn the_conflict_dialog_takes_and_names_the_keys_as_configured() {
    let overrides = std::collections::BTreeMap::from([
        ("conflict.overwrite".to_owned(), vec!["w".to_owned()]),
        ("form.save".to_owned(), vec!["ctrl-w".to_owned()]),
    ]);
    let (mut app, _) = logged_in(Department::Sales, 160, 48);
    app.shared.keymap = Keymap::with_overrides(&overrides).expect("no clash");
    show(&mut app, '2', vec![client(1, 2)]);
    app.update(ch('e'));
    app.update(key(KeyCode::Tab));
    typed(&mut app, "x");
    assert!(draw(&app).contains("Ctrl-w: save"), "the form's footer names the bound key");
    let effects = app.update(ctrl('w'));
    let [Effect::Save { request, .. }] = effects.as_slice() else { panic!("{effects:?}") };
    app.update(Action::Saved {
        request: *request,
        result: Err(Failure::new(FailureKind::Stale, "Client 1 was changed by someone else since you read it.")),
    });
    let screen = draw(&app);
    assert!(screen.contains("w overwrite with my fields"), "{screen}");
    assert!(app.update(ch('o')).is_empty(), "o is no longer overwrite");
    assert!(matches!(app.shared.popup, Some(Popup::Conflict(_))));
    let effects = app.update(ch('w'));
    assert!(matches!(effects.as_slice(), [Effect::Save { save: Save::EditClient { version: None, .. }, .. }]));
}

#[test]
fn esc_on_a_changed_form_asks_first_defaulting_to_no() {
    let (mut app, _) = logged_in(Department::Sales, 80, 24);
    show(&mut app, '2', vec![client(1, 2)]);
    app.update(ch('e'));
    typed(&mut app, "y");
    app.update(key(KeyCode::Esc));
    assert!(matches!(app.shared.popup, Some(Popup::Confirm(super::popups::Confirm { yes: false, .. }))));
    snapshot("confirm_discard_80x24", &app);
    app.update(key(KeyCode::Enter));
    let main = main_of(&app);
    assert!(main.form.is_some(), "No keeps the form");
    app.update(key(KeyCode::Esc));
    app.update(ch('y'));
    let main = main_of(&app);
    assert!(main.form.is_none());
}

#[test]
fn a_lost_database_shows_a_banner_and_retries_with_backoff() {
    let (mut app, _) = logged_in(Department::Sales, 80, 24);
    let effects = app.update(ch('2'));
    let (request, _) = page_request(&effects);
    app.update(Action::PageLoaded {
        request,
        result: Err(Failure::new(FailureKind::Unavailable, "The database connection was lost.")),
    });
    assert!(app.shared.banner.as_ref().is_some_and(|banner| banner.contains("Retrying in 1 s")));
    snapshot("banner_80x24", &app);
    let mut retried = Vec::new();
    for _ in 0..super::app::TICKS_PER_SECOND {
        retried.extend(app.update(Action::Tick));
    }
    let (request, _) = page_request(&retried);
    app.update(Action::PageLoaded { request, result: Ok(page(vec![client(1, 2)])) });
    assert!(app.shared.banner.is_none());
}

#[test]
fn an_ended_session_returns_to_login() {
    let (mut app, _) = logged_in(Department::Sales, 80, 24);
    app.update(Action::UnreadCounted(Err(Failure::new(
        FailureKind::Unauthenticated,
        "Your session has ended: log in again.",
    ))));
    assert!(matches!(&app.screen, Screen::Gate(gate) if gate.gate == Gate::Login));
}

#[test]
fn ctrl_c_quits_even_inside_a_form() {
    let (mut app, _) = logged_in(Department::Sales, 80, 24);
    show(&mut app, '2', vec![]);
    app.update(ch('n'));
    typed(&mut app, "q");
    assert!(!app.shared.quit);
    app.update(ctrl('c'));
    assert!(app.shared.quit);
}

#[test]
fn a_new_employee_shows_the_one_time_password_once() {
    let (mut app, _) = logged_in(Department::Management, 80, 24);
    show(&mut app, '5', vec![]);
    app.update(ch('n'));
    let Screen::Main(main) = &mut app.screen else { panic!("main") };
    let form = &mut main.form.as_mut().expect("form").form;
    for (name, value) in [("first name", "Sue"), ("last name", "Porter"), ("email", "sue@epic.test")] {
        form.field_mut(name).expect("field").set(value);
    }
    let effects = app.update(ctrl('s'));
    let [Effect::Save { request, save: Save::NewEmployee(form) }] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!(form.department, "SALES");
    app.update(Action::Saved {
        request: *request,
        result: Ok(Outcome {
            message: "Employee 9 created.".into(),
            record: None,
            one_time_password: Some("otp-123".into()),
        }),
    });
    snapshot("one_time_password_80x24", &app);
}

#[test]
fn data_text_cannot_reach_the_terminal_as_escapes() {
    let (mut app, _) = logged_in(Department::Sales, 80, 24);
    let mut row = client(1, 2);
    if let super::lists::Record::Client(inner) = &mut row.record {
        inner.company_name = Some("\u{1b}[31mEvil\u{202e}Corp".into());
    }
    let row = DisplayRow::client(match row.record {
        super::lists::Record::Client(inner) => inner,
        _ => unreachable!(),
    });
    show(&mut app, '2', vec![row]);
    let screen = draw(&app);
    assert!(!screen.contains('\u{1b}') && !screen.contains('\u{202e}'));
    assert!(screen.contains("�[31mEvil�Corp"));
}

#[test]
fn f2_on_the_login_screen_picks_the_next_configured_database() {
    let mut app = app(80, 24);
    app.update(Action::Started(Ok(Startup {
        database: "postgres://crm.example/prod".into(),
        session: None,
        empty: false,
        profile: Some("prod".into()),
        profiles: vec!["demo".into(), "prod".into(), "staging".into()],
    })));
    snapshot("login_profiles_80x24", &app);
    assert_eq!(app.update(key(KeyCode::F(2))), vec![Effect::UseProfile { name: "staging".into() }]);
    app.update(Action::Started(Err(Failure::usage("There is no database profile named \"staging\"."))));
    let Screen::Gate(gate) = &app.screen else { panic!("gate") };
    assert!(gate.notice.as_deref().is_some_and(|notice| notice.contains("staging")), "stays on login, says why");
    assert!(!gate.form.saving);
}

fn employee(id: i64, department: Department, active: bool) -> DisplayRow {
    DisplayRow::employee(crate::services::rows::EmployeeRow {
        id,
        first_name: format!("Emma{id}"),
        last_name: "Dupont".into(),
        email: format!("emma{id}@epic-events.test"),
        phone: None,
        department_id: department.id(),
        active,
        deactivated_at: (!active).then_some(AT),
        must_change_password: false,
        created_at: AT,
        updated_at: AT,
        version: 4,
    })
}

fn notification(id: i64, read: bool) -> DisplayRow {
    DisplayRow::notification(crate::services::rows::NotificationRow {
        id,
        recipient_id: 3,
        at: AT,
        kind: "event.assigned".into(),
        record_kind: "event".into(),
        record_id: Some(40 + id),
        message: format!("You were assigned event {} \"Gala\".", 40 + id),
        read_at: read.then_some(AT),
    })
}

fn audit_entry(id: i64) -> DisplayRow {
    DisplayRow::audit(crate::services::rows::AuditRow {
        id,
        at: AT,
        actor_id: Some(1),
        actor_name: "Ada Lovelace".into(),
        action: "contract.sign".into(),
        record_kind: "contract".into(),
        record_id: Some(7),
        changes: r#"{"signed":{"before":false,"after":true}}"#.into(),
    })
}

#[test]
fn a_manager_deactivates_and_reactivates_employees_but_never_themselves() {
    let (mut app, _) = logged_in(Department::Management, 80, 24);
    show(
        &mut app,
        '5',
        vec![
            employee(1, Department::Management, true),
            employee(8, Department::Sales, true),
            employee(9, Department::Support, false),
        ],
    );
    snapshot("employees_80x24", &app);
    assert!(app.update(ch('d')).is_empty());
    assert!(app.shared.message.as_ref().is_some_and(|(text, _)| text.contains("yourself")));
    app.update(ch('j'));
    app.update(ch('d'));
    let Some(Popup::Confirm(super::popups::Confirm { question, .. })) = &app.shared.popup else { panic!("confirm") };
    assert!(question.contains("Deactivate Emma8 Dupont"));
    let effects = app.update(ch('y'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Save { save: Save::SetActive { id: 8, active: false, version: Some(4) }, .. }]
    ));
    app.update(ch('j'));
    app.update(ch('r'));
    let effects = app.update(ch('y'));
    assert!(matches!(effects.as_slice(), [Effect::Save { save: Save::SetActive { id: 9, active: true, .. }, .. }]));
    // Editing offers the department as a choice.
    app.update(ch('e'));
    snapshot("employee_form_80x24", &app);
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Right));
    let effects = app.update(ctrl('s'));
    let [Effect::Save { save: Save::EditEmployee { id: 9, edit, .. }, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(edit.department.as_deref(), Some("MANAGEMENT"));
    assert_eq!(edit.first_name, None, "only changed fields are sent");
}

#[test]
fn sales_never_see_the_audit_tab_and_managers_read_it() {
    let (mut app, _) = logged_in(Department::Sales, 80, 24);
    let main = main_of(&app);
    assert!(!Tab::all(main.me.department).contains(&Tab::List(ListKind::Audit)));
    let (mut manager, _) = logged_in(Department::Management, 160, 48);
    show(&mut manager, '6', vec![audit_entry(1), audit_entry(2)]);
    snapshot("audit_160x48", &manager);
    let effects = manager.update(ch('o'));
    let (_, query) = page_request(&effects);
    assert_eq!(query.sort, "actor_name", "the audit sorts by who, too");
    app.update(ch('6'));
    let main = main_of(&app);
    assert_eq!(main.tab, Tab::List(ListKind::Notifications), "tab 6 of SALES is their notifications");
}

#[test]
fn notifications_open_marked_read_and_filter_unread() {
    let (mut app, _) = logged_in(Department::Support, 80, 24);
    app.update(Action::UnreadCounted(Ok(2)));
    show(&mut app, '6', vec![notification(1, false), notification(2, false), notification(3, true)]);
    snapshot("notifications_80x24", &app);
    let effects = app.update(key(KeyCode::Enter));
    assert!(matches!(effects.as_slice(), [Effect::Save { save: Save::MarkRead { ids }, .. }] if ids == &vec![1]));
    assert!(matches!(app.shared.popup, Some(Popup::Detail(_))));
    snapshot("notification_detail_80x24", &app);
    app.update(key(KeyCode::Esc));
    app.update(ch('j'));
    let effects = app.update(ch('x'));
    assert!(matches!(effects.as_slice(), [Effect::Save { save: Save::MarkRead { ids }, .. }] if ids == &vec![2]));
    let effects = app.update(ch('U'));
    let (_, query) = page_request(&effects);
    assert!(query.filters.contains(&super::lists::Filter::Unread));
}

#[test]
fn a_manager_gives_a_client_to_another_salesperson() {
    let (mut app, _) = logged_in(Department::Management, 80, 24);
    show(&mut app, '2', vec![client(10, 2)]);
    let effects = app.update(ch('e'));
    let Some(Effect::LoadLoads { request, department: Department::Sales }) = effects.first().cloned() else {
        panic!("{effects:?}")
    };
    let loads = vec![
        Load { employee_id: 2, first_name: "Sam".into(), last_name: "Seller".into(), load: 40 },
        Load { employee_id: 6, first_name: "Lou".into(), last_name: "Vendeur".into(), load: 12 },
    ];
    app.update(Action::LoadsLoaded { request, result: Ok(loads) });
    snapshot("reassign_picker_80x24", &app);
    app.update(ch('j'));
    app.update(key(KeyCode::Enter));
    let effects = app.update(ch('y'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Save { save: Save::Reassign { id: 10, sales_contact_id: 6, version: Some(1) }, .. }]
    ));
}

#[test]
fn contracts_sign_pay_and_create_the_event_from_the_table() {
    let (mut app, _) = logged_in(Department::Sales, 160, 48);
    show(&mut app, '3', vec![contract(1, false), contract(2, true)]);
    snapshot("contracts_160x48", &app);
    assert!(app.update(ch('v')).is_empty());
    assert!(app.shared.message.as_ref().is_some_and(|(text, _)| text.contains("not signed yet")));
    app.update(ch('s'));
    let effects = app.update(ch('y'));
    assert!(matches!(effects.as_slice(), [Effect::Save { save: Save::Sign { id: 1, version: Some(3) }, .. }]));
    app.update(ch('j'));
    app.update(ch('$'));
    typed(&mut app, "250");
    let effects = app.update(ctrl('s'));
    assert!(matches!(effects.as_slice(), [Effect::Save { save: Save::Pay { id: 2, .. }, .. }]));
    let [Effect::Save { request, .. }] = effects.as_slice() else { unreachable!() };
    let effects = app.update(Action::Saved {
        request: *request,
        result: Ok(Outcome {
            message: "Payment recorded.".into(),
            record: Some(contract(2, true)),
            one_time_password: None,
        }),
    });
    // Actions wait for the reload the save asked for.
    let (request, _) = page_request(&effects);
    app.update(Action::PageLoaded { request, result: Ok(page(vec![contract(1, false), contract(2, true)])) });
    app.update(ch('j'));
    app.update(ch('v'));
    snapshot("event_form_80x24_in_160x48", &app);
    let Screen::Main(main) = &mut app.screen else { panic!("main") };
    let form = &mut main.form.as_mut().expect("event form").form;
    form.field_mut("name").expect("name").set("Gala");
    form.field_mut("start").expect("start").set("2031-05-01 18:00");
    form.field_mut("end").expect("end").set("2031-05-01 17:00");
    assert!(app.update(ctrl('s')).is_empty(), "the end before the start is refused in the form");
    let main = main_of(&app);
    let end = main
        .form
        .as_ref()
        .and_then(|form| form.form.fields.list().into_iter().find(|field| field.name == "end").cloned());
    assert!(end.and_then(|field| field.error).is_some_and(|error| error.contains("before")));
}

#[test]
fn the_mouse_selects_rows_and_tabs_and_the_wheel_scrolls() {
    use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let (mut app, _) = logged_in(Department::Sales, 80, 24);
    show(&mut app, '2', (1..=5).map(|id| client(id, 2)).collect());
    let click = |column, row| {
        Action::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    // Clicks land on what was drawn last: the areas are recorded then.
    draw(&app);
    app.update(click(10, 5));
    let main = main_of(&app);
    assert_eq!(main.view().map(|view| view.selected), Some(2), "row 5 is the third client (tabs, border, header)");
    app.update(click(10, 22));
    let main = main_of(&app);
    assert_eq!(main.view().map(|view| view.selected), Some(2), "a click under the last row selects nothing");
    app.update(Action::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 10,
        row: 5,
        modifiers: KeyModifiers::NONE,
    }));
    let main = main_of(&app);
    assert_eq!(main.view().map(|view| view.selected), Some(3));
    let effects = app.update(click(19, 0));
    let (_, query) = page_request(&effects);
    assert_eq!(query.kind, ListKind::Contracts, "the third tab label");
}

// ----- the gallery: every screen in each of its states, at both sizes -----

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

/// Rows for a list kind.
fn rows_of(kind: ListKind) -> Vec<DisplayRow> {
    match kind {
        ListKind::Clients => (1..=4).map(|id| client(id, 2)).collect(),
        ListKind::Contracts => vec![contract(1, false), contract(2, true)],
        ListKind::Events => vec![event(1, None), event(2, Some(3))],
        ListKind::Employees => vec![employee(1, Department::Management, true), employee(9, Department::Support, false)],
        ListKind::Audit => vec![audit_entry(1), audit_entry(2)],
        ListKind::Notifications => vec![notification(1, false), notification(2, true)],
    }
}

#[test]
fn gallery_of_every_list_in_every_state() {
    let tabs = [
        (ListKind::Clients, '2'),
        (ListKind::Contracts, '3'),
        (ListKind::Events, '4'),
        (ListKind::Employees, '5'),
        (ListKind::Audit, '6'),
        (ListKind::Notifications, '7'),
    ];
    for (width, height) in SIZES {
        for (kind, tab) in tabs {
            let name = |state: &str| format!("gallery_{}_{state}_{width}x{height}", kind.title().to_lowercase());
            let (mut app, _) = logged_in(Department::Management, width, height);
            let effects = app.update(ch(tab));
            let (request, query) = page_request(&effects);
            assert_eq!(query.kind, kind);
            snapshot(&name("loading"), &app);
            app.update(Action::PageLoaded { request, result: Ok(page(Vec::new())) });
            snapshot(&name("empty"), &app);
            let (request, _) = page_request(&app.update(ctrl('r')));
            app.update(Action::PageLoaded {
                request,
                result: Err(Failure::unexpected("The database reported an unexpected error.")),
            });
            snapshot(&name("error"), &app);
            let (request, _) = page_request(&app.update(ctrl('r')));
            app.update(Action::PageLoaded { request, result: Ok(page(rows_of(kind))) });
            snapshot(&name("loaded"), &app);
            app.update(ch('?'));
            snapshot(&name("help"), &app);
        }
    }
}

#[test]
fn gallery_of_forms_with_errors_and_popups() {
    for (width, height) in SIZES {
        let name = |what: &str| format!("gallery_{what}_{width}x{height}");
        // Every record form, saved empty or wrong: every message shows.
        let forms: [(Department, char, char, &str); 5] = [
            (Department::Sales, '2', 'n', "client_form"),
            (Department::Management, '3', 'n', "contract_form"),
            (Department::Management, '4', 'e', "event_form"),
            (Department::Management, '5', 'n', "employee_form"),
            (Department::Sales, '3', '$', "payment_form"),
        ];
        for (department, tab, action, what) in forms {
            let (mut app, _) = logged_in(department, width, height);
            let effects = app.update(ch(tab));
            let (request, query) = page_request(&effects);
            let rows = rows_of(query.kind);
            app.update(Action::PageLoaded { request, result: Ok(page(rows)) });
            app.update(ch(action));
            if let Screen::Main(main) = &mut app.screen
                && let Some(form) = main.form.as_mut()
            {
                for field in form.form.fields.list_mut() {
                    if field.kind == super::widgets::form::FieldKind::Text {
                        field.set("=?");
                    }
                }
            }
            assert!(app.update(ctrl('s')).is_empty(), "{what}: nothing saved while fields are wrong");
            snapshot(&name(&format!("{what}_errors")), &app);
        }
        // Popups over the events table.
        let (mut app, _) = logged_in(Department::Management, width, height);
        show(&mut app, '4', rows_of(ListKind::Events));
        let effects = app.update(ch('a'));
        let Some(Effect::LoadLoads { request, .. }) = effects.first().cloned() else { panic!("{effects:?}") };
        snapshot(&name("picker_loading"), &app);
        let loads = vec![Load { employee_id: 3, first_name: "Sue".into(), last_name: "Porter".into(), load: 2 }];
        app.update(Action::LoadsLoaded { request, result: Ok(loads) });
        snapshot(&name("picker"), &app);
        app.update(key(KeyCode::Enter));
        snapshot(&name("confirm"), &app);
        app.update(key(KeyCode::Esc));
        app.update(ch(':'));
        typed(&mut app, "clients");
        snapshot(&name("command_line"), &app);
        app.update(key(KeyCode::Esc));
        app.update(ch('e'));
        typed(&mut app, " 5");
        let effects = app.update(ctrl('s'));
        let [Effect::Save { request, .. }] = effects.as_slice() else { panic!("{effects:?}") };
        app.update(Action::Saved {
            request: *request,
            result: Err(Failure::new(FailureKind::Stale, "Event 1 was changed by someone else since you read it (it is now at version 3): show it again and redo your change.")),
        });
        snapshot(&name("conflict"), &app);
        // The gates.
        let mut gate = super::tests::app(width, height);
        gate.update(Action::Started(Ok(Startup {
            database: "sqlite:///demo.db".into(),
            session: None,
            empty: true,
            profile: None,
            profiles: Vec::new(),
        })));
        snapshot(&name("bootstrap"), &gate);
        let mut starting = super::tests::app(width, height);
        snapshot(&name("starting"), &starting);
        starting.update(Action::Started(Err(Failure::new(
            FailureKind::Unavailable,
            "The database connection was lost or cannot be opened; check that the database is reachable and try again.",
        ))));
        snapshot(&name("starting_unreachable"), &starting);
    }
}

// ----- after review: states that must not get stuck or be lost -----

#[test]
fn an_ended_session_keeps_the_form_for_the_same_employee() {
    let (mut app, _) = logged_in(Department::Sales, 80, 24);
    show(&mut app, '2', vec![client(1, 2)]);
    app.update(ch('n'));
    typed(&mut app, "Half-typed");
    app.update(Action::UnreadCounted(Err(Failure::new(FailureKind::Unauthenticated, "Your session has ended."))));
    assert!(matches!(&app.screen, Screen::Gate(gate) if gate.notice.as_deref().is_some_and(|n| n.contains("kept"))));
    app.update(Action::SignedIn(Ok(me(Department::Sales))));
    let main = main_of(&app);
    assert_eq!(main.form.as_ref().map(|form| form.form.value("first_name")).as_deref(), Some("Half-typed"));
    // Someone else logging in on this terminal starts afresh.
    app.update(Action::UnreadCounted(Err(Failure::new(FailureKind::Unauthenticated, "Your session has ended."))));
    app.update(Action::SignedIn(Ok(me(Department::Management))));
    let main = main_of(&app);
    assert!(main.form.is_none() && main.me.department == Department::Management);
}

#[test]
fn two_commands_in_flight_both_report() {
    let (mut app, _) = logged_in(Department::Support, 80, 24);
    show(&mut app, '6', vec![notification(1, false), notification(2, false)]);
    let first = app.update(ch('x'));
    app.update(ch('j'));
    let second = app.update(ch('x'));
    let request = |effects: &[Effect]| match effects {
        [Effect::Save { request, .. }] => *request,
        other => panic!("{other:?}"),
    };
    let ok = |text: &str| Ok(Outcome { message: text.into(), record: None, one_time_password: None });
    app.update(Action::Saved { request: request(&first), result: ok("1 marked read.") });
    assert_eq!(app.shared.message.as_ref().map(|(text, _)| text.as_str()), Some("1 marked read."));
    app.update(Action::Saved { request: request(&second), result: ok("1 marked read (second).") });
    assert_eq!(app.shared.message.as_ref().map(|(text, _)| text.as_str()), Some("1 marked read (second)."));
    assert!(
        !app.busy()
            || matches!(&app.screen, Screen::Main(main) if main.view().is_some_and(|v| matches!(v.loading, super::screens::list::Loading::Waiting(_))))
    );
}

#[test]
fn paste_goes_to_the_command_line_or_nowhere_while_a_popup_is_open() {
    let (mut app, _) = logged_in(Department::Sales, 80, 24);
    show(&mut app, '2', vec![client(1, 2)]);
    app.update(ch('e'));
    typed(&mut app, "x");
    app.update(key(KeyCode::Esc));
    app.update(Action::Paste("pasted".into()));
    app.update(ch('n'));
    let main = main_of(&app);
    assert!(!main.form.as_ref().expect("kept").form.value("first_name").contains("pasted"));
    app.update(key(KeyCode::Esc));
    app.update(ch('y'));
    app.update(ch(':'));
    app.update(Action::Paste("events".into()));
    app.update(key(KeyCode::Enter));
    let main = main_of(&app);
    assert_eq!(main.tab, Tab::List(ListKind::Events));
}

#[test]
fn the_profile_picker_moves_past_a_profile_that_cannot_be_opened() {
    let mut app = app(80, 24);
    let profiles = vec!["a".to_owned(), "b".to_owned(), "c".to_owned()];
    app.update(Action::Started(Ok(Startup {
        database: "x".into(),
        session: None,
        empty: false,
        profile: Some("a".into()),
        profiles,
    })));
    assert_eq!(app.update(key(KeyCode::F(2))), vec![Effect::UseProfile { name: "b".into() }]);
    app.update(Action::Started(Err(Failure::unexpected("Cannot open b."))));
    assert_eq!(app.update(key(KeyCode::F(2))), vec![Effect::UseProfile { name: "c".into() }]);
}

#[test]
fn actions_wait_for_the_page_their_selection_belongs_to() {
    let (mut app, _) = logged_in(Department::Sales, 80, 24);
    let effects = app.update(ch('3'));
    let (request, _) = page_request(&effects);
    app.update(Action::PageLoaded {
        request,
        result: Ok(ListPage { rows: vec![contract(1, false)], next: Some("N".into()), prev: None }),
    });
    app.update(key(KeyCode::PageDown));
    assert!(app.update(ch('s')).is_empty(), "no action on the old page's row while the next loads");
    assert!(app.shared.popup.is_none());
    assert!(app.update(key(KeyCode::Enter)).is_empty());
}

#[test]
fn failed_effects_answer_their_request_and_a_closed_terminal_quits() {
    let failure = Failure::unexpected("boom");
    let query = super::lists::ListQuery {
        kind: ListKind::Clients,
        scope: None,
        filters: Default::default(),
        search: String::new(),
        sort: "id",
        descending: false,
        page: crate::services::paging::PageRequest::first(5),
    };
    assert!(matches!(
        (Effect::LoadPage { request: 7, query }).failed(failure.clone()),
        Action::PageLoaded { request: 7, result: Err(_) }
    ));
    assert!(matches!(
        (Effect::Save { request: 8, save: Save::MarkRead { ids: vec![1] } }).failed(failure),
        Action::Saved { request: 8, result: Err(_) }
    ));
    let (mut app, _) = logged_in(Department::Sales, 80, 24);
    app.update(Action::TerminalLost);
    assert!(app.shared.quit);
}

/// The export of the effects, if one was asked for.
fn export_of(effects: &[Effect]) -> Option<(u64, super::lists::ListQuery, std::path::PathBuf, bool)> {
    effects.iter().find_map(|effect| match effect {
        Effect::Export { request, query, path, overwrite } => Some((*request, query.clone(), path.clone(), *overwrite)),
        _ => None,
    })
}

#[test]
fn ctrl_e_exports_the_view_with_its_filters_search_and_sort() {
    let (mut app, _) = logged_in(Department::Sales, 80, 24);
    show(&mut app, '2', vec![client(1, 2), client(2, 2)]);
    // A search and a reversed sort are in force.
    app.update(ch('/'));
    let effects = typed(&mut app, "watanabe");
    let (request, _) = page_request(&effects);
    app.update(Action::PageLoaded { request, result: Ok(page(vec![client(1, 2)])) });
    app.update(key(KeyCode::Enter));
    let effects = app.update(ch('O'));
    let (request, shown) = page_request(&effects);
    app.update(Action::PageLoaded { request, result: Ok(page(vec![client(1, 2)])) });
    // Ctrl-e offers a file name on the command line.
    app.update(ctrl('e'));
    let Some(Popup::CommandLine(super::popups::CommandLine { input, .. })) = &app.shared.popup else {
        panic!("the command line, prefilled")
    };
    let line = input.lines()[0].clone();
    assert!(line.starts_with("export epic-crm-clients-") && line.ends_with(".csv"), "{line}");
    // Another name, typed over it.
    for _ in 0..line.chars().count() {
        app.update(key(KeyCode::Backspace));
    }
    typed(&mut app, "export ~/mine.csv");
    let effects = app.update(key(KeyCode::Enter));
    let (request, query, path, overwrite) = export_of(&effects).expect("an export");
    assert_eq!((query.search.as_str(), query.sort, query.descending), ("watanabe", shown.sort, shown.descending));
    assert_eq!(query.filters, shown.filters);
    assert!(path.ends_with("mine.csv") && path.is_absolute(), "{}", path.display());
    assert!(!overwrite);
    // Done: the status line says where and how many.
    app.update(Action::Exported { request, result: Ok((2000, path.clone())) });
    assert!(app.shared.popup.is_none());
    assert!(draw(&app).contains("Exported 2,000 rows to"), "{}", draw(&app));
    // Another one, from the command line; progress as pages arrive.
    app.update(ch(':'));
    let effects = typed(&mut app, "export reports/clients.csv");
    assert!(export_of(&effects).is_none(), "nothing runs before Enter");
    let effects = app.update(key(KeyCode::Enter));
    let (request, _, path, _) = export_of(&effects).expect("an export");
    assert_eq!(path, std::path::PathBuf::from("reports/clients.csv"));
    // Counted first: the gauge starts empty, then fills as pages arrive.
    app.update(Action::ExportProgress { request, rows: 0, total: Some(6000) });
    assert!(draw(&app).contains("0 of 6,000 rows written"), "{}", draw(&app));
    app.update(Action::ExportProgress { request, rows: 1500, total: Some(6000) });
    snapshot("export_running_80x24", &app);
    assert!(draw(&app).contains("25%"), "the gauge's percentage: {}", draw(&app));
    // A late progress report of another export changes nothing.
    app.update(Action::ExportProgress { request: request + 100, rows: 9, total: None });
    assert!(matches!(
        app.shared.popup,
        Some(Popup::Exporting(super::popups::Exporting { rows: 1500, total: Some(6000), .. }))
    ));
}

#[test]
fn an_export_onto_an_existing_file_asks_first_and_esc_cancels_one_running() {
    let (mut app, _) = logged_in(Department::Management, 160, 48);
    show(&mut app, '4', vec![event(1, None)]);
    app.update(Action::Key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE)));
    typed(&mut app, "export events.csv");
    let effects = app.update(key(KeyCode::Enter));
    let (request, query, path, _) = export_of(&effects).expect("an export");
    assert_eq!(query.kind, ListKind::Events);
    // The file exists: asked, default No.
    let exists = Failure::new(FailureKind::Conflict, "events.csv exists already.");
    app.update(Action::Exported { request, result: Err(exists) });
    assert!(matches!(&app.shared.popup, Some(Popup::Confirm(super::popups::Confirm { yes: false, .. }))));
    assert!(draw(&app).contains("events.csv exists already. Replace it?"));
    let effects = app.update(ch('y'));
    let (request, _, again, overwrite) = export_of(&effects).expect("the export again");
    assert_eq!((again, overwrite), (path, true));
    // Esc while it runs: cancelled, and the popup says so until the runner answers.
    let effects = app.update(key(KeyCode::Esc));
    assert_eq!(effects, vec![Effect::CancelExport { request }]);
    assert!(matches!(&app.shared.popup, Some(Popup::Exporting(super::popups::Exporting { cancelling: true, .. }))));
    let cancelled = Failure::invalid("Export cancelled: the partial file was removed.");
    app.update(Action::Exported { request, result: Err(cancelled) });
    assert!(app.shared.popup.is_none());
    assert!(draw(&app).contains("Export cancelled: the partial file was removed."));
}

#[test]
fn y_copies_the_selected_or_marked_rows_as_tab_separated_lines() {
    let (mut app, _) = logged_in(Department::Management, 80, 24);
    show(&mut app, '4', vec![event(1, None), event(2, Some(3)), event(3, None)]);
    let effects = app.update(ch('y'));
    let [Effect::Clipboard { text }] = effects.as_slice() else { panic!("one clipboard effect: {effects:?}") };
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "header and the selected row");
    assert!(lines[0].starts_with("id\tname\tcontract_id"), "{}", lines[0]);
    assert!(lines[1].starts_with("1\tGala 1\t7"), "{}", lines[1]);
    assert!(draw(&app).contains("Copied 1 row to the clipboard"));
    // Marked rows instead of the selected one.
    app.update(key(KeyCode::Down));
    app.update(ch(' '));
    app.update(key(KeyCode::Down));
    app.update(ch(' '));
    let effects = app.update(ch('y'));
    let [Effect::Clipboard { text }] = effects.as_slice() else { panic!("one clipboard effect") };
    let ids: Vec<&str> = text.lines().skip(1).map(|line| line.split('\t').next().unwrap_or_default()).collect();
    assert_eq!(ids, ["2", "3"]);
}

#[test]
fn osc52_carries_the_text_in_base64() {
    assert_eq!(super::osc52("hi\tthere\n"), "\u{1b}]52;c;aGkJdGhlcmUK\u{7}");
}
