//! PRODUCT.md's permission matrix through the real binary, row by row, for
//! every department, on SQLite and on PostgreSQL in team mode (as the app
//! role): refused cells exit 4 and change nothing, allowed cells succeed.

use epic_crm_tests::{Home, Person, TeamDatabase, id};

/// Borrowed arguments from owned ones.
fn args(owned: &[String]) -> Vec<&str> {
    owned.iter().map(String::as_str).collect()
}

#[test]
fn the_matrix_on_sqlite() {
    let office = Home::new();
    office.command(&["demo", "seed", "--clients", "200"]).assert().success();
    matrix(&format!("sqlite://{}", office.default_database().display()));
}

#[test]
fn postgres_the_matrix() {
    // In team mode, as the app role: the database enforces every cell too.
    let Some(team) = TeamDatabase::new("matrix", 200) else { return };
    matrix(&team.app_url);
}

fn matrix(database: &str) {
    let manager = Person::login(database, "manager@demo.test");
    let sales = Person::login(database, "sales@demo.test");
    let support = Person::login(database, "support@demo.test");
    let sales_id = sales.expect(0, &["whoami"], None)["id"].as_i64().expect("id");
    let support_id = support.expect(0, &["whoami"], None)["id"].as_i64().expect("id").to_string();
    let others = manager.expect(0, &["clients", "list", "--all"], None);
    let other_client = others["items"]
        .as_array()
        .expect("clients")
        .iter()
        .find(|c| c["sales_contact_id"].as_i64().is_some_and(|s| s != sales_id))
        .map(id)
        .expect("a client of another salesperson");

    // Employees: MANAGEMENT only.
    let new_employee = [
        "employees",
        "create",
        "--first-name",
        "Nia",
        "--last-name",
        "New",
        "--email",
        "nia@example.com",
        "--department",
        "SUPPORT",
    ];
    sales.expect(4, &new_employee, None);
    support.expect(4, &new_employee, None);
    let nia = id(&manager.expect(0, &new_employee, None));
    for person in [&sales, &support] {
        person.expect(4, &["employees", "update", &nia, "--phone", "0612345678"], None);
        person.expect(4, &["employees", "update", &nia, "--department", "SALES"], None);
        person.expect(4, &["employees", "deactivate", &nia], None);
        person.expect(4, &["employees", "delete", &nia, "--confirm", &nia], None);
    }
    manager.expect(0, &["employees", "update", &nia, "--phone", "0612345678"], None);
    manager.expect(0, &["employees", "update", &nia, "--department", "SALES"], None);
    manager.expect(0, &["employees", "deactivate", &nia], None);
    manager.expect(0, &["employees", "reactivate", &nia], None);

    // Clients: SALES creates; own clients only; MANAGEMENT reassigns.
    let new_client = ["clients", "create", "--first-name", "Ana", "--last-name", "Silva", "--email", "ana@example.com"];
    manager.expect(4, &new_client, None);
    support.expect(4, &new_client, None);
    let client = id(&sales.expect(0, &new_client, None));
    manager.expect(4, &["clients", "update", &client, "--company", "X"], None);
    support.expect(4, &["clients", "update", &client, "--company", "X"], None);
    sales.expect(4, &["clients", "update", &other_client, "--company", "X"], None);
    sales.expect(0, &["clients", "update", &client, "--company", "Silva SA"], None);
    sales.expect(4, &["clients", "reassign", &other_client, "--sales", &sales_id.to_string()], None);
    support.expect(4, &["clients", "reassign", &other_client, "--sales", &sales_id.to_string()], None);
    manager.expect(0, &["clients", "reassign", &other_client, "--sales", &nia], None);

    // Contracts: MANAGEMENT creates and deletes; updates, payments and
    // signatures by MANAGEMENT or the client's own salesperson.
    sales.expect(4, &["contracts", "create", "--client", &client, "--total", "1000"], None);
    support.expect(4, &["contracts", "create", "--client", &client, "--total", "1000"], None);
    let contract = id(&manager.expect(0, &["contracts", "create", "--client", &client, "--total", "1000"], None));
    let others_contract =
        id(&manager.expect(0, &["contracts", "create", "--client", &other_client, "--total", "500"], None));
    support.expect(4, &["contracts", "update", &contract, "--due", "900"], None);
    support.expect(4, &["contracts", "pay", &contract, "--amount", "10"], None);
    sales.expect(4, &["contracts", "update", &others_contract, "--due", "400"], None);
    sales.expect(4, &["contracts", "pay", &others_contract, "--amount", "10"], None);
    sales.expect(4, &["contracts", "sign", &others_contract], None);
    support.expect(4, &["contracts", "sign", &contract], None);
    sales.expect(0, &["contracts", "update", &contract, "--due", "900"], None);
    manager.expect(0, &["contracts", "pay", &contract, "--amount", "100"], None);
    sales.expect(0, &["contracts", "sign", &contract], None);
    manager.expect(0, &["contracts", "sign", &others_contract], None);
    let draft = id(&manager.expect(0, &["contracts", "create", "--client", &client, "--total", "10"], None));
    sales.expect(4, &["contracts", "delete", &draft, "--confirm", &draft], None);
    support.expect(4, &["contracts", "delete", &draft, "--confirm", &draft], None);
    manager.expect(0, &["contracts", "delete", &draft, "--confirm", &draft], None);

    // Events: SALES creates for own signed contracts; MANAGEMENT or the
    // assigned support person updates; MANAGEMENT assigns.
    let new_event = |contract: &str| {
        [
            "events",
            "create",
            "--contract",
            contract,
            "--name",
            "Gala",
            "--start",
            "2027-06-01 18:00",
            "--end",
            "2027-06-01 23:00",
        ]
        .map(str::to_owned)
    };

    manager.expect(4, &args(&new_event(&contract)), None);
    support.expect(4, &args(&new_event(&contract)), None);
    sales.expect(4, &args(&new_event(&others_contract)), None);
    let event = id(&sales.expect(0, &args(&new_event(&contract)), None));
    sales.expect(4, &["events", "assign", &event, "--support", &support_id], None);
    support.expect(4, &["events", "assign", &event, "--support", &support_id], None);
    support.expect(4, &["events", "update", &event, "--attendees", "50"], None);
    manager.expect(0, &["events", "assign", &event, "--support", &support_id], None);
    sales.expect(4, &["events", "update", &event, "--attendees", "50"], None);
    support.expect(0, &["events", "update", &event, "--attendees", "50"], None);
    manager.expect(0, &["events", "update", &event, "--location", "Lisbon"], None);
    sales.expect(4, &["events", "unassign", &event], None);
    support.expect(4, &["events", "unassign", &event], None);
    manager.expect(0, &["events", "unassign", &event], None);

    // Reading: everyone reads every list; the audit trail is MANAGEMENT's.
    for person in [&manager, &sales, &support] {
        for list in ["clients", "contracts", "events", "employees"] {
            person.expect(0, &[list, "list", "--limit", "5"], None);
        }
    }
    sales.expect(4, &["audit", "list"], None);
    support.expect(4, &["audit", "list"], None);
    let trail = manager.expect(0, &["audit", "list", "--record", &format!("contract:{contract}")], None);
    assert!(trail["items"].as_array().is_some_and(|items| items.len() >= 4), "every write audited");
    filters(&manager, &sales, &support, sales_id, &support_id, &client);

    // Deleting an employee: MANAGEMENT, and only someone nothing references
    // (Nia sells to a client now).
    manager.expect(5, &["employees", "delete", &nia, "--confirm", &nia], None);
    let leaver = [
        "employees",
        "create",
        "--first-name",
        "Leo",
        "--last-name",
        "Leaver",
        "--email",
        "leo@example.com",
        "--department",
        "SALES",
    ];
    let leo = id(&manager.expect(0, &leaver, None));
    sales.expect(4, &["employees", "delete", &leo, "--confirm", &leo], None);
    manager.expect(2, &["employees", "delete", &leo], None);
    manager.expect(0, &["employees", "delete", &leo, "--confirm", &leo], None);
    manager.expect(6, &["employees", "show", &leo], None);
}

