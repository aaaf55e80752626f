//! Data in and out through the real binary, as the README tells a company
//! to do it: move from the embedded SQLite file to PostgreSQL team mode and
//! back with nothing lost and everyone's password still working; back up
//! every night, list the backups, restore one.

use std::path::Path;

use epic_crm_tests::{Home, Person, TeamDatabase, id};
use predicates::str::contains;

/// A company's day on SQLite: a client, a signed contract, an event with
/// support (audit entries and a notification along the way).
fn a_day_of_work(database: &str) {
    let sales = Person::login(database, "sales@demo.test");
    let manager = Person::login(database, "manager@demo.test");
    let support = Person::login(database, "support@demo.test");
    let support_id = support.json(&["whoami"])["id"].as_i64().expect("id").to_string();
    let client = sales.json(&[
        "clients",
        "create",
        "--first-name",
        "Zoë",
        "--last-name",
        "Ångström",
        "--email",
        "zoe@example.se",
        "--company",
        "=HYPERLINK(\"http://x\")",
    ]);
    let contract = manager.json(&["contracts", "create", "--client", &id(&client), "--total", "12000.50"]);
    sales.json(&["contracts", "sign", &id(&contract)]);
    let event = sales.json(&[
        "events",
        "create",
        "--contract",
        &id(&contract),
        "--name",
        "🎉 Launch party 🎉",
        "--start",
        "2027-05-20 19:00",
        "--end",
        "2027-05-20 23:30",
    ]);
    manager.json(&["events", "assign", &id(&event), "--support", &support_id]);
}

/// Exports `database` into `dir` and returns the manifest's tables.
fn export(home: &Home, database: &str, dir: &Path) -> serde_json::Value {
    home.command(&["--database", database, "export", &dir.display().to_string()]).assert().success();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("manifest")).expect("JSON");
    manifest["tables"].clone()
}

#[test]
fn postgres_a_company_moves_to_team_mode_and_back() {
    let Some(team) = TeamDatabase::new("move", 0) else { return };
    let office = Home::new();
    office.command(&["demo", "seed", "--clients", "25"]).assert().success();
    let sqlite = format!("sqlite://{}", office.default_database().display());
    a_day_of_work(&sqlite);
    let bundles = tempfile::tempdir().expect("temp");
    let first = export(&office, &sqlite, &bundles.path().join("from-sqlite"));
    assert!(first["audit_entries"]["rows"].as_u64() > Some(0), "the day left an audit trail");
    assert!(first["notifications"]["rows"].as_u64() > Some(0), "and a notification");

    // Into team mode: the migrator's command; the app role is told so.
    let bundle = bundles.path().join("from-sqlite").display().to_string();
    office
        .command(&["--database", &team.app_url, "import", &bundle])
        .assert()
        .code(4)
        .stderr(contains("migrator's URL"));
    office.command(&["--database", &team.migrator_url, "import", &bundle]).assert().success();
    let second = export(&office, &team.migrator_url, &bundles.path().join("from-postgres"));
    assert_eq!(second, first, "the PostgreSQL bundle equals the SQLite one, table by table");
    // Everyone logs in with the password they had.
    let sales = Person::login(&team.app_url, "sales@demo.test");
    sales.run(&["clients", "list", "--search", "Ångström"]).assert().success().stdout(contains("Zoë"));
    office.command(&["--database", &team.app_url, "doctor"]).assert().success();
    office
        .command(&["--database", &team.app_url, "export", &bundles.path().join("nope").display().to_string()])
        .assert()
        .code(4);

    // And back to a new embedded file.
    let laptop = Home::new();
    let back = format!("sqlite://{}", laptop.dir.path().join("back.db").display());
    let bundle = bundles.path().join("from-postgres").display().to_string();
    laptop.command(&["--database", &back, "import", &bundle]).assert().success().stdout(contains("Imported"));
    let third = export(&laptop, &back, &bundles.path().join("back"));
    assert_eq!(third, first, "three hops, the same bytes");
    let support = Person::login(&back, "support@demo.test");
    support.run(&["events", "list", "--mine"]).assert().success().stdout(contains("Launch party"));
}

#[test]
fn backups_are_kept_listed_and_restored() {
    let office = Home::new();
    office.command(&["demo", "seed", "--clients", "20"]).assert().success();
    for _ in 0..3 {
        office.command(&["backup", "--keep", "2"]).assert().success().stdout(contains("Backed up"));
    }
    let listed: serde_json::Value =
        serde_json::from_slice(&office.command(&["--format", "json", "backup", "list"]).output().expect("list").stdout)
            .expect("JSON");
    let items = listed["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "the newest two are kept");
    let newest = items[0]["path"].as_str().expect("path").to_owned();
    assert!(newest.contains("/data/epic-crm/backups/epic-crm/epic-crm-"), "{newest}");
    office.command(&["backup", "list"]).assert().success().stdout(contains("Taken at (UTC)"));

    // A day's change, then a restore back to the backup.
    let database = format!("sqlite://{}", office.default_database().display());
    let sales = Person::login(&database, "sales@demo.test");
    sales.json(&["clients", "create", "--first-name", "Late", "--last-name", "Comer", "--email", "late@example.com"]);
    office.command(&["restore", &newest]).assert().code(2).stderr(contains("--yes"));
    office.command(&["restore", &newest, "--yes"]).assert().success().stdout(contains("Restored"));
    // Everyone starts logged out; the client is gone, passwords still work.
    sales.run(&["whoami"]).assert().code(3);
    let sales = Person::login(&database, "sales@demo.test");
    let found = sales.json(&["clients", "list", "--search", "late@example.com"]);
    assert_eq!(found["items"].as_array().map(Vec::len), Some(0), "the client made after the backup is gone");

    // Bad bundles are refused with the reason and change nothing.
    office.command(&["import", "/nonexistent/bundle"]).assert().code(5).stderr(contains("There is no bundle"));
    office.command(&["import", &newest]).assert().code(5).stderr(contains("already holds records"));
    office.command(&["import", &newest, "--replace"]).assert().code(2).stderr(contains("add --yes"));
    office.command(&["backup", "--keep", "0"]).assert().code(5).stderr(contains("--keep"));
}
