//! Spreadsheet imports through the real binary: the sales team's client
//! list (as SALES, MANAGEMENT and SUPPORT; every bad line reported by
//! number; duplicates failing, skipped or updating; nothing written on any
//! failure) and the staff list (generated passwords printed once, changed
//! at first login), on SQLite and in PostgreSQL team mode.

use std::path::PathBuf;

use epic_crm_tests::{Home, Person, TeamDatabase};
use predicates::prelude::*;
use predicates::str::contains;

/// Writes `bytes` as a file of a temporary folder.
fn file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> String {
    let path: PathBuf = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write CSV");
    path.display().to_string()
}

fn count(person: &Person, args: &[&str]) -> usize {
    let mut full = args.to_vec();
    full.push("--all");
    person.json(&full)["items"].as_array().map_or(0, Vec::len)
}

fn clients_by_department(database: &str) {
    let dir = tempfile::tempdir().expect("temp");
    let sales = Person::login(database, "sales@demo.test");
    let manager = Person::login(database, "manager@demo.test");
    let support = Person::login(database, "support@demo.test");
    let sales_id = sales.json(&["whoami"])["id"].as_i64().expect("id").to_string();
    let support_id = support.json(&["whoami"])["id"].as_i64().expect("id").to_string();
    let before = count(&manager, &["clients", "list"]);

    // The salesperson's spreadsheet: BOM, semicolons, quoted separators and
    // line breaks, a formula-looking company.
    let sheet = file(
        &dir,
        "mine.csv",
        "\u{feff}First Name;LAST-NAME;Email;Phone;Company\r\nAna;López;ana@import.test;+33 6 12 34 56 78;\"López; Hijos\"\r\nBen;Ng;ben@import.test;;\"=HYPERLINK(\"\"http://x\"\")\"\r\nCid;Roy;cid@import.test;;\"Roy, Roy & Roy\"\r\n"
            .as_bytes(),
    );
    let dry = sales.json(&["clients", "import", &sheet, "--dry-run"]);
    assert_eq!((dry["created"].as_u64(), dry["dry_run"].as_bool()), (Some(3), Some(true)));
    assert_eq!(count(&manager, &["clients", "list"]), before, "a dry run writes nothing");
    let done = sales.json(&["clients", "import", &sheet]);
    assert_eq!(done["created"], 3);
    let found = sales.json(&["clients", "list", "--mine", "--search", "import.test"]);
    assert_eq!(found["items"].as_array().map(Vec::len), Some(3), "the imported clients are the salesperson's");
    let ben = found["items"].as_array().expect("items").iter().find(|c| c["email"] == "ben@import.test").expect("ben");
    assert_eq!(ben["company_name"], "=HYPERLINK(\"http://x\")", "stored as text");
    sales
        .run(&["--format", "csv", "clients", "list", "--search", "ben@import.test"])
        .assert()
        .success()
        .stdout(contains("\"'=HYPERLINK(\"\"http://x\"\")\""));
    for client in found["items"].as_array().expect("items") {
        let trail = manager.json(&["audit", "list", "--record", &format!("client:{}", client["id"])]);
        let entries = trail["items"].as_array().expect("entries");
        assert_eq!(entries.len(), 1, "each created client has exactly one audit entry: {trail}");
        assert_eq!(entries[0]["action"], "client.create");
        assert_eq!(entries[0]["changes"]["email"]["after"], client["email"], "the entry is the client's own");
    }

    // Duplicates against the database: fail (exit 7) listing them, skip, update.
    sales
        .run(&["clients", "import", &sheet])
        .assert()
        .code(7)
        .stderr(contains("line 2: ana@import.test is already client").and(contains("line 4: cid@import.test")));
    let skipped = sales.json(&["clients", "import", &sheet, "--on-duplicate", "skip"]);
    assert_eq!((skipped["created"].as_u64(), skipped["skipped"].as_array().map(Vec::len)), (Some(0), Some(3)));
    let renamed =
        file(&dir, "renamed.csv", b"first_name,last_name,email,company\nAnabel,Lopez,ANA@import.test,New Co\n");
    let updated = sales.json(&["clients", "import", &renamed, "--on-duplicate", "update"]);
    assert_eq!(updated["updated"], 1);
    let ana = sales.json(&["clients", "list", "--search", "ana@import.test"]);
    assert_eq!(ana["items"][0]["first_name"], "Anabel");
    assert_eq!(ana["items"][0]["company_name"], "New Co");

    // Every bad line by number, nothing written.
    let long = "x".repeat(10_000);
    let bad = file(
        &dir,
        "bad.csv",
        format!(
            "first_name,last_name,email,company_name\r\nDee,Ok,dee@import.test,\"Two\r\nlines\"\r\nEve,Bad,no-at.io,\r\n{long},Long,long@import.test,\r\n,Empty,empty@import.test,\r\n"
        )
        .as_bytes(),
    );
    sales.run(&["clients", "import", &bad]).assert().code(5).stderr(
        contains("4 of 4 lines")
            .and(contains("line 2: The company name contains control characters"))
            .and(contains("line 4: \"no-at.io\" is not an email address"))
            .and(contains("line 5: The first name is too long (10000 characters)"))
            .and(contains("line 6: The first name is empty")),
    );
    let twice =
        file(&dir, "twice.csv", b"first_name,last_name,email\nFay,One,fay@import.test\nFay,Two,FAY@Import.test\n");
    sales
        .run(&["clients", "import", &twice])
        .assert()
        .code(7)
        .stderr(contains("line 3: FAY@Import.test is also on line 2"));
    for (name, bytes, expected) in [
        ("empty.csv", &b""[..], "is empty: expected a header row naming the client columns"),
        ("header.csv", b"first_name,last_name,email\n", "has a header but no clients"),
        (
            "unknown.csv",
            b"first_name,last_name,email,shoe_size\nA,B,a@b.io,42\n",
            "unknown column \"shoe_size\": the client columns are first_name, last_name, email, phone, company_name",
        ),
        ("missing.csv", b"first_name,email\nA,a@b.io\n", "lacks the required column last_name"),
        (
            "latin1.csv",
            b"first_name,last_name,email\nGus,Ok,gus@import.test\nH\xe9l\xe8ne,Roy,helene@import.test\n",
            "line 3: the first_name cell is not UTF-8",
        ),
    ] {
        let path = file(&dir, name, bytes);
        sales.run(&["clients", "import", &path]).assert().code(5).stderr(contains(expected));
    }
    assert_eq!(count(&manager, &["clients", "list"]), before + 3, "no failed import wrote anything");

    // Who may: SUPPORT never; MANAGEMENT for a salesperson they name.
    support.run(&["clients", "import", &sheet]).assert().code(4).stderr(contains("SUPPORT cannot import clients"));
    let theirs = file(&dir, "theirs.csv", b"first_name,last_name,email\nIvy,Tan,ivy@import.test\n");
    manager.run(&["clients", "import", &theirs]).assert().code(2).stderr(contains("--sales EMPLOYEE_ID"));
    manager
        .run(&["clients", "import", &theirs, "--sales", &support_id])
        .assert()
        .code(5)
        .stderr(contains("not an active SALES employee"));
    sales.run(&["clients", "import", &theirs, "--sales", &support_id]).assert().code(4);
    // MANAGEMENT's import for a salesperson (in team mode through the
    // database's own import function), audited as the manager's.
    let created = manager.json(&["clients", "import", &theirs, "--sales", &sales_id]);
    assert_eq!(created["created"], 1);
    let ivy = manager.json(&["clients", "list", "--search", "ivy@import.test"]);
    assert_eq!(ivy["items"][0]["sales_contact_id"].as_i64().map(|id| id.to_string()), Some(sales_id));
    let trail = manager.json(&["audit", "list", "--record", &format!("client:{}", ivy["items"][0]["id"])]);
    assert_eq!(trail["items"][0]["action"], "client.create");
    assert_eq!(trail["items"][0]["actor_id"], manager.json(&["whoami"])["id"], "the manager imported it");
}

