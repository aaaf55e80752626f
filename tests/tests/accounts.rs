//! Accounts from the command line, as a newcomer follows the README: the
//! first manager, login, whoami, logout, passwords (never as arguments),
//! lockout, managers helping, tokens in private files on a headless box.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use epic_crm_tests::{Home, TeamDatabase};
use predicates::prelude::*;
use predicates::str::contains;

const MANAGER: &str = "Ada-Lovelace-2026";

/// The first manager of the home's default database, logged in.
fn bootstrap(home: &Home, database: &[&str]) {
    let mut args = database.to_vec();
    args.extend([
        "employees",
        "create",
        "--first-name",
        "Ada",
        "--last-name",
        "Lovelace",
        "--email",
        "ada@example.com",
        "--department",
        "MANAGEMENT",
        "--password-stdin",
    ]);
    home.command(&args).write_stdin(format!("{MANAGER}\n")).assert().success().stdout(contains("first manager"));
    let mut login = database.to_vec();
    login.extend(["login", "--email", "Ada@Example.com", "--password-stdin"]);
    home.command(&login).write_stdin(format!("{MANAGER}\n")).assert().success().stdout(contains("Ada Lovelace"));
}

fn tokens_dir(home: &Home) -> PathBuf {
    home.dir.path().join("state/epic-crm/tokens")
}

