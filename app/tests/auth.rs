//! Accounts and sessions: the first manager, login, deactivation and
//! password changes ending sessions, managers helping people back in (on
//! both backends); lockout on a controlled clock, token rotation and reuse
//! detection of the application's own authority (SQLite).  PostgreSQL's
//! authority lives in the database, on its clock: tests/team.rs.

mod common;

use std::sync::Arc;

use epic_crm::auth::secrets::{FileStore, SecretStore};
use epic_crm::auth::{AuthError, LocalAuthority, SessionAuthority};
use epic_crm::config::AuthSettings;
use epic_crm::domain::Department;
use epic_crm::domain::time::{Clock, ManualClock};
use epic_crm::error::FailureKind;
use epic_crm::services::accounts::{Accounts, EmployeeForm};
use epic_crm::store::Actor;
use epic_crm::store::employees::{self, EmployeeChanges};
use sea_orm::{ConnectionTrait, Statement};

const START: i64 = 1_800_000_000_000;
const MANAGER_PASSWORD: &str = "first-manager-pass";

/// A clock at the real time: on PostgreSQL the database's clock decides
/// when tokens expire, and the client's must agree with it.
fn clock_now() -> ManualClock {
    ManualClock::at(epic_crm::domain::time::now_ms())
}

/// Fast hashing: these tests are about sessions, not argon2's cost.
fn settings() -> AuthSettings {
    AuthSettings {
        access_token_seconds: 60,
        argon2_memory_kib: 256,
        argon2_iterations: 1,
        allow_weak_hashing_for_tests: true,
        ..AuthSettings::default()
    }
}

/// An authority with a fresh signing key of its own (another install).
fn another_install(store: epic_crm::store::Store, settings: &AuthSettings, clock: &ManualClock) -> LocalAuthority {
    let key = epic_crm::auth::tokens::SigningKey::generate().expect("key");
    LocalAuthority::with_key(store, key, settings, Arc::new(clock.clone()) as Arc<dyn Clock>).expect("authority")
}

/// One machine: its own token folder, sharing the database and the clock.
struct Machine {
    accounts: Accounts,
    _dir: tempfile::TempDir,
}

async fn machine(db: &common::TestDb, clock: &ManualClock) -> Machine {
    let dir = tempfile::tempdir().expect("temp dir");
    let secrets: Arc<dyn SecretStore> = Arc::new(FileStore::new(dir.path().join("tokens")));
    let accounts = Accounts::with(
        db.store().await,
        &db.target,
        secrets,
        &settings(),
        Arc::new(clock.clone()),
        dir.path().to_path_buf(),
    )
    .await
    .expect("accounts");
    Machine { accounts, _dir: dir }
}

fn form(first: &str, email: &str, department: &str) -> EmployeeForm {
    EmployeeForm {
        first_name: first.into(),
        last_name: "Tester".into(),
        email: email.into(),
        phone: String::new(),
        department: department.into(),
    }
}

/// The first manager, logged in on `machine`; returns their id.
async fn bootstrap(machine: &Machine) -> i64 {
    let created = machine
        .accounts
        .create_employee(&form("Ada", "ada@example.com", "MANAGEMENT"), Some(MANAGER_PASSWORD))
        .await
        .expect("first manager");
    machine.accounts.login("ada@example.com", MANAGER_PASSWORD).await.expect("manager login");
    created.employee.id
}

/// How many audit entries record `action`, read behind the application's back.
async fn audit_actions(db: &common::TestDb, action: &str) -> i64 {
    common::count(db, &format!("SELECT count(*) AS n FROM audit_entries WHERE action = '{action}'")).await
}

