//! The command line end to end: the real binary, its output and its exit
//! codes, on the embedded default and on PostgreSQL.

use std::os::unix::fs::PermissionsExt;

use epic_crm_tests::{Home, PgDatabase};
use predicates::prelude::*;
use predicates::str::contains;

#[test]
fn without_arguments_it_prints_its_help() {
    Home::new().command(&[]).assert().success().stdout(contains("Usage: epic-crm")).stdout(contains("demo"));
}

#[test]
fn unknown_commands_and_flags_are_usage_errors() {
    let home = Home::new();
    home.command(&["frobnicate"]).assert().code(2);
    home.command(&["db", "status", "--colour"]).assert().code(2);
    home.command(&["demo", "seed", "--clients", "many"]).assert().code(2);
}

#[test]
fn a_malformed_database_url_is_a_usage_error() {
    let home = Home::new();
    for url in ["mysql://crm@localhost/crm", "postgres://", "sqlite://"] {
        home.command(&["--database", url, "db", "status"])
            .assert()
            .code(2)
            .stderr(contains("database URL is malformed"))
            .stderr(contains("panicked").not());
    }
    home.command(&["--database", "postgres://", "--format", "json", "db", "status"])
        .assert()
        .code(2)
        .stderr(contains("\"code\":\"usage\""));
}

#[test]
fn an_unreachable_server_is_reported_in_one_sentence() {
    let home = Home::new();
    home.command(&["--database", "postgres://crm:secret@127.0.0.1:1/crm", "db", "status"])
        .assert()
        .code(1)
        .stderr(contains("Cannot connect to the PostgreSQL database"))
        .stderr(contains("connection refused"))
        .stderr(contains("secret").not())
        .stderr(contains("panicked").not());
}

#[test]
fn a_config_file_with_a_syntax_error_is_a_usage_error() {
    let home = Home::new();
    home.write_config("[profiles.office\nurl = 3\n");
    home.command(&["db", "status"]).assert().code(2).stderr(contains("config.toml")).stderr(contains("not valid"));
}

#[test]
fn an_unknown_profile_is_a_usage_error() {
    Home::new()
        .command(&["--database", "office", "db", "status"])
        .assert()
        .code(2)
        .stderr(contains("no database profile named \"office\""));
}

#[test]
fn profiles_from_the_config_file_are_used() {
    let home = Home::new();
    let db = home.dir.path().join("laptop.db");
    home.write_config(&format!(
        "default_profile = \"laptop\"\n[profiles.laptop]\nurl = \"sqlite://{}\"\n",
        db.display()
    ));
    home.command(&["db", "migrate"]).assert().success().stdout(contains("laptop.db is up to date"));
    assert!(db.exists());
}

#[test]
fn a_data_directory_that_cannot_be_written_is_reported() {
    let home = Home::new();
    // A file where the data directory should be: not even root can create
    // a folder inside it.
    let blocker = home.dir.path().join("data");
    std::fs::write(&blocker, b"not a folder").expect("blocker");
    home.command(&["demo", "seed", "--clients", "5"])
        .assert()
        .code(1)
        .stderr(contains("Cannot create the folder"))
        .stderr(contains("--database sqlite://PATH"))
        .stderr(contains("panicked").not());
}

#[test]
fn the_embedded_database_is_created_private_and_migrated_on_first_use() {
    let home = Home::new();
    home.command(&["demo", "seed", "--clients", "40"])
        .assert()
        .success()
        .stdout(contains("40 clients"))
        .stdout(contains("sales@demo.test"))
        .stdout(contains("EpicDemo-2026"));
    let database = home.default_database();
    let mode = std::fs::metadata(&database).expect("database file").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "database file mode {mode:o}");
    let folder = std::fs::metadata(database.parent().expect("folder")).expect("folder").permissions().mode() & 0o777;
    assert_eq!(folder, 0o700, "data folder mode {folder:o}");
    home.command(&["db", "status"]).assert().success().stdout(contains("applied"));
    home.command(&["--format", "json", "db", "status"]).assert().success().stdout(contains("\"applied\":true"));
    // A second seed is refused; --replace starts again.
    home.command(&["demo", "seed", "--clients", "40"]).assert().code(5).stderr(contains("--replace"));
    home.command(&["demo", "seed", "--clients", "30", "--replace"]).assert().success().stdout(contains("30 clients"));
    // Reset asks for confirmation.
    home.command(&["db", "reset"]).assert().code(2).stderr(contains("--yes"));
    home.command(&["db", "reset", "--yes"]).assert().success();
    home.command(&["demo", "seed", "--clients", "20"]).assert().success();
    // Logs go to the state directory, never to the terminal.
    let logs = home.dir.path().join("state").join("epic-crm").join("logs");
    assert!(
        std::fs::read_dir(&logs).map(|mut entries| entries.next().is_some()).unwrap_or(false),
        "no log file in {logs:?}"
    );
}

#[test]
fn bench_prints_figures() {
    let home = Home::new();
    home.command(&["demo", "seed", "--clients", "60"]).assert().success();
    home.command(&["bench", "--iterations", "1"])
        .assert()
        .success()
        .stdout(contains("clients all sort=last_name first page"))
        .stdout(contains("worst first page"))
        .stdout(contains("Dataset: sqlite 60c/120k/120e"));
}

#[test]
fn bench_needs_demo_data() {
    Home::new().command(&["bench", "--iterations", "1"]).assert().code(5).stderr(contains("demo seed"));
}

#[test]
fn postgres_migrate_seed_and_bench() {
    let Some(db) = PgDatabase::new("seed") else { return };
    let home = Home::new();
    home.command(&["--database", &db.url, "db", "status"]).assert().success().stdout(contains("pending"));
    home.command(&["--database", &db.url, "bench"]).assert().code(5).stderr(contains("db migrate"));
    home.command(&["--database", &db.url, "db", "migrate"]).assert().success().stdout(contains("applied"));
    home.command(&["--database", &db.url, "db", "migrate"]).assert().success().stdout(contains("up to date"));
    home.command(&["--database", &db.url, "demo", "seed", "--clients", "50"])
        .assert()
        .success()
        .stdout(contains("50 clients"));
    home.command(&["--database", &db.url, "demo", "seed"]).assert().code(5);
    home.command(&["--database", &db.url, "bench", "--iterations", "1"])
        .assert()
        .success()
        .stdout(contains("Dataset: postgres 50c/100k/100e"));
    // One role owning everything works, but is not team mode.
    home.command(&["--database", &db.url, "doctor"])
        .assert()
        .code(1)
        .stdout(contains("FAIL  role"))
        .stdout(contains("fix: connect the CRM as the app role"))
        .stderr(contains("doctor found"));
}

#[test]
fn usage_errors_are_json_when_json_was_asked_for() {
    let home = Home::new();
    let output =
        home.command(&["--format", "json", "clients", "list", "--bogus"]).assert().code(2).get_output().clone();
    assert!(output.stdout.is_empty());
    let error: serde_json::Value = serde_json::from_slice(&output.stderr).expect("a JSON error object");
    assert_eq!(error["error"]["code"], "usage");
    assert!(error["error"]["message"].as_str().is_some_and(|m| m.contains("--bogus")), "{error}");
    home.command(&["clients", "list", "--bogus"]).assert().code(2).stderr(contains("--bogus"));
}
