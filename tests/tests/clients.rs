//! Clients from the command line: the real binary, its output formats and
//! exit codes.

use epic_crm_tests::Home;
use predicates::prelude::*;
use predicates::str::contains;

#[test]
fn clients_from_the_command_line() {
    let home = Home::new();
    home.command(&["demo", "seed", "--clients", "30"]).assert().success();
    home.command(&["clients", "list"]).assert().code(3).stderr(contains("not logged in"));
    home.command(&["login", "--email", "sales@demo.test", "--password-stdin"])
        .write_stdin("EpicDemo-2026\n")
        .assert()
        .success();
    let create = [
        "--format",
        "json",
        "clients",
        "create",
        "--first-name",
        "Léa",
        "--last-name",
        "Dubois",
        "--email",
        "lea@example.com",
        "--phone",
        "+33 6 12 34 56 78",
        "--company",
        "=1+1",
    ];
    let output = home.command(&create).assert().success().get_output().stdout.clone();
    let client: serde_json::Value = serde_json::from_slice(&output).expect("json");
    let id = client["id"].as_i64().expect("id").to_string();
    assert_eq!(client["company_name"], "=1+1", "stored exactly");
    home.command(&create).assert().code(7).stderr(contains("A client with this email already exists."));
    home.command(&["--format", "csv", "clients", "list", "--search", "dubois"])
        .assert()
        .success()
        .stdout(contains("'=1+1").and(contains(",+33612345678,")));
    let listed = home.command(&["--format", "json", "clients", "list", "--mine", "--limit", "2"]).assert().success();
    let page: serde_json::Value = serde_json::from_slice(&listed.get_output().stdout).expect("json");
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    let next = page["next"].as_str().expect("a next cursor").to_owned();
    home.command(&["clients", "list", "--mine", "--limit", "2", "--after", &next]).assert().success();
    home.command(&["clients", "list", "--sort", "password"]).assert().code(2).stderr(contains("sortable fields"));
    home.command(&["clients", "update", &id, "--phone", "call me"]).assert().code(5).stderr(contains("phone"));
    home.command(&["clients", "update", &id, "--company", "Dubois SA", "--expect-version", "7"]).assert().code(7);
    home.command(&["clients", "update", &id, "--company", "Dubois SA", "--expect-version", "1"])
        .assert()
        .success()
        .stdout(contains("Dubois SA"));
    home.command(&["clients", "reassign", &id, "--sales", "2"]).assert().code(4);
    home.command(&["clients", "show", "999999"]).assert().code(6);
    let table = home.command(&["clients", "list", "--all"]).assert().success().get_output().stdout.clone();
    let table = String::from_utf8(table).expect("utf-8");
    assert_eq!(table.lines().count(), 32, "header + 31 clients, no paging hint");
    assert!(table.lines().all(|line| line.chars().count() <= 80), "fits 80 columns:\n{table}");
    // Refusals print nothing on stdout; with --format json, the error is an object on stderr.
    let refused = home.command(&["--format", "json", "audit", "list"]).assert().code(4);
    let output = refused.get_output();
    assert!(output.stdout.is_empty(), "nothing on stdout");
    let error: serde_json::Value = serde_json::from_slice(&output.stderr).expect("json error");
    assert_eq!(error["error"]["code"], "permission_denied");
    for list in [["contracts", "list"], ["events", "list"], ["employees", "list"]] {
        let table = home.command(&["--format", "table", list[0], list[1], "--all"]).assert().success();
        let table = String::from_utf8(table.get_output().stdout.clone()).expect("utf-8");
        assert!(table.lines().all(|line| line.chars().count() <= 80), "{list:?} fits 80 columns:\n{table}");
    }
}