on_both_backends!(first_manager_then_managed_employees, async |db: &common::TestDb| {
    let clock = clock_now();
    let first = machine(db, &clock).await;
    let accounts = &first.accounts;
    assert!(accounts.needs_first_manager().await.expect("count"));

    let sales_first = accounts.create_employee(&form("Sam", "sam@example.com", "SALES"), Some(MANAGER_PASSWORD)).await;
    let failure = sales_first.expect_err("the first employee must be a manager");
    assert_eq!(failure.kind, FailureKind::InvalidInput, "{}", failure.message);
    assert!(failure.message.contains("MANAGEMENT"), "{}", failure.message);

    let weak = accounts.create_employee(&form("Ada", "ada@example.com", "MANAGEMENT"), Some("password1")).await;
    assert_eq!(weak.expect_err("common password").kind, FailureKind::InvalidInput);

    let manager_id = bootstrap(&first).await;
    assert!(!accounts.needs_first_manager().await.expect("count"));
    let me = accounts.session().await.expect("session");
    assert_eq!((me.employee_id, me.department), (manager_id, Department::Management));

    // Another machine, nobody logged in: creating employees needs a login.
    let second = machine(db, &clock).await;
    let anonymous = second.accounts.create_employee(&form("Eve", "eve@example.com", "SALES"), None).await;
    assert_eq!(anonymous.expect_err("needs a session").kind, FailureKind::Unauthenticated);

    // The manager creates a salesperson with a one-time password.
    let created = accounts.create_employee(&form("Sam", "sam@example.com", "sales"), None).await.expect("create");
    let one_time = created.one_time_password.expect("a one-time password is made");
    assert!(created.employee.must_change_password);
    assert_eq!(created.employee.department(), Some(Department::Sales));

    // Emails ignore case, at login and for uniqueness.
    let session = second.accounts.login("SAM@Example.COM", &one_time).await.expect("login");
    assert!(session.must_change_password);
    let pending = second.accounts.session().await.expect_err("password change first");
    assert_eq!(pending.kind, FailureKind::Unauthenticated);
    assert!(pending.message.contains("epic-crm password"), "{}", pending.message);
    let duplicate = accounts.create_employee(&form("Sam", "SAM@example.com", "SALES"), None).await;
    assert_eq!(duplicate.expect_err("duplicate").kind, FailureKind::Conflict);

    // A salesperson may not create employees.
    second.accounts.change_password(&one_time, "sam-sells-events").await.expect("change");
    let forbidden = second.accounts.create_employee(&form("Eve", "eve@example.com", "SALES"), None).await;
    assert_eq!(forbidden.expect_err("not a manager").kind, FailureKind::PermissionDenied);

    assert!(second.accounts.logout().await.expect("logout"));
    assert!(!second.accounts.logout().await.expect("second logout"), "nothing left to end");
    assert_eq!(second.accounts.session().await.expect_err("logged out").kind, FailureKind::Unauthenticated);
    assert_eq!(audit_actions(db, "employee.create").await, 2);
    assert_eq!(audit_actions(db, "login.success").await, 2);
});

on_sqlite!(refresh_rotates_and_a_reused_token_ends_the_family, async |db: &common::TestDb| {
    let clock = ManualClock::at(START);
    let first = machine(db, &clock).await;
    bootstrap(&first).await;
    let store = db.store().await;
    let authority = another_install(store.clone(), &settings(), &clock);

    let login = authority.login(&"ada@example.com".into(), MANAGER_PASSWORD).await.expect("login");
    let second = authority.refresh(&login.refresh).await.expect("refresh");
    assert_ne!(second.refresh, login.refresh, "refresh rotates");
    assert_ne!(second.access, login.access);
    let third = authority.refresh(&second.refresh).await.expect("refresh the new one");
    authority.verify(&third.access).await.expect("the newest access token works");

    // The first refresh token again: someone holds a copy.
    let reused = authority.refresh(&login.refresh).await.expect_err("reuse");
    assert!(matches!(reused, AuthError::SessionEnded(ref m) if m.contains("presented twice")), "{reused}");
    assert!(authority.verify(&third.access).await.is_err(), "the whole family ended");
    assert!(authority.refresh(&third.refresh).await.is_err());
    assert_eq!(audit_actions(db, "session.reuse_detected").await, 1);

    // An access token is not a refresh token, and tokens of another key
    // (another install) are refused.
    let fresh = authority.login(&"ada@example.com".into(), MANAGER_PASSWORD).await.expect("login again");
    assert!(authority.refresh(&fresh.access).await.is_err());
    let foreign = first.accounts.store().clone();
    let other = another_install(foreign, &settings(), &clock);
    assert!(other.verify(&fresh.access).await.is_err());

    // Logout ends the family.
    authority.logout(&fresh.refresh).await.expect("logout");
    assert!(authority.verify(&fresh.access).await.is_err());
    assert!(authority.refresh(&fresh.refresh).await.is_err());
});

