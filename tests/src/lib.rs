//! Shared helpers of the end-to-end tests: the built `epic-crm` binary, run
//! in a private home (config, data and state directories of its own).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The variable naming the PostgreSQL server tests may create databases on.
pub const TEST_DATABASE_VARIABLE: &str = "EPICCRM_TEST_DATABASE_URL";

/// The path of the `epic-crm` binary of this build, built on demand when
/// only this package's tests were asked for.
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        // Test executables live in target/<profile>/deps; the binary one up.
        let exe = std::env::current_exe().expect("test executable path");
        let profile_dir = exe.parent().and_then(Path::parent).expect("target profile directory");
        let binary = profile_dir.join("epic-crm");
        if !binary.exists() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let mut build = Command::new(cargo);
            build.args(["build", "--bin", "epic-crm"]);
            if profile_dir.file_name().is_some_and(|name| name == "release") {
                build.arg("--release");
            }
            let status = build.status().expect("run cargo build");
            assert!(status.success(), "cargo build --bin epic-crm failed");
        }
        binary
    })
}

/// A private home for one test: XDG directories in a temporary folder and
/// no database variables inherited from the developer's shell.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    /// A new empty home.
    pub fn new() -> Home {
        Home { dir: tempfile::tempdir().expect("temporary home") }
    }

    /// `epic-crm ARGS…` in this home.
    pub fn command(&self, args: &[&str]) -> assert_cmd::Command {
        let mut command = assert_cmd::Command::from_std(self.std_command());
        command.args(args).timeout(std::time::Duration::from_secs(120));
        command
    }

    /// The same environment as [`Home::command`], for a process the test
    /// starts and waits for itself.  No `EPICCRM_*` variable of the
    /// developer's shell leaks in, and the session bus is one that does not
    /// exist: like a headless box, the keyring is unreachable, so tokens go
    /// to this home's files and never to the developer's keyring.
    pub fn std_command(&self) -> Command {
        let mut command = Command::new(binary());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("EPICCRM_") {
                command.env_remove(&name);
            }
        }
        command
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("XDG_RUNTIME_DIR", self.dir.path().join("run"))
            .env("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}", self.dir.path().join("no-bus").display()))
            .env_remove("RUST_LOG");
        command
    }

    /// Writes this home's configuration file.
    pub fn write_config(&self, text: &str) {
        let dir = self.dir.path().join("config").join("epic-crm");
        std::fs::create_dir_all(&dir).expect("config dir");
        std::fs::write(dir.join("config.toml"), text).expect("write config");
    }

    /// Where the default SQLite database of this home is.
    pub fn default_database(&self) -> PathBuf {
        self.dir.path().join("data").join("epic-crm").join("epic-crm.db")
    }
}

impl Default for Home {
    fn default() -> Self {
        Home::new()
    }
}

/// A fresh PostgreSQL database for one test, dropped afterwards; `None`
/// (after saying the test was skipped) when no test server is configured.
pub struct PgDatabase {
    admin: String,
    /// The database's name (also the prefix of a team setup's roles).
    pub name: String,
    /// The URL of the new database.
    pub url: String,
}