fn session_file(home: &Home) -> PathBuf {
    let entries = std::fs::read_dir(tokens_dir(home)).expect("token folder");
    entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .find(|path| path.file_name().is_some_and(|name| name.to_string_lossy().starts_with("session-")))
        .expect("a stored session")
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

#[test]
fn first_manager_logs_in_sees_whoami_and_logs_out() {
    let home = Home::new();
    home.command(&["whoami"]).assert().code(3).stderr(contains("not logged in"));
    bootstrap(&home, &[]);
    home.command(&["whoami"])
        .assert()
        .success()
        .stdout(contains("Ada Lovelace").and(contains("ada@example.com")).and(contains("MANAGEMENT")));
    let output = home.command(&["--format", "json", "whoami"]).assert().success().get_output().stdout.clone();
    let json: serde_json::Value = serde_json::from_slice(&output).expect("json");
    assert_eq!((json["id"].as_i64(), json["email"].as_str()), (Some(1), Some("ada@example.com")));
    assert_eq!(json["department"], "MANAGEMENT");

    // No keyring service on a headless box: private files instead.
    assert_eq!(mode(&tokens_dir(&home)), 0o700);
    assert_eq!(mode(&session_file(&home)), 0o600);
    assert_eq!(mode(&tokens_dir(&home).join("signing-key")), 0o600);

    home.command(&["logout"]).assert().success().stdout(contains("Logged out"));
    home.command(&["whoami"]).assert().code(3).stderr(contains("not logged in"));
    home.command(&["logout"]).assert().success().stdout(contains("not logged in"));
}

#[test]
fn passwords_are_never_command_line_arguments() {
    let home = Home::new();
    home.command(&["login", "--email", "ada@example.com", "--password", MANAGER]).assert().code(2);
    // Standard input is not a terminal here: no prompt, a clear way out.
    home.command(&["login", "--email", "ada@example.com"]).assert().code(2).stderr(contains("--password-stdin"));
    home.command(&["login", "--email", "ada@example.com", "--password-stdin"])
        .write_stdin("")
        .assert()
        .code(5)
        .stderr(contains("No password on standard input"));
}

#[test]
fn employees_are_created_by_managers_only() {
    let home = Home::new();
    let sales_first = [
        "employees",
        "create",
        "--first-name",
        "Sam",
        "--last-name",
        "Seller",
        "--email",
        "sam@example.com",
        "--department",
        "SALES",
        "--password-stdin",
    ];
    home.command(&sales_first).write_stdin("Sam-Sells-2026\n").assert().code(5).stderr(contains("MANAGEMENT"));
    let weak = [
        "employees",
        "create",
        "--first-name",
        "Ada",
        "--last-name",
        "Lovelace",
        "--email",
        "ada@example.com",
        "--department",
        "MANAGEMENT",
        "--password-stdin",
    ];
    home.command(&weak).write_stdin("password1\n").assert().code(5).stderr(contains("common"));
    bootstrap(&home, &[]);

    let create_sam = [
        "employees",
        "create",
        "--first-name",
        "Sam",
        "--last-name",
        "Seller",
        "--email",
        "sam@example.com",
        "--department",
        "SALES",
    ];
    let output = home.command(&["--format", "json"]).args(create_sam).assert().success().get_output().stdout.clone();
    let sam: serde_json::Value = serde_json::from_slice(&output).expect("json");
    assert_eq!(sam["must_change_password"], true);
    assert_eq!(sam["department"], "SALES");
    let one_time = sam["one_time_password"].as_str().expect("one-time password").to_owned();

    // Someone else on another machine, not logged in.
    let other = Home::new();
    let shared = format!("sqlite://{}", home.default_database().display());
    other
        .command(&["--database", &shared])
        .args([
            "employees",
            "create",
            "--first-name",
            "Eve",
            "--last-name",
            "E",
            "--email",
            "eve@example.com",
            "--department",
            "SALES",
        ])
        .assert()
        .code(3);
    other
        .command(&["--database", &shared, "login", "--email", "sam@example.com", "--password-stdin"])
        .write_stdin(format!("{one_time}\n"))
        .assert()
        .success()
        .stdout(contains("must be changed"));
    other.command(&["--database", &shared, "whoami"]).assert().code(3).stderr(contains("epic-crm password"));
    other
        .command(&["--database", &shared, "password", "--password-stdin"])
        .write_stdin(format!("{one_time}\nqwertyuiop\n"))
        .assert()
        .code(5);
    other
        .command(&["--database", &shared, "password", "--password-stdin"])
        .write_stdin(format!("{one_time}\nSam-Own-Choice-1\n"))
        .assert()
        .success();
    other.command(&["--database", &shared, "whoami"]).assert().success().stdout(contains("SALES"));
    other
        .command(&["--database", &shared])
        .args([
            "employees",
            "create",
            "--first-name",
            "Eve",
            "--last-name",
            "E",
            "--email",
            "eve@example.com",
            "--department",
            "SALES",
        ])
        .assert()
        .code(4)
        .stderr(contains("SALES may not create employees"));
    other.command(&["--database", &shared, "employees", "reset-password", "2"]).assert().code(4);

    // The manager resets Sam's password: Sam's session ends at once.
    home.command(&["employees", "reset-password", "2"]).assert().success().stdout(contains("One-time password"));
    other.command(&["--database", &shared, "whoami"]).assert().code(3);
    home.command(&["employees", "reset-password", "99"]).assert().code(6);
}

#[test]
fn lockout_then_a_manager_unlocks() {
    let home = Home::new();
    bootstrap(&home, &[]);
    home.command(&[
        "employees",
        "create",
        "--first-name",
        "Sam",
        "--last-name",
        "Seller",
        "--email",
        "sam@example.com",
        "--department",
        "SALES",
        "--password-stdin",
    ])
    .write_stdin("Sam-Sells-2026\n")
    .assert()
    .success();
    let other = Home::new();
    let shared = format!("sqlite://{}", home.default_database().display());
    let login = ["--database", &shared, "login", "--email", "sam@example.com", "--password-stdin"];
    for _ in 0..4 {
        other
            .command(&login)
            .write_stdin("not-sams-password\n")
            .assert()
            .code(3)
            .stderr(contains("Wrong email or password"));
    }
    other
        .command(&login)
        .write_stdin("not-sams-password\n")
        .assert()
        .code(3)
        .stderr(contains("try again in 60 seconds"));
    other.command(&login).write_stdin("Sam-Sells-2026\n").assert().code(3).stderr(contains("Too many failed logins"));
    home.command(&["employees", "unlock", "2"]).assert().success().stdout(contains("can log in again"));
    other.command(&login).write_stdin("Sam-Sells-2026\n").assert().success();
}

#[test]
fn a_token_file_others_can_read_is_refused() {
    let home = Home::new();
    bootstrap(&home, &[]);
    let file = session_file(&home);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    home.command(&["whoami"]).assert().code(3).stderr(contains("mode 0644").and(contains("chmod 600")));
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    home.command(&["whoami"]).assert().success();
}

#[test]
fn expired_access_tokens_are_refreshed_silently() {
    let home = Home::new();
    home.write_config("[auth]\naccess_token_seconds = 1\n");
    bootstrap(&home, &[]);
    let before = std::fs::read_to_string(session_file(&home)).expect("tokens");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    home.command(&["whoami"]).assert().success().stdout(contains("Ada Lovelace"));
    let after = std::fs::read_to_string(session_file(&home)).expect("tokens");
    assert_ne!(before, after, "the tokens were rotated");
    // Two commands refreshing at the same moment do not end the session.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let children: Vec<_> = (0..3)
        .map(|_| home.std_command().arg("whoami").stdout(std::process::Stdio::null()).spawn().expect("spawn"))
        .collect();
    for mut child in children {
        assert!(child.wait().expect("wait").success(), "a concurrent refresh failed");
    }
    home.command(&["whoami"]).assert().success();
}

#[test]
fn sessions_are_kept_per_database() {
    let home = Home::new();
    bootstrap(&home, &[]);
    let elsewhere = format!("sqlite://{}", home.dir.path().join("other.db").display());
    home.command(&["--database", &elsewhere, "whoami"]).assert().code(3).stderr(contains("not logged in"));
    home.command(&["whoami"]).assert().success();
}

#[test]
fn postgres_first_manager_logs_in_and_out() {
    // Team mode: the first manager is made and logged in as the app role.
    let Some(team) = TeamDatabase::new("accounts", 0) else { return };
    let url = team.app_url.as_str();
    let home = Home::new();
    // The app role changes no schema and loads no data.
    for command in [&["db", "migrate"][..], &["demo", "seed", "--clients", "10"][..]] {
        let mut args = vec!["--database", url];
        args.extend(command);
        home.command(&args).assert().code(4).stderr(contains("migrator's URL"));
    }
    bootstrap(&home, &["--database", url]);
    home.command(&["--database", url, "--format", "json", "whoami"])
        .assert()
        .success()
        .stdout(contains("\"department\":\"MANAGEMENT\""));
    home.command(&["whoami"]).assert().code(3);
    home.command(&["--database", url, "logout"]).assert().success();
    home.command(&["--database", url, "whoami"]).assert().code(3);
}