on_sqlite!(a_refresh_whose_reply_was_lost_can_be_retried, async |db: &common::TestDb| {
    let clock = ManualClock::at(START);
    let first = machine(db, &clock).await;
    bootstrap(&first).await;
    let store = db.store().await;
    let authority = another_install(store.clone(), &settings(), &clock);
    let login = authority.login(&"ada@example.com".into(), MANAGER_PASSWORD).await.expect("login");
    clock.advance_ms(61_000);
    // The new pair never reached the client (killed, store failed).
    let lost = authority.refresh(&login.refresh).await.expect("refresh");
    clock.advance_ms(2_000);
    let retried = authority.refresh(&login.refresh).await.expect("retry within the grace period");
    authority.verify(&retried.access).await.expect("the retried pair works");
    assert_eq!(audit_actions(db, "session.reuse_detected").await, 0);
    // The lost pair, presented later after all, is treated as a copy.
    assert!(authority.refresh(&lost.refresh).await.is_err());
    assert!(authority.verify(&retried.access).await.is_err(), "family ended");
    assert_eq!(audit_actions(db, "session.reuse_detected").await, 1);

    // Past the grace period, a second presentation is reuse.
    let login = authority.login(&"ada@example.com".into(), MANAGER_PASSWORD).await.expect("login");
    clock.advance_ms(61_000);
    let next = authority.refresh(&login.refresh).await.expect("refresh");
    clock.advance_ms(11_000);
    assert!(authority.refresh(&login.refresh).await.is_err());
    assert!(authority.verify(&next.access).await.is_err());
    assert_eq!(audit_actions(db, "session.reuse_detected").await, 2);
});

on_sqlite!(a_revoked_family_stays_dead_even_with_a_live_row, async |db: &common::TestDb| {
    // A refresh committing while a revocation runs can leave its new row
    // unrevoked: one revoked row must end the whole family anyway.
    let clock = ManualClock::at(START);
    let first = machine(db, &clock).await;
    bootstrap(&first).await;
    let authority = another_install(db.store().await, &settings(), &clock);
    let login = authority.login(&"ada@example.com".into(), MANAGER_PASSWORD).await.expect("login");
    clock.advance_ms(1_000);
    let next = authority.refresh(&login.refresh).await.expect("refresh");
    let raw = db.raw().await;
    let sql = format!("UPDATE sessions SET revoked_at = {} WHERE issued_at = {START}", START + 1_000);
    raw.execute_raw(Statement::from_string(raw.get_database_backend(), sql)).await.expect("revoke the first row only");
    assert!(authority.verify(&next.access).await.is_err());
    assert!(authority.refresh(&next.refresh).await.is_err());
});

on_sqlite!(expired_access_tokens_are_refreshed_silently, async |db: &common::TestDb| {
    let clock = ManualClock::at(START);
    let first = machine(db, &clock).await;
    bootstrap(&first).await;
    clock.advance_ms(61_000);
    let session = first.accounts.session().await.expect("refreshed");
    assert_eq!(session.email, "ada@example.com");
    // Far past the access token, within the refresh token: still fine.
    clock.advance_ms(3 * 24 * 3600 * 1000);
    first.accounts.session().await.expect("refreshed again");
    // Past the refresh token's seven days: log in again.
    clock.advance_ms(8 * 24 * 3600 * 1000);
    let ended = first.accounts.session().await.expect_err("refresh token expired");
    assert_eq!(ended.kind, FailureKind::Unauthenticated);
});

