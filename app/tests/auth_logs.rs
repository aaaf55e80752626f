//! No password, token or signing key ever reaches the log: every event of
//! a whole session's life (at TRACE, including the database drivers) is
//! captured and searched for each secret.  Its own test binary, because
//! the capture is process-wide.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use epic_crm::auth::secrets::{FileStore, SecretStore};
use epic_crm::config::AuthSettings;
use epic_crm::domain::time::ManualClock;
use epic_crm::services::accounts::{Accounts, EmployeeForm};
use sea_orm::{ConnectionTrait, Statement};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

/// Runs every account flow on `db`; returns the secrets it handled.
async fn exercise(db: &common::TestDb) -> Vec<String> {
    // The real time: on PostgreSQL the database's clock decides expiry.
    let clock = ManualClock::at(epic_crm::domain::time::now_ms());
    let dir = tempfile::tempdir().expect("temp dir");
    let secrets: Arc<dyn SecretStore> = Arc::new(FileStore::new(dir.path().join("tokens")));
    let settings = AuthSettings {
        access_token_seconds: 5,
        argon2_memory_kib: 256,
        argon2_iterations: 1,
        allow_weak_hashing_for_tests: true,
        ..AuthSettings::default()
    };
    let accounts = Accounts::with(
        db.store().await,
        &db.target,
        secrets.clone(),
        &settings,
        Arc::new(clock.clone()),
        dir.path().to_path_buf(),
    )
    .await
    .expect("accounts");
    let mut handled = vec![
        "Manager-Secret-Pass-1".to_owned(),
        "Wrong-Guess-Pass-2".to_owned(),
        "Manager-Secret-Pass-3".to_owned(),
        "Sales-Chosen-Pass-4".to_owned(),
    ];
    let form = |first: &str, email: &str, department: &str| EmployeeForm {
        first_name: first.into(),
        last_name: "Tester".into(),
        email: email.into(),
        phone: String::new(),
        department: department.into(),
    };
    accounts.create_employee(&form("Ada", "ada@example.com", "MANAGEMENT"), Some(&handled[0])).await.expect("first");
    let _ = accounts.login("ada@example.com", &handled[1]).await;
    accounts.login("ada@example.com", &handled[0]).await.expect("login");
    match db.target {
        // The application's own signing key, in the token store.
        epic_crm::config::DatabaseTarget::Sqlite { .. } => {
            handled.push(secrets.get("signing-key").await.expect("key").expect("stored"));
        }
        // The database's, which never leaves it (read here as its owner).
        epic_crm::config::DatabaseTarget::Postgres { .. } => {
            let raw = db.raw().await;
            let sql = "SELECT encode(signing_key, 'hex') AS key FROM auth_settings";
            let row = raw.query_one_raw(Statement::from_string(raw.get_database_backend(), sql)).await.expect("key");
            handled.push(row.expect("row").try_get::<String>("", "key").expect("hex"));
        }
    }
    let store_key = tokens_key(dir.path());
    handled.extend(tokens_of(&secrets, &store_key).await);
    clock.advance_ms(10_000);
    let session = accounts.session().await.expect("refresh");
    handled.extend(tokens_of(&secrets, &store_key).await);
    // Work on the employee's behalf hands the access token to PostgreSQL.
    let filter = epic_crm::store::clients::ClientFilter::default();
    let actor = session.actor();
    accounts
        .store()
        .as_employee(&actor, async |tx| epic_crm::store::clients::count(tx, &filter).await)
        .await
        .expect("count");
    accounts.change_password(&handled[0], &handled[2]).await.expect("change");
    let created = accounts.create_employee(&form("Sam", "sam@example.com", "SALES"), None).await.expect("create");
    let one_time = created.one_time_password.expect("one-time");
    let id = created.employee.id;
    let reset = accounts.reset_password(id).await.expect("reset");
    accounts.logout().await.expect("logout");
    accounts.login("sam@example.com", &reset).await.expect("one-time login");
    handled.extend(tokens_of(&secrets, &store_key).await);
    accounts.change_password(&reset, &handled[3]).await.expect("change");
    let _ = accounts.login("sam@example.com", &one_time).await;
    handled.push(one_time);
    handled.push(reset);
    accounts.logout().await.expect("logout");
    handled
}

/// The name the session of this database is stored under.
fn tokens_key(dir: &std::path::Path) -> String {
    let entries = std::fs::read_dir(dir.join("tokens")).expect("token folder");
    entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .find(|name| name.starts_with("session-"))
        .expect("a stored session")
}

/// The access and refresh tokens stored under `key`.
async fn tokens_of(secrets: &Arc<dyn SecretStore>, key: &str) -> Vec<String> {
    let text = secrets.get(key).await.expect("read").expect("stored");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    ["access", "refresh"].iter().map(|field| value[field].as_str().expect("token").to_owned()).collect()
}

#[test]
fn no_secret_reaches_the_log() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async {
        for kind in [common::Kind::Sqlite, common::Kind::Postgres] {
            let Some(db) = common::TestDb::new(kind, "no_secret_reaches_the_log").await else { continue };
            let secrets = exercise(&db).await;
            db.finish().await;
            let log = captured.text();
            assert!(log.contains("login") || log.contains("sessions"), "the capture saw the flows ({kind:?})");
            for secret in &secrets {
                assert!(secret.len() >= 8);
                assert!(!log.contains(secret.as_str()), "{kind:?}: a secret was logged: {secret}");
            }
            // Token halves too: the signature or claims alone must not leak.
            for token in secrets.iter().filter(|s| s.starts_with("eyJ")) {
                for part in token.split('.').filter(|part| part.len() > 20) {
                    assert!(!log.contains(part), "{kind:?}: part of a token was logged");
                }
            }
        }
    });
}