impl PgDatabase {
    /// Creates the database `epiccrm_cli_<pid>_<test>`.
    pub fn new(test: &str) -> Option<PgDatabase> {
        use std::io::Write;
        let Ok(admin) = std::env::var(TEST_DATABASE_VARIABLE) else {
            let _ = writeln!(std::io::stderr(), "SKIPPED {test} on PostgreSQL: set {TEST_DATABASE_VARIABLE} to run it");
            return None;
        };
        let name = format!("epiccrm_cli_{}_{test}", std::process::id());
        psql(&admin, &format!("CREATE DATABASE {name}"));
        let mut url = url::Url::parse(&admin).expect("test database URL");
        url.set_path(&format!("/{name}"));
        Some(PgDatabase { admin, name, url: url.to_string() })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // An autovacuum worker busy on the database cannot be terminated by
        // the test role: wait for it and try again, then give up quietly.
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        for _ in 0..20 {
            let status = Command::new("psql").args([self.admin.as_str(), "-q", "-c", &sql]).status();
            if status.is_ok_and(|status| status.success()) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
        eprintln!("could not drop the test database {}", self.name);
    }
}

/// A PostgreSQL database in team mode, set up through the binary as the
/// README says: `db init-roles` as the administrator, `db migrate` and
/// `demo seed` as the migrator, `doctor` as the app role; the roles (named
/// after the database: roles are cluster-wide) go with it.
pub struct TeamDatabase {
    db: Option<PgDatabase>,
    /// The migrator's URL (acts as the owner).
    pub migrator_url: String,
    /// The app role's URL: what everyone's CRM connects with.
    pub app_url: String,
    roles: Vec<String>,
}

impl TeamDatabase {
    /// Sets up `epiccrm_cli_<pid>_<test>` with `clients` demo clients (none
    /// when 0); `None` when no test server is configured.
    pub fn new(test: &str, clients: u32) -> Option<TeamDatabase> {
        let db = PgDatabase::new(test)?;
        let home = Home::new();
        let roles: Vec<String> =
            ["owner", "migrator", "app"].iter().map(|role| format!("{}_{role}", db.name)).collect();
        let output = home
            .command(&[
                "--database",
                &db.url,
                "--format",
                "json",
                "db",
                "init-roles",
                "--owner",
                &roles[0],
                "--migrator",
                &roles[1],
                "--app",
                &roles[2],
            ])
            .output()
            .expect("run init-roles");
        assert!(output.status.success(), "init-roles: {}", String::from_utf8_lossy(&output.stderr));
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("init-roles JSON");
        let url = |field: &str| report[field].as_str().expect("a URL").to_owned();
        let team = TeamDatabase { migrator_url: url("migrator_url"), app_url: url("app_url"), roles, db: Some(db) };
        home.command(&["--database", &team.migrator_url, "db", "migrate"]).assert().success();
        if clients > 0 {
            let clients = clients.to_string();
            home.command(&["--database", &team.migrator_url, "demo", "seed", "--clients", &clients]).assert().success();
        }
        home.command(&["--database", &team.app_url, "doctor"]).assert().success();
        Some(team)
    }
}

impl Drop for TeamDatabase {
    fn drop(&mut self) {
        let admin = self.db.as_ref().map(|db| db.admin.clone());
        drop(self.db.take());
        if let Some(admin) = admin {
            for role in self.roles.iter().rev() {
                let sql = format!("DROP ROLE IF EXISTS \"{role}\"");
                let _ = Command::new("psql").args([admin.as_str(), "-q", "-c", &sql]).status();
            }
        }
    }
}

/// Runs one statement with psql, as an administrator of the test server would.
pub fn psql(url: &str, sql: &str) {
    let status = Command::new("psql").args([url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]).status().expect("run psql");
    assert!(status.success(), "psql failed: {sql}");
}

/// One person at their own machine (their own home, hence their own
/// session), working on a shared database.
pub struct Person {
    pub home: Home,
    pub database: String,
}

impl Person {
    /// Logs a demo employee in (password `EpicDemo-2026`).
    pub fn login(database: &str, email: &str) -> Person {
        let person = Person { home: Home::new(), database: database.to_owned() };
        person.expect(0, &["login", "--email", email, "--password-stdin"], Some("EpicDemo-2026\n"));
        person
    }

    /// `epic-crm --database … ARGS…` as this person.
    pub fn run(&self, args: &[&str]) -> assert_cmd::Command {
        let mut command = self.home.command(&["--database", &self.database]);
        command.args(args);
        command
    }

    /// Runs `args` with JSON output, checks the exit code, returns what was
    /// printed (null when nothing was).
    pub fn expect(&self, code: i32, args: &[&str], stdin: Option<&str>) -> serde_json::Value {
        let mut full = vec!["--format", "json"];
        full.extend(args);
        let mut command = self.run(&full);
        if let Some(input) = stdin {
            command.write_stdin(input.to_owned());
        }
        let output = command.output().expect("run epic-crm");
        assert_eq!(output.status.code(), Some(code), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null)
    }

    /// Runs `args` with JSON output, expecting success.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        self.expect(0, args, None)
    }
}

/// The `id` of a printed record, as an argument.
pub fn id(value: &serde_json::Value) -> String {
    value["id"].as_i64().expect("an id").to_string()
}