on_both_backends!(deactivation_ends_sessions_at_the_next_command, async |db: &common::TestDb| {
    let clock = clock_now();
    let office = machine(db, &clock).await;
    let manager_id = bootstrap(&office).await;
    let created = office
        .accounts
        .create_employee(&form("Sue", "sue@example.com", "SUPPORT"), Some("sue-support-pass"))
        .await
        .expect("create");
    let laptop = machine(db, &clock).await;
    laptop.accounts.login("sue@example.com", "sue-support-pass").await.expect("login");
    laptop.accounts.change_password("sue-support-pass", "sue-own-password").await.expect("change");
    laptop.accounts.session().await.expect("working session");

    let store = db.store().await;
    let manager = Actor { employee_id: manager_id, department: Department::Management, access_token: None };
    store
        .as_employee(&manager, async |tx| {
            let sue = employees::get(tx, created.employee.id).await?;
            employees::update(tx, sue.id, sue.version, EmployeeChanges { active: Some(false), ..Default::default() })
                .await
        })
        .await
        .expect("deactivate");

    let ended = laptop.accounts.session().await.expect_err("deactivated");
    assert_eq!(ended.kind, FailureKind::Unauthenticated);
    assert!(ended.message.contains("deactivated"), "{}", ended.message);
    let again = laptop.accounts.login("sue@example.com", "sue-own-password").await.expect_err("cannot log in");
    assert!(again.message.contains("deactivated"), "{}", again.message);

    // A session kept elsewhere does not come back with a reactivation.
    let phone = machine(db, &clock).await;
    store
        .as_employee(&manager, async |tx| {
            let sue = employees::get(tx, created.employee.id).await?;
            employees::update(tx, sue.id, sue.version, EmployeeChanges { active: Some(true), ..Default::default() })
                .await?;
            Ok(())
        })
        .await
        .expect("reactivate");
    phone.accounts.login("sue@example.com", "sue-own-password").await.expect("new login after reactivation");
    let revoked = common::count(
        db,
        &format!(
            "SELECT count(*) AS n FROM sessions WHERE employee_id = {} AND revoked_at IS NULL AND used_at IS NULL",
            created.employee.id
        ),
    )
    .await;
    assert_eq!(revoked, 1, "only the new login is live");
});

on_sqlite!(lockout_grows_and_reveals_nothing, async |db: &common::TestDb| {
    let clock = ManualClock::at(START);
    let first = machine(db, &clock).await;
    bootstrap(&first).await;
    let accounts = &first.accounts;

    for address in ["ada@example.com", "nobody@example.com"] {
        for attempt in 1..=4 {
            let failure = accounts.login(address, "wrong-password").await.expect_err("wrong");
            assert_eq!(failure.message, "Wrong email or password.", "{address} attempt {attempt}");
        }
        // The fifth failure locks the address for a minute, known or not.
        let locked = accounts.login(address, "wrong-password").await.expect_err("locked");
        assert_eq!(locked.kind, FailureKind::Unauthenticated);
        assert!(locked.message.contains("try again in 60 seconds"), "{address}: {}", locked.message);
    }

    // While locked, even the right password is refused.
    let locked = accounts.login("ADA@example.com", MANAGER_PASSWORD).await.expect_err("still locked");
    assert!(locked.message.contains("Too many failed logins"), "{}", locked.message);
    clock.advance_ms(61_000);
    // A sixth failure doubles the lock.
    let locked = accounts.login("ada@example.com", "wrong-password").await.expect_err("locked longer");
    assert!(locked.message.contains("try again in 2 minutes"), "{}", locked.message);
    clock.advance_ms(121_000);
    accounts.login("ada@example.com", MANAGER_PASSWORD).await.expect("unlocked by time");
    // Success resets the counter.
    let failure = accounts.login("ada@example.com", "wrong-password").await.expect_err("wrong");
    assert_eq!(failure.message, "Wrong email or password.");
    assert_eq!(audit_actions(db, "login.lockout").await, 3);
    assert!(audit_actions(db, "login.failure").await >= 12);
    assert!(audit_actions(db, "login.success").await >= 2);
});

