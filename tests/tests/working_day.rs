//! The whole working day through the real binary, three people on one
//! database: sales creates a client → management creates a contract →
//! sales signs it → sales creates the event → management assigns support →
//! support updates it.  Exit codes and output checked at each step.

use epic_crm_tests::Home;
use predicates::prelude::*;
use predicates::str::contains;

/// One person at their own machine, on the shared database.
struct Person {
    home: Home,
    database: String,
}

impl Person {
    fn login(database: &str, email: &str) -> Person {
        let person = Person { home: Home::new(), database: database.to_owned() };
        person.run(&["login", "--email", email, "--password-stdin"]).write_stdin("EpicDemo-2026\n").assert().success();
        person
    }

    fn run(&self, args: &[&str]) -> assert_cmd::Command {
        let mut command = self.home.command(&["--database", &self.database]);
        command.args(args);
        command
    }

    /// Runs with `--format json` and returns the printed object.
    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut full = vec!["--format", "json"];
        full.extend(args);
        let output = self.run(&full).assert().success().get_output().stdout.clone();
        serde_json::from_slice(&output).expect("json output")
    }
}

fn id(value: &serde_json::Value) -> String {
    value["id"].as_i64().expect("an id").to_string()
}

#[test]
fn a_working_day() {
    let office = Home::new();
    office.command(&["demo", "seed", "--clients", "30"]).assert().success();
    let database = format!("sqlite://{}", office.default_database().display());
    let sales = Person::login(&database, "sales@demo.test");
    let manager = Person::login(&database, "manager@demo.test");
    let support = Person::login(&database, "support@demo.test");
    let support_id = support.json(&["whoami"])["id"].as_i64().expect("id").to_string();

    // Sales creates a client.
    let client = sales.json(&[
        "clients",
        "create",
        "--first-name",
        "Kenji",
        "--last-name",
        "Watanabe",
        "--email",
        "kenji@example.com",
        "--company",
        "Watanabe Events",
    ]);
    let client_id = id(&client);
    support
        .run(&["clients", "create", "--first-name", "X", "--last-name", "Y", "--email", "x@example.com"])
        .assert()
        .code(4);

    // Management creates the contract; sales may not.
    sales.run(&["contracts", "create", "--client", &client_id, "--total", "12000"]).assert().code(4);
    let contract =
        manager.json(&["contracts", "create", "--client", &client_id, "--total", "12000.50", "--due", "12000.50"]);
    let contract_id = id(&contract);
    assert_eq!(contract["amount_due"], "12000.50");
    assert_eq!(contract["signed"], false);

    // Sales cannot create the event before signing; signs; records a payment.
    sales
        .run(&[
            "events",
            "create",
            "--contract",
            &contract_id,
            "--name",
            "Gala",
            "--start",
            "2027-05-20 19:00",
            "--end",
            "2027-05-20 23:30",
        ])
        .assert()
        .code(5)
        .stderr(contains("not signed"));
    let signed = sales.json(&["contracts", "sign", &contract_id]);
    assert_eq!(signed["signed"], true);
    let paid = sales.json(&["contracts", "pay", &contract_id, "--amount", "2000.50"]);
    assert_eq!(paid["amount_due"], "10000.00");
    sales
        .run(&["contracts", "list", "--mine", "--unpaid"])
        .assert()
        .success()
        .stdout(contains("Kenji Watanabe").and(contains("10000.00")));

    // Sales creates the event.
    let event = sales.json(&[
        "events",
        "create",
        "--contract",
        &contract_id,
        "--name",
        "Watanabe Gala",
        "--start",
        "2027-05-20 19:00",
        "--end",
        "2027-05-20 23:30",
        "--location",
        "Osaka",
        "--attendees",
        "80",
    ]);
    let event_id = id(&event);
    assert_eq!(event["support_contact_id"], serde_json::Value::Null);
    manager
        .run(&["events", "list", "--without-support", "--search", "watanabe"])
        .assert()
        .success()
        .stdout(contains("Watanabe Gala"));

    // Management assigns support; sales may not.
    sales.run(&["events", "assign", &event_id, "--support", &support_id]).assert().code(4);
    manager.run(&["events", "assign", &event_id, "--support", "1"]).assert().code(5);
    manager
        .run(&["events", "assign", &event_id, "--support", &support_id])
        .assert()
        .success()
        .stdout(contains("Watanabe Gala"));

    // Support finds it among their events and updates it.
    support.run(&["events", "list", "--mine", "--upcoming"]).assert().success().stdout(contains("Watanabe Gala"));
    let updated = support.json(&["events", "update", &event_id, "--attendees", "120", "--notes", "Vegan menu for 12."]);
    assert_eq!(updated["attendees"], 120);
    assert_eq!(updated["notes"], "Vegan menu for 12.");
    sales.run(&["events", "update", &event_id, "--attendees", "10"]).assert().code(4);
    support.run(&["events", "update", &event_id, "--attendees", "130", "--expect-version", "1"]).assert().code(7);
    support
        .run(&["--format", "csv", "events", "show", &event_id])
        .assert()
        .success()
        .stdout(contains("id,name,contract_id").and(contains("Vegan menu for 12.")));
}