#[test]
fn spreadsheets_of_clients_by_department() {
    let office = Home::new();
    office.command(&["demo", "seed", "--clients", "15"]).assert().success();
    clients_by_department(&format!("sqlite://{}", office.default_database().display()));
}

fn staff(database: &str) {
    let dir = tempfile::tempdir().expect("temp");
    let manager = Person::login(database, "manager@demo.test");
    let sales = Person::login(database, "sales@demo.test");
    let sheet = file(
        &dir,
        "staff.csv",
        b"email,password,department,phone\nkim.lee@staff.test,,SALES,+44 20 7946 0958\nraj.patel@staff.test,Orbit-Lantern-42,support,\n",
    );
    sales.run(&["employees", "import", &sheet]).assert().code(4);
    let imported = manager.json(&["employees", "import", &sheet]);
    let items = imported["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!((items[0]["first_name"].as_str(), items[0]["last_name"].as_str()), (Some("Kim"), Some("Lee")));
    assert_eq!(items[1]["department"], "SUPPORT");
    assert_eq!(items[1]["one_time_password"], serde_json::Value::Null, "a given password is not printed");
    let generated = items[0]["one_time_password"].as_str().expect("a generated password").to_owned();
    assert_eq!(generated.chars().count(), 16);
    // Imported accounts change their password first.
    let kim = Home::new();
    kim.command(&["--database", database, "login", "--email", "kim.lee@staff.test", "--password-stdin"])
        .write_stdin(format!("{generated}\n"))
        .assert()
        .success()
        .stdout(contains("must be changed"));
    kim.command(&["--database", database, "whoami"]).assert().code(3).stderr(contains("epic-crm password"));

    // All or nothing, every bad line by number.
    let bad = file(
        &dir,
        "bad.csv",
        b"email,password,department,first_name,last_name\nok.one@staff.test,Orbit-Lantern-42,SALES,Ok,One\nkim.lee@staff.test,,SALES,Kim,Again\nbad,,SALES,A,B\nweak@staff.test,password,SUPPORT,W,K\nnew@staff.test,,JANITOR,N,W\n",
    );
    manager.run(&["employees", "import", &bad]).assert().code(5).stderr(
        contains("line 4: \"bad\" is not an email address")
            .and(contains("line 5: This password is among the most common ones"))
            .and(contains("line 6: The department is")),
    );
    let taken =
        file(&dir, "taken.csv", b"email,password,department\nok.one@staff.test,,SALES\nKIM.LEE@staff.test,,SALES\n");
    manager
        .run(&["employees", "import", &taken])
        .assert()
        .code(7)
        .stderr(contains("line 3: KIM.LEE@staff.test is already employee"));
    let search = manager.json(&["employees", "list", "--search", "ok.one@staff.test"]);
    assert_eq!(search["items"].as_array().map(Vec::len), Some(0), "nothing of a failed import was written");
}

#[test]
fn a_staff_spreadsheet() {
    let office = Home::new();
    office.command(&["demo", "seed", "--clients", "5"]).assert().success();
    staff(&format!("sqlite://{}", office.default_database().display()));
}

#[test]
fn postgres_spreadsheets_in_team_mode() {
    let Some(team) = TeamDatabase::new("imports", 15) else { return };
    clients_by_department(&team.app_url);
    staff(&team.app_url);
}
