//! Test harness shared by the store and service tests: a fresh database per
//! test on SQLite (a temporary file) and, when `EPICCRM_TEST_DATABASE_URL`
//! is set, on PostgreSQL (a new database created from that URL and dropped
//! afterwards).  Without the variable, PostgreSQL tests say they were
//! skipped, on the terminal, even though cargo captures test output.

#![allow(dead_code)]

use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};

use epic_crm::auth::Session;
use epic_crm::config::DatabaseTarget;
use epic_crm::domain::Department;
use epic_crm::services::demo::{self, SeedOptions};
use epic_crm::store::{Actor, Store};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

/// The variable naming the PostgreSQL server tests may create databases on.
pub const TEST_DATABASE_VARIABLE: &str = "EPICCRM_TEST_DATABASE_URL";

/// Which backend a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// A fresh, migrated database for one test.
pub struct TestDb {
    pub target: DatabaseTarget,
    url: String,
    _dir: Option<tempfile::TempDir>,
    drop_from: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    /// A fresh migrated database of `kind`, or `None` (after saying so)
    /// when PostgreSQL is not configured.
    pub async fn new(kind: Kind, test: &str) -> Option<TestDb> {
        let db = match kind {
            Kind::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let path = dir.path().join("crm.db");
                TestDb {
                    target: DatabaseTarget::Sqlite { path: path.clone() },
                    url: format!("sqlite://{}?mode=rw", path.display()),
                    _dir: Some(dir),
                    drop_from: None,
                }
            }
            Kind::Postgres => {
                let Ok(admin_url) = std::env::var(TEST_DATABASE_VARIABLE) else {
                    let _ = writeln!(
                        std::io::stderr(),
                        "SKIPPED {test} on PostgreSQL: set {TEST_DATABASE_VARIABLE} to run it"
                    );
                    return None;
                };
                let name = format!(
                    "epiccrm_t_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    test.chars().filter(|c| c.is_ascii_alphanumeric()).take(20).collect::<String>().to_lowercase()
                );
                let admin = Database::connect(&admin_url).await.expect("connect to the PostgreSQL test server");
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
                admin.close().await.ok();
                let mut url = url::Url::parse(&admin_url).expect("test database URL");
                url.set_path(&format!("/{name}"));
                TestDb {
                    target: DatabaseTarget::Postgres { url: url.to_string() },
                    url: url.to_string(),
                    _dir: None,
                    drop_from: Some((admin_url, name)),
                }
            }
        };
        let store = Store::open(&db.target).await.expect("open test database");
        epic_crm::store::schema::migrate(&store).await.expect("migrate test database");
        store.close().await.expect("close");
        Some(db)
    }

    /// Opens the CRM's store on this database.
    pub async fn store(&self) -> Store {
        Store::open(&self.target).await.expect("open store")
    }

    /// A raw connection that bypasses the application entirely (on
    /// PostgreSQL as the role that owns everything, in the CRM's schema).
    pub async fn raw(&self) -> DatabaseConnection {
        Database::connect(&in_schema(&self.url)).await.expect("raw connection")
    }

    /// Seeds demo data with `clients` clients.
    pub async fn seed(&self, clients: u64) {
        demo::seed(&self.target, &SeedOptions { clients, seed: 7, replace: false }).await.expect("seed demo data");
    }

    /// Drops the PostgreSQL database (SQLite files go with their folder).
    pub async fn finish(self) {
        if let Some((admin_url, name)) = &self.drop_from {
            let admin = Database::connect(admin_url).await.expect("connect to drop");
            // An autovacuum worker busy on the fresh database cannot be
            // terminated by the test role: wait for it and try again.
            let mut attempts = 0;
            while let Err(err) = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await
            {
                attempts += 1;
                if attempts == 20 {
                    let _ = writeln!(std::io::stderr(), "could not drop the test database {name}: {err}");
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
            admin.close().await.ok();
        }
    }
}

/// A PostgreSQL database in team mode for one test: roles made by
/// `db init-roles` (named after the database: roles are cluster-wide),
/// migrated and seeded as the migrator, used as the app role.
pub struct TeamDb {
    /// The database as the CRM's users reach it: the app role.
    pub app: DatabaseTarget,
    /// The same database as the migrator (acting as the owner).
    pub migrator: DatabaseTarget,
    /// The administrator's URL of the database.
    pub admin_url: String,
    pub names: epic_crm::services::database::RoleNames,
    app_url: String,
    server_admin: String,
    name: String,
}

impl TeamDb {
    /// A fresh team-mode database with `clients` demo clients, or `None`
    /// (after saying so) when PostgreSQL is not configured.
    pub async fn new(test: &str, clients: u64) -> Option<TeamDb> {
        let Ok(server_admin) = std::env::var(TEST_DATABASE_VARIABLE) else {
            let _ = writeln!(std::io::stderr(), "SKIPPED {test} on PostgreSQL: set {TEST_DATABASE_VARIABLE} to run it");
            return None;
        };
        let name = format!("epiccrm_team_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
        let admin = Database::connect(&server_admin).await.expect("connect to the PostgreSQL test server");
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
        admin.close().await.ok();
        let mut admin_url = url::Url::parse(&server_admin).expect("test database URL");
        admin_url.set_path(&format!("/{name}"));
        let admin_url = admin_url.to_string();
        let admin_target = DatabaseTarget::parse(&admin_url).expect("admin target");
        let names = epic_crm::services::database::RoleNames {
            owner: format!("{name}_owner"),
            migrator: format!("{name}_migrator"),
            app: format!("{name}_app"),
            schema: "crm".into(),
        };
        let report = epic_crm::services::database::init_roles(&admin_target, &names, false).await.expect("init-roles");
        let url = |user: &str, password: &Option<String>| {
            admin_target.as_role(user, password.as_deref(), "crm").expect("url")
        };
        let migrator_url = url(&names.migrator, &report.migrator_password);
        let app_url = url(&names.app, &report.app_password);
        let migrator = DatabaseTarget::parse(&migrator_url).expect("migrator target");
        let store = Store::open(&migrator).await.expect("open as the migrator");
        epic_crm::store::schema::migrate(&store).await.expect("migrate as the migrator");
        store.close().await.ok();
        if clients > 0 {
            demo::seed(&migrator, &SeedOptions { clients, seed: 7, replace: false })
                .await
                .expect("seed as the migrator");
        }
        Some(TeamDb {
            app: DatabaseTarget::parse(&app_url).expect("app target"),
            migrator,
            admin_url,
            names,
            app_url,
            server_admin,
            name,
        })
    }

    /// A raw connection as the app role, like `psql` with the CRM's
    /// connection details: nothing of the application in between.
    pub async fn raw_app(&self) -> DatabaseConnection {
        Database::connect(&in_schema(&self.app_url)).await.expect("raw app connection")
    }

    /// A raw connection as the administrator (who may act as the owner).
    pub async fn raw_admin(&self) -> DatabaseConnection {
        Database::connect(&in_schema(&self.admin_url)).await.expect("raw admin connection")
    }

    /// Runs statements as the owner, behind everyone's back (a test's way
    /// to move time or break the setup on purpose).
    pub async fn as_owner(&self, sql: &str) {
        let raw = self.raw_admin().await;
        raw.execute_unprepared(&format!("SET ROLE \"{}\"; {sql}; RESET ROLE", self.names.owner))
            .await
            .unwrap_or_else(|err| panic!("as the owner: {sql}: {err}"));
        raw.close().await.ok();
    }

    /// Drops the database and its roles.
    pub async fn finish(self) {
        let admin = Database::connect(&self.server_admin).await.expect("connect to drop");
        let mut attempts = 0;
        while let Err(err) =
            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).await
        {
            attempts += 1;
            if attempts == 20 {
                let _ = writeln!(std::io::stderr(), "could not drop the test database {}: {err}", self.name);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        for role in [&self.names.app, &self.names.migrator, &self.names.owner] {
            if let Err(err) = admin.execute_unprepared(&format!("DROP ROLE IF EXISTS \"{role}\"")).await {
                let _ = writeln!(std::io::stderr(), "could not drop the test role {role}: {err}");
            }
        }
        admin.close().await.ok();
    }
}

/// A PostgreSQL URL whose connections search the CRM's schema, as the
/// CRM's own connections do; SQLite URLs are returned as they are.
pub fn in_schema(url: &str) -> String {
    if !url.starts_with("postgres") {
        return url.to_owned();
    }
    let mut parsed = url::Url::parse(url).expect("PostgreSQL URL");
    parsed.query_pairs_mut().append_pair("options", "-c search_path=crm");
    parsed.to_string()
}

/// The acting employee of a seeded database: a demo login.
pub async fn demo_actor(store: &Store, email: &str) -> Actor {
    let employee = store.employee_by_email(email).await.expect("look up").expect("demo employee exists");
    Actor {
        employee_id: employee.id,
        department: employee.department().unwrap_or(Department::Management),
        access_token: None,
    }
}

/// A session for a demo login, as the accounts service would give it.
pub async fn session(store: &Store, email: &str) -> Session {
    let row = store.employee_by_email(email).await.expect("look up").expect("exists");
    Session {
        employee_id: row.id,
        first_name: row.first_name.clone(),
        last_name: row.last_name.clone(),
        email: row.email.clone(),
        department: row.department().expect("department"),
        must_change_password: false,
        family_id: "test".into(),
        access_token: String::new(),
    }
}

/// Another employee of a department, not the demo login.
pub async fn colleague(db: &TestDb, department: Department, active: bool) -> Session {
    let raw = db.raw().await;
    let sql = format!(
        "SELECT email FROM employees WHERE department_id = {} AND active = {} AND email NOT LIKE '%@demo.test' ORDER BY id LIMIT 1",
        department.id(),
        if active { "TRUE" } else { "FALSE" }
    );
    let row = raw.query_one_raw(Statement::from_string(raw.get_database_backend(), sql)).await.expect("query");
    let email: String = row.expect("a colleague").try_get("", "email").expect("email");
    session(&db.store().await, &email).await
}

pub async fn count(db: &TestDb, sql: &str) -> i64 {
    let raw = db.raw().await;
    let row = raw.query_one_raw(Statement::from_string(raw.get_database_backend(), sql)).await.expect("query");
    row.expect("row").try_get::<i64>("", "n").expect("n")
}

/// The running totals equal what the records say, key by key (sums weighted
/// by the key, so a figure counted under the wrong key shows).
pub async fn assert_totals_match(db: &TestDb) {
    let contract_figures = [
        ("contracts", "1"),
        ("unsigned", "CASE WHEN signed THEN 0 ELSE 1 END"),
        ("unpaid", "CASE WHEN due_cents > 0 THEN 1 ELSE 0 END"),
        ("signed_cents", "CASE WHEN signed THEN total_cents ELSE 0 END"),
        ("unsigned_cents", "CASE WHEN signed THEN 0 ELSE total_cents END"),
        ("outstanding_cents", "due_cents"),
    ];
    for (column, expression) in contract_figures {
        let kept = count(
            db,
            &format!(
                "SELECT CAST(coalesce(sum({column} * (sales_contact_id + 7)), 0) AS BIGINT) AS n FROM contract_totals"
            ),
        )
        .await;
        let actual = count(
            db,
            &format!(
                "SELECT CAST(coalesce(sum(({expression}) * (coalesce(sales_contact_id, 0) + 7)), 0) AS BIGINT) AS n FROM contracts"
            ),
        )
        .await;
        assert_eq!(kept, actual, "contract_totals.{column}");
    }
    for (column, expression) in
        [("events", "1"), ("without_support", "CASE WHEN support_contact_id IS NULL THEN 1 ELSE 0 END")]
    {
        let kept = count(
            db,
            &format!("SELECT CAST(coalesce(sum({column} * (day % 1000 + 1)), 0) AS BIGINT) AS n FROM event_days"),
        )
        .await;
        let actual = count(
            db,
            &format!(
                "SELECT CAST(coalesce(sum(({expression}) * ((start_at / 86400000) % 1000 + 1)), 0) AS BIGINT) AS n FROM events"
            ),
        )
        .await;
        assert_eq!(kept, actual, "event_days.{column}");
    }
}

/// The SQLite case of a test (inside the test's module).
#[macro_export]
macro_rules! sqlite_case {
    ($name:ident, $body:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn sqlite() {
            let db = common::TestDb::new(common::Kind::Sqlite, stringify!($name)).await.expect("sqlite");
            ($body)(&db).await;
            db.finish().await;
        }
    };
}

/// Defines one test run on SQLite only, where the application is the
/// authority (its clock can be controlled): `NAME::sqlite`.
#[macro_export]
macro_rules! on_sqlite {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            $crate::sqlite_case!($name, $body);
        }
    };
}

/// Defines one test run on both backends: `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            $crate::sqlite_case!($name, $body);

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = common::TestDb::new(common::Kind::Postgres, stringify!($name)).await {
                    ($body)(&db).await;
                    db.finish().await;
                }
            }
        }
    };
}
