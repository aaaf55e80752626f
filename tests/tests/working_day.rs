//! The whole working day through the real binary, three people on one
//! database: sales creates a client → management creates a contract →
//! sales signs it → sales creates the event → management assigns support →
//! support updates it.  Exit codes and output checked at each step.

use epic_crm_tests::{Home, Person, TeamDatabase, id};
use predicates::prelude::*;
use predicates::str::contains;

#[test]
fn a_working_day() {
    let office = Home::new();
    office.command(&["demo", "seed", "--clients", "30"]).assert().success();
    working_day(&format!("sqlite://{}", office.default_database().display()));
}

#[test]
fn postgres_a_working_day() {
    let Some(team) = TeamDatabase::new("working_day", 30) else { return };
    working_day(&team.app_url);
}

fn working_day(database: &str) {
    let database = database.to_owned();
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

    // Support was told; management reads the trail; sales may not.
    support
        .run(&["notifications", "list", "--unread"])
        .assert()
        .success()
        .stdout(contains("You were assigned event").and(contains("Watanabe Gala")));
    support.run(&["notifications", "read"]).assert().success().stdout(contains("Marked"));
    let unread = support.json(&["notifications", "list", "--unread"]);
    assert_eq!(unread["items"].as_array().map(Vec::len), Some(0));
    sales.run(&["notifications", "list"]).assert().success();
    sales.run(&["audit", "list"]).assert().code(4).stderr(contains("MANAGEMENT"));
    let trail = manager.json(&["audit", "list", "--record", &format!("event:{event_id}")]);
    let actions: Vec<&str> =
        trail["items"].as_array().expect("items").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["event.update", "event.assign_support", "event.create"], "newest first");
    assert_eq!(trail["items"][0]["changes"]["attendees"]["after"], 120);
    manager.run(&["audit", "list", "--record", "planet:1"]).assert().code(2);

    // Management deactivates support: their next command ends the session.
    manager.run(&["employees", "deactivate", &support_id]).assert().success().stdout(contains("active:"));
    support.run(&["whoami"]).assert().code(3).stderr(contains("deactivated"));
    manager.run(&["employees", "list", "--inactive"]).assert().success().stdout(contains("inactive"));
    manager.run(&["employees", "reactivate", &support_id]).assert().success();
    support.run(&["whoami"]).assert().code(3).stderr(contains("not logged in"));
}