on_both_backends!(managers_reset_passwords_and_unlock, async |db: &common::TestDb| {
    let clock = clock_now();
    let office = machine(db, &clock).await;
    bootstrap(&office).await;
    let sam = office
        .accounts
        .create_employee(&form("Sam", "sam@example.com", "SALES"), Some("sam-first-pass"))
        .await
        .expect("create")
        .employee;
    let laptop = machine(db, &clock).await;
    laptop.accounts.login("sam@example.com", "sam-first-pass").await.expect("login");
    laptop.accounts.change_password("sam-first-pass", "sam-chosen-pass").await.expect("change");
    let forbidden = laptop.accounts.reset_password(sam.id).await.expect_err("sales cannot reset");
    assert_eq!(forbidden.kind, FailureKind::PermissionDenied);
    assert_eq!(laptop.accounts.unlock(sam.id).await.expect_err("nor unlock").kind, FailureKind::PermissionDenied);

    for _ in 0..5 {
        let _ = laptop.accounts.login("sam@example.com", "not-my-password").await;
    }
    assert!(office.accounts.unlock(sam.id).await.expect("unlock"));
    assert!(!office.accounts.unlock(sam.id).await.expect("unlock again"), "nothing left to unlock");
    laptop.accounts.login("sam@example.com", "sam-chosen-pass").await.expect("unlocked");

    let one_time = office.accounts.reset_password(sam.id).await.expect("reset");
    assert_eq!(laptop.accounts.session().await.expect_err("sessions ended").kind, FailureKind::Unauthenticated);
    assert!(laptop.accounts.login("sam@example.com", "sam-chosen-pass").await.is_err(), "old password gone");
    let session = laptop.accounts.login("sam@example.com", &one_time).await.expect("one-time password");
    assert!(session.must_change_password);
    let same = laptop.accounts.change_password(&one_time, &one_time).await.expect_err("must differ");
    assert_eq!(same.kind, FailureKind::InvalidInput);
    let wrong = laptop.accounts.change_password("not-it-at-all", "sam-new-pass-1").await.expect_err("wrong current");
    assert_eq!(wrong.kind, FailureKind::Unauthenticated);
    laptop.accounts.change_password(&one_time, "sam-new-pass-1").await.expect("change");
    assert!(!laptop.accounts.session().await.expect("session").must_change_password);
    assert_eq!(office.accounts.reset_password(9999).await.expect_err("no such employee").kind, FailureKind::NotFound);
});

on_both_backends!(changing_a_password_ends_the_other_sessions, async |db: &common::TestDb| {
    let clock = clock_now();
    let desk = machine(db, &clock).await;
    bootstrap(&desk).await;
    let phone = machine(db, &clock).await;
    phone.accounts.login("ada@example.com", MANAGER_PASSWORD).await.expect("second login");
    desk.accounts.change_password(MANAGER_PASSWORD, "a-better-manager-pass").await.expect("change");
    desk.accounts.session().await.expect("the session that changed it stays");
    assert_eq!(phone.accounts.session().await.expect_err("ended").kind, FailureKind::Unauthenticated);
    // The stale session is forgotten: the next command says "not logged in".
    let next = phone.accounts.session().await.expect_err("not logged in");
    assert!(next.message.contains("not logged in"), "{}", next.message);

    // Guessing the current password locks like guessing at login.
    for _ in 0..4 {
        let wrong = desk.accounts.change_password("a-wrong-guess-1", "yet-another-pass").await.expect_err("wrong");
        assert_eq!(wrong.message, "The current password is wrong.");
    }
    let locked = desk.accounts.change_password("a-wrong-guess-1", "yet-another-pass").await.expect_err("locked");
    assert!(locked.message.contains("Too many failed logins"), "{}", locked.message);
    let still = desk.accounts.change_password("a-better-manager-pass", "yet-another-pass").await.expect_err("locked");
    assert!(still.message.contains("Too many failed logins"), "{}", still.message);
    assert_eq!(audit_actions(db, "login.lockout").await, 1);
});

on_sqlite!(stored_hashes_with_old_costs_are_upgraded_at_login, async |db: &common::TestDb| {
    let clock = ManualClock::at(START);
    let first = machine(db, &clock).await;
    bootstrap(&first).await;
    let store = db.store().await;
    let stronger = AuthSettings { argon2_memory_kib: 512, argon2_iterations: 2, ..settings() };
    let authority = another_install(store.clone(), &stronger, &clock);
    authority.login(&"ada@example.com".into(), MANAGER_PASSWORD).await.expect("login with the old hash");
    let raw = db.raw().await;
    let sql = "SELECT password_hash FROM credentials";
    let row = raw.query_one_raw(Statement::from_string(raw.get_database_backend(), sql)).await.expect("query");
    let hash: String = row.expect("row").try_get("", "password_hash").expect("hash");
    assert!(hash.starts_with("$argon2id$v=19$m=512,t=2,p=1$"), "{hash}");
    authority.login(&"ada@example.com".into(), MANAGER_PASSWORD).await.expect("login with the new hash");
});