/// Every built-in filter, search and sort from the command line: each
/// returned row satisfies what was asked.
fn filters(manager: &Person, sales: &Person, support: &Person, sales_id: i64, support_id: &str, client: &str) {
    let items = |value: serde_json::Value| value["items"].as_array().expect("items").clone();
    let all = |person: &Person, args: &[&str]| {
        let mut full = args.to_vec();
        full.push("--all");
        items(person.expect(0, &full, None))
    };
    let mine = all(sales, &["clients", "list", "--mine"]);
    assert!(!mine.is_empty() && mine.iter().all(|c| c["sales_contact_id"] == sales_id));
    let orphans = all(manager, &["clients", "list", "--without-sales"]);
    assert!(orphans.iter().all(|c| c["sales_contact_id"] != sales_id));
    let found = all(manager, &["clients", "list", "--search", "silva"]);
    assert!(found.iter().any(|c| c["id"].as_i64() == client.parse().ok()));

    let unsigned = all(manager, &["contracts", "list", "--unsigned"]);
    assert!(!unsigned.is_empty() && unsigned.iter().all(|c| c["signed"] == false));
    let unpaid = all(manager, &["contracts", "list", "--unpaid"]);
    assert!(!unpaid.is_empty() && unpaid.iter().all(|c| c["amount_due"] != "0.00"));
    let own = all(sales, &["contracts", "list", "--mine", "--unsigned"]);
    assert!(own.iter().all(|c| c["sales_contact_id"] == sales_id && c["signed"] == false));
    let of_client = all(manager, &["contracts", "list", "--client", client]);
    assert!(!of_client.is_empty() && of_client.iter().all(|c| c["client_id"].as_i64() == client.parse().ok()));
    let by_due = all(manager, &["contracts", "list", "--sort", "amount_due:desc"]);
    let dues: Vec<f64> =
        by_due.iter().map(|c| c["amount_due"].as_str().expect("due").parse().expect("number")).collect();
    assert!(dues.windows(2).all(|pair| pair[0] >= pair[1]), "sorted by amount due, descending");

    let open = all(manager, &["events", "list", "--without-support"]);
    assert!(!open.is_empty() && open.iter().all(|e| e["support_contact_id"].is_null()));
    let assigned = all(support, &["events", "list", "--mine"]);
    assert!(
        !assigned.is_empty() && assigned.iter().all(|e| e["support_contact_id"].as_i64() == support_id.parse().ok())
    );
    let now = chrono_now();
    let upcoming = all(support, &["events", "list", "--mine", "--upcoming"]);
    assert!(upcoming.iter().all(|e| e["start_at"].as_str().expect("start") >= now.as_str()));
    let supported = all(manager, &["events", "list", "--support", support_id]);
    assert_eq!(supported.len(), assigned.len());
    let crowded = all(manager, &["events", "list", "--sort", "attendees:desc"]);
    let counts: Vec<i64> = crowded.iter().map(|e| e["attendees"].as_i64().expect("attendees")).collect();
    assert!(counts.windows(2).all(|pair| pair[0] >= pair[1]));

    let sellers = all(manager, &["employees", "list", "--department", "SALES"]);
    assert!(!sellers.is_empty() && sellers.iter().all(|e| e["department"] == "SALES"));
    let inactive = all(manager, &["employees", "list", "--inactive"]);
    assert!(inactive.iter().all(|e| e["active"] == false));
    manager.expect(2, &["clients", "list", "--sort", "password"], None);
}

/// Now as RFC 3339 in UTC, to compare with `start_at`.
fn chrono_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
