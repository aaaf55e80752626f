//! PostgreSQL team mode, tested as SECURITY.md asks: with a raw client
//! connected as the application's role, holding nothing but the connection
//! details and (sometimes) an employee's token.
//!
//! - The differential test: every action of PRODUCT.md's matrix, for every
//!   department, on a record of their own and on someone else's, decided by
//!   the application's policy and done directly in SQL; the two agree on
//!   every cell.
//! - Attacks: no token, garbage, a tampered payload, an expired token, a
//!   revoked session, a deactivated employee, reading secrets, writing the
//!   audit trail, giving a client away, assigning oneself, DDL.
//! - The database authority: lockout, rotation, reuse, expiry.
//! - `doctor` on a fresh setup and after deliberate misconfigurations.

mod common;

use epic_crm::auth::{AuthError, DatabaseAuthority, SessionAuthority};
use epic_crm::config::AuthSettings;
use epic_crm::domain::Department;
use epic_crm::domain::policy::{self, Action, Owners, Who};
use epic_crm::store::Store;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, RuntimeErr, Statement, TransactionTrait};

const DEMO_PASSWORD: &str = "EpicDemo-2026";

/// An employee logged in through the database authority.
struct Person {
    id: i64,
    department: Department,
    access: String,
    refresh: String,
}

fn settings() -> AuthSettings {
    AuthSettings::default()
}

async fn authority(db: &common::TeamDb) -> DatabaseAuthority {
    DatabaseAuthority::new(Store::open(&db.app).await.expect("open as app"), &settings()).expect("authority")
}

async fn login(db: &common::TeamDb, email: &str, password: &str) -> Person {
    let authority = authority(db).await;
    let tokens = authority.login(&email.into(), password).await.expect("login");
    let session = authority.verify(&tokens.access).await.expect("verify");
    Person { id: session.employee_id, department: session.department, access: tokens.access, refresh: tokens.refresh }
}

/// One number read as the administrator (the owner's view: everything).
async fn number(db: &common::TeamDb, sql: &str) -> i64 {
    let raw = db.raw_admin().await;
    let row = raw
        .query_one_raw(Statement::from_string(raw.get_database_backend(), sql.to_owned()))
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
        .expect("a row");
    let value = row.try_get_by_index::<i64>(0).unwrap_or_else(|err| panic!("{sql}: {err}"));
    raw.close().await.ok();
    value
}

/// The SQLSTATE of a database error.
fn sqlstate(err: &DbErr) -> Option<String> {
    match err {
        DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e)) => {
            e.as_database_error().and_then(|db| db.code()).map(|code| code.into_owned())
        }
        _ => None,
    }
}

/// What a statement did as the app role with `token` (rolled back after).
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// It ran and touched (or returned) at least one row.
    Done,
    /// It ran and touched nothing: the policies hid every row.
    Nothing,
    /// The database refused it with this SQLSTATE.
    Refused(String),
}

async fn attempt(raw: &DatabaseConnection, token: Option<&str>, sql: &str) -> Outcome {
    let tx = raw.begin().await.expect("begin");
    if let Some(token) = token {
        tx.execute_raw(Statement::from_sql_and_values(
            raw.get_database_backend(),
            "SELECT set_config('crm.access_token', $1, true)",
            [token.into()],
        ))
        .await
        .expect("set the token");
    }
    let outcome = if sql.trim_start().to_ascii_uppercase().starts_with("SELECT") {
        match tx.query_all_raw(Statement::from_string(raw.get_database_backend(), sql.to_owned())).await {
            Ok(rows) if rows.is_empty() => Outcome::Nothing,
            Ok(rows) => {
                // A count of zero is nothing seen.
                let count = rows[0].try_get_by_index::<i64>(0).ok();
                if count == Some(0) { Outcome::Nothing } else { Outcome::Done }
            }
            Err(err) => Outcome::Refused(sqlstate(&err).unwrap_or_else(|| err.to_string())),
        }
    } else {
        match tx.execute_unprepared(sql).await {
            Ok(result) if result.rows_affected() == 0 => Outcome::Nothing,
            Ok(_) => Outcome::Done,
            Err(err) => Outcome::Refused(sqlstate(&err).unwrap_or_else(|| err.to_string())),
        }
    };
    tx.rollback().await.ok();
    outcome
}

/// The records the matrix is tried on, found as the administrator.
struct Fixture {
    other_sales: i64,
    other_support: i64,
    spare: i64,
    leaver: i64,
    my_client: i64,
    other_client: i64,
    my_unsigned: i64,
    other_unsigned: i64,
    my_signed: i64,
    other_signed: i64,
    event_of_my_client: i64,
    my_event: i64,
    other_event: i64,
}

async fn fixture(db: &common::TeamDb, sales: &Person, support: &Person, manager: &Person) -> Fixture {
    let other_sales =
        number(db, &format!("SELECT min(id) FROM employees WHERE department_id = 2 AND active AND id <> {}", sales.id))
            .await;
    let other_support = number(
        db,
        &format!("SELECT min(id) FROM employees WHERE department_id = 3 AND active AND id <> {}", support.id),
    )
    .await;
    // An employee nothing refers to, made by the manager (SUPPORT).
    let raw = db.raw_app().await;
    let tx = raw.begin().await.expect("begin");
    tx.execute_raw(Statement::from_sql_and_values(
        raw.get_database_backend(),
        "SELECT set_config('crm.access_token', $1, true)",
        [manager.access.clone().into()],
    ))
    .await
    .expect("token");
    tx.execute_unprepared(
        "SELECT crm_create_employee('Spare', 'Person', 'spare.person@example.com', NULL, 3, \
         '\\x00112233445566778899aabbccddeeff'::bytea, 19456, 2, 1, \
         '\\x0101010101010101010101010101010101010101010101010101010101010101'::bytea)",
    )
    .await
    .expect("spare employee");
    tx.commit().await.expect("commit");
    let spare = number(db, "SELECT id FROM employees WHERE email = 'spare.person@example.com'").await;
    let leaver = number(db, "SELECT min(id) FROM employees WHERE NOT active").await;
    let client_of = |who: i64| format!("SELECT min(id) FROM clients WHERE sales_contact_id = {who}");
    let unsigned_of = |who: i64| {
        format!(
            "SELECT min(c.id) FROM contracts c WHERE c.sales_contact_id = {who} AND NOT c.signed AND c.due_cents > 0 \
             AND NOT EXISTS (SELECT 1 FROM events e WHERE e.contract_id = c.id)"
        )
    };
    let signed_of = |who: i64| format!("SELECT min(id) FROM contracts WHERE sales_contact_id = {who} AND signed");
    Fixture {
        other_sales,
        other_support,
        spare,
        leaver,
        my_client: number(db, &client_of(sales.id)).await,
        other_client: number(db, &client_of(other_sales)).await,
        my_unsigned: number(db, &unsigned_of(sales.id)).await,
        other_unsigned: number(db, &unsigned_of(other_sales)).await,
        my_signed: number(db, &signed_of(sales.id)).await,
        other_signed: number(db, &signed_of(other_sales)).await,
        event_of_my_client: number(
            db,
            &format!(
                "SELECT min(e.id) FROM events e JOIN contracts c ON c.id = e.contract_id \
                 WHERE c.sales_contact_id = {} AND e.support_contact_id IS NOT NULL",
                sales.id
            ),
        )
        .await,
        my_event: number(db, &format!("SELECT min(id) FROM events WHERE support_contact_id = {}", support.id)).await,
        other_event: number(
            db,
            &format!(
                "SELECT min(e.id) FROM events e JOIN contracts c ON c.id = e.contract_id \
                 WHERE e.support_contact_id = {other_support} AND c.sales_contact_id <> {}",
                sales.id
            ),
        )
        .await,
    }
}

/// Who a record belongs to, for the application's policy.
async fn owners_of(db: &common::TeamDb, kind: &str, id: i64) -> Owners {
    let sales = match kind {
        "client" => number(db, &format!("SELECT coalesce(sales_contact_id, 0) FROM clients WHERE id = {id}")).await,
        "contract" => number(db, &format!("SELECT coalesce(sales_contact_id, 0) FROM contracts WHERE id = {id}")).await,
        _ => {
            number(
                db,
                &format!(
                    "SELECT coalesce(c.sales_contact_id, 0) FROM events e JOIN contracts c ON c.id = e.contract_id \
                     WHERE e.id = {id}"
                ),
            )
            .await
        }
    };
    let support = if kind == "event" {
        Some(number(db, &format!("SELECT coalesce(support_contact_id, 0) FROM events WHERE id = {id}")).await)
    } else {
        None
    };
    Owners { sales_contact_id: Some(sales).filter(|id| *id > 0), support_contact_id: support.filter(|id| *id > 0) }
}

/// The SQL for one cell: `mine` picks the actor's own record where their
/// department can own one; `None` where the cell does not exist.
async fn cell(db: &common::TeamDb, fx: &Fixture, who: &Person, action: Action, mine: bool) -> Option<(String, Owners)> {
    use Action::*;
    let sales_owner = who.department == Department::Sales;
    // Only a salesperson owns clients and contracts; events are owned by
    // their client's salesperson and by their support contact.
    let own_or = |own: i64, others: i64| if mine { sales_owner.then_some(own) } else { Some(others) };
    let client = own_or(fx.my_client, fx.other_client);
    let unsigned = own_or(fx.my_unsigned, fx.other_unsigned);
    let signed = own_or(fx.my_signed, fx.other_signed);
    let event = match (mine, who.department) {
        (false, _) => Some(fx.other_event),
        (true, Department::Sales) => Some(fx.event_of_my_client),
        (true, Department::Support) => Some(fx.my_event),
        (true, Department::Management) => None,
    };
    let employee_only = |sql: String| if mine { None } else { Some((sql, Owners::default())) };
    match action {
        CreateEmployee => employee_only(format!(
            "SELECT crm_create_employee('Nia', 'New', 'nia.{}@example.com', NULL, 3, \
             '\\x00112233445566778899aabbccddeeff'::bytea, 19456, 2, 1, \
             '\\x0202020202020202020202020202020202020202020202020202020202020202'::bytea)",
            who.id
        )),
        UpdateEmployee => employee_only(format!(
            "UPDATE employees SET phone = '+33 1 00 00 00 00', version = version + 1 WHERE id = {}",
            fx.spare
        )),
        ChangeDepartment => employee_only(format!(
            "UPDATE employees SET department_id = 2, version = version + 1 WHERE id = {}",
            fx.spare
        )),
        DeactivateEmployee => employee_only(format!(
            "UPDATE employees SET active = false, deactivated_at = 1, version = version + 1 WHERE id = {}",
            fx.spare
        )),
        ReactivateEmployee => employee_only(format!(
            "UPDATE employees SET active = true, deactivated_at = NULL, version = version + 1 WHERE id = {}",
            fx.leaver
        )),
        DeleteEmployee => employee_only(format!("DELETE FROM employees WHERE id = {}", fx.spare)),
        // A client is always created as the creator's own.
        CreateClient => mine.then(|| {
            let sql = format!(
                "INSERT INTO clients (first_name, last_name, email, sales_contact_id, created_at, updated_at, version) \
                 VALUES ('New', 'Client', 'new.client.{}@example.com', {}, 1, 1, 1)",
                who.id, who.id
            );
            (sql, Owners::default())
        }),
        // A manager's import names the salesperson; it exists only for
        // someone else's clients (a salesperson's import is CreateClient).
        ImportClientsFor => employee_only(format!(
            "SELECT count(*) FROM crm_import_clients({}, \
             '[{{\"first_name\": \"Imported\", \"last_name\": \"Client\", \"email\": \"imported.{}@example.com\"}}]', 1)",
            fx.other_sales, who.id
        )),
        UpdateClient => {
            let client = client?;
            let sql =
                format!("UPDATE clients SET company_name = 'Renamed SA', version = version + 1 WHERE id = {client}");
            Some((sql, owners_of(db, "client", client).await))
        }
        ReassignClient => {
            let client = client?;
            let to = number(
                db,
                &format!(
                    "SELECT min(id) FROM employees WHERE department_id = 2 AND active \
                     AND id <> (SELECT sales_contact_id FROM clients WHERE id = {client})"
                ),
            )
            .await;
            let sql = format!("UPDATE clients SET sales_contact_id = {to}, version = version + 1 WHERE id = {client}");
            Some((sql, owners_of(db, "client", client).await))
        }
        CreateContract => {
            let client = client?;
            let owners = owners_of(db, "client", client).await;
            let sql = format!(
                "INSERT INTO contracts (client_id, sales_contact_id, total_cents, due_cents, created_at, updated_at, version) \
                 VALUES ({client}, {}, 100000, 100000, 1, 1, 1)",
                owners.sales_contact_id.unwrap_or(0)
            );
            Some((sql, owners))
        }
        UpdateContract => {
            let unsigned = unsigned?;
            let sql =
                format!("UPDATE contracts SET due_cents = due_cents - 1, version = version + 1 WHERE id = {unsigned}");
            Some((sql, owners_of(db, "contract", unsigned).await))
        }
        SignContract => {
            let unsigned = unsigned?;
            let sql = format!(
                "UPDATE contracts SET signed = true, signed_at = 1, signed_by_id = {}, version = version + 1 WHERE id = {unsigned}",
                who.id
            );
            Some((sql, owners_of(db, "contract", unsigned).await))
        }
        DeleteContract => {
            let unsigned = unsigned?;
            Some((format!("DELETE FROM contracts WHERE id = {unsigned}"), owners_of(db, "contract", unsigned).await))
        }
        CreateEvent => {
            let signed = signed?;
            let sql = format!(
                "INSERT INTO events (name, contract_id, start_at, end_at, attendees, created_at, updated_at, version) \
                 VALUES ('Gala', {signed}, 1, 2, 10, 1, 1, 1)"
            );
            Some((sql, owners_of(db, "contract", signed).await))
        }
        UpdateEvent => {
            let event = event?;
            let sql =
                format!("UPDATE events SET notes = 'Moved to the terrace', version = version + 1 WHERE id = {event}");
            Some((sql, owners_of(db, "event", event).await))
        }
        AssignSupport => {
            let event = event?;
            let current =
                number(db, &format!("SELECT coalesce(support_contact_id, 0) FROM events WHERE id = {event}")).await;
            let to = number(
                db,
                &format!("SELECT min(id) FROM employees WHERE department_id = 3 AND active AND id <> {current}"),
            )
            .await;
            let sql = format!("UPDATE events SET support_contact_id = {to}, version = version + 1 WHERE id = {event}");
            Some((sql, owners_of(db, "event", event).await))
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_the_database_and_the_policy_agree_on_every_cell() {
    let Some(db) = common::TeamDb::new("differential", 300).await else { return };
    let manager = login(&db, "manager@demo.test", DEMO_PASSWORD).await;
    let sales = login(&db, "sales@demo.test", DEMO_PASSWORD).await;
    let support = login(&db, "support@demo.test", DEMO_PASSWORD).await;
    let fx = fixture(&db, &sales, &support, &manager).await;
    let raw = db.raw_app().await;
    let mut cells = 0;
    let mut allowed_cells = 0;
    let mut disagreements = Vec::new();
    for person in [&manager, &sales, &support] {
        let who = Who { employee_id: person.id, department: person.department };
        for action in Action::ALL {
            for mine in [true, false] {
                let Some((sql, owners)) = cell(&db, &fx, person, action, mine).await else { continue };
                let allowed = policy::decide(who, action, owners).is_ok();
                let outcome = attempt(&raw, Some(&person.access), &sql).await;
                let done = match &outcome {
                    Outcome::Done => true,
                    Outcome::Nothing => false,
                    Outcome::Refused(code) if code == "42501" => false,
                    Outcome::Refused(other) => {
                        panic!("{action:?} by {:?}: unexpected error {other}: {sql}", person.department)
                    }
                };
                cells += 1;
                allowed_cells += usize::from(allowed);
                if allowed != done {
                    disagreements.push(format!(
                        "{action:?} by {:?} on {} record: policy {}, database {outcome:?}",
                        person.department,
                        if mine { "their own" } else { "another's" },
                        if allowed { "allows" } else { "refuses" }
                    ));
                }
            }
        }
        // Reads: every employee reads every record; the audit trail is
        // MANAGEMENT's.
        for table in ["employees", "clients", "contracts", "events", "departments", "contract_totals", "event_days"] {
            let outcome = attempt(&raw, Some(&person.access), &format!("SELECT count(*) FROM {table}")).await;
            assert_eq!(outcome, Outcome::Done, "{:?} reads {table}", person.department);
        }
        let audit = attempt(&raw, Some(&person.access), "SELECT count(*) FROM audit_entries").await;
        let expected = if person.department == Department::Management { Outcome::Done } else { Outcome::Nothing };
        assert_eq!(audit, expected, "{:?} reads the audit trail", person.department);
    }
    // 17 actions × 3 departments on another's (or no one's) record, and
    // 11 cells on a record of one's own (9 for SALES, 2 for SUPPORT); the
    // matrix allows 14 of them to MANAGEMENT, 5 to SALES, 1 to SUPPORT.
    assert_eq!((cells, allowed_cells), (62, 20), "cells run, cells allowed");
    assert!(
        disagreements.is_empty(),
        "{} of {cells} cells disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    raw.close().await.ok();
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_raw_client_cannot_get_past_its_department() {
    let Some(db) = common::TeamDb::new("attacks", 200).await else { return };
    let manager = login(&db, "manager@demo.test", DEMO_PASSWORD).await;
    let sales = login(&db, "sales@demo.test", DEMO_PASSWORD).await;
    let support = login(&db, "support@demo.test", DEMO_PASSWORD).await;
    let fx = fixture(&db, &sales, &support, &manager).await;
    let raw = db.raw_app().await;
    let refused = |outcome: Outcome, what: &str| {
        assert!(matches!(outcome, Outcome::Nothing | Outcome::Refused(_)), "{what} should be refused, got {outcome:?}");
    };

    // No token: nothing visible, nothing writable, no checked function.
    assert_eq!(attempt(&raw, None, "SELECT count(*) FROM clients").await, Outcome::Nothing);
    assert_eq!(attempt(&raw, None, "SELECT count(*) FROM employees").await, Outcome::Nothing);
    refused(
        attempt(&raw, None, &format!("UPDATE clients SET company_name = 'x' WHERE id = {}", fx.my_client)).await,
        "an update without a token",
    );
    assert_eq!(
        attempt(&raw, None, "INSERT INTO clients (first_name, last_name, email, created_at, updated_at) VALUES ('a', 'b', 'c@d.test', 1, 1)").await,
        Outcome::Refused("42501".into())
    );
    assert_eq!(
        attempt(&raw, None, "SELECT crm_unlock(1)").await,
        Outcome::Refused("42501".into()),
        "a manager's function without a token"
    );

    // Garbage, and a valid token with its payload changed.
    assert_eq!(attempt(&raw, Some("garbage"), "SELECT count(*) FROM clients").await, Outcome::Refused("28000".into()));
    assert_eq!(attempt(&raw, Some("a.b.c"), "SELECT count(*) FROM clients").await, Outcome::Refused("28000".into()));
    let parts: Vec<&str> = sales.access.split('.').collect();
    let payload = String::from_utf8(base64_url_decode(parts[1])).expect("payload");
    let forged_payload = payload.replace(&format!("\"{}\"", sales.id), &format!("\"{}\"", manager.id));
    assert_ne!(payload, forged_payload, "the subject was replaced");
    let forged = format!("{}.{}.{}", parts[0], base64_url_encode(forged_payload.as_bytes()), parts[2]);
    assert_eq!(attempt(&raw, Some(&forged), "SELECT count(*) FROM clients").await, Outcome::Refused("28000".into()));
    let unsigned = format!("{}.{}.", parts[0], parts[1]);
    assert_eq!(attempt(&raw, Some(&unsigned), "SELECT count(*) FROM clients").await, Outcome::Refused("28000".into()));
    // A refresh token is not an access token.
    assert_eq!(
        attempt(&raw, Some(&sales.refresh), "SELECT count(*) FROM clients").await,
        Outcome::Refused("28000".into())
    );

    // Secrets stay out of reach, even with a manager's token.
    for table in ["credentials", "sessions", "login_attempts", "auth_settings", "seaql_migrations_missing"] {
        if table.ends_with("_missing") {
            continue;
        }
        assert_eq!(
            attempt(&raw, Some(&manager.access), &format!("SELECT count(*) FROM {table}")).await,
            Outcome::Refused("42501".into()),
            "reading {table}"
        );
    }
    assert_eq!(
        attempt(&raw, Some(&manager.access), "SELECT crm_mint('epic-crm/access', 1, 'family-of-mine-0000', 0, 900)")
            .await,
        Outcome::Refused("42501".into()),
        "minting tokens"
    );

    // The audit trail: written by triggers only, never changed.
    assert_eq!(
        attempt(
            &raw,
            Some(&manager.access),
            "INSERT INTO audit_entries (at, actor_name, action, record_kind) VALUES (1, 'x', 'forged', 'client')"
        )
        .await,
        Outcome::Refused("42501".into())
    );
    assert_eq!(
        attempt(&raw, Some(&manager.access), "UPDATE audit_entries SET actor_name = 'nobody'").await,
        Outcome::Refused("42501".into())
    );
    assert_eq!(
        attempt(&raw, Some(&manager.access), "DELETE FROM audit_entries").await,
        Outcome::Refused("42501".into())
    );
    assert_eq!(attempt(&raw, Some(&manager.access), "TRUNCATE audit_entries").await, Outcome::Refused("42501".into()));

    // A salesperson gives their client away or creates one for a colleague;
    // support assigns themselves, or hands their event on; a manager picks a
    // salesperson as support, or unsigns a contract.
    let unassigned = number(&db, "SELECT min(id) FROM events WHERE support_contact_id IS NULL").await;
    let (other_sales, other_support) = (fx.other_sales, fx.other_support);
    let tries = [
        (&sales, format!("UPDATE clients SET sales_contact_id = {other_sales} WHERE id = {}", fx.my_client)),
        (
            &sales,
            format!(
                "INSERT INTO clients (first_name, last_name, email, sales_contact_id, created_at, updated_at) \
                 VALUES ('a', 'b', 'someone.elses@example.com', {other_sales}, 1, 1)"
            ),
        ),
        (&support, format!("UPDATE events SET support_contact_id = {} WHERE id = {unassigned}", support.id)),
        (&support, format!("UPDATE events SET support_contact_id = {other_support} WHERE id = {}", fx.my_event)),
        (&manager, format!("UPDATE events SET support_contact_id = {} WHERE id = {unassigned}", sales.id)),
        (&manager, format!("UPDATE contracts SET signed = false WHERE id = {}", fx.my_signed)),
        // A manager's import for someone who is not an active salesperson,
        // and a salesperson's through the manager's door.
        (
            &manager,
            format!(
                "SELECT count(*) FROM crm_import_clients({other_support}, \
                 '[{{\"first_name\": \"a\", \"last_name\": \"b\", \"email\": \"for.support@example.com\"}}]', 1)"
            ),
        ),
        (
            &manager,
            format!(
                "SELECT count(*) FROM crm_import_clients({}, \
                 '[{{\"first_name\": \"a\", \"last_name\": \"b\", \"email\": \"for.a.leaver@example.com\"}}]', 1)",
                fx.leaver
            ),
        ),
        (
            &sales,
            format!(
                "SELECT count(*) FROM crm_import_clients({}, \
                 '[{{\"first_name\": \"a\", \"last_name\": \"b\", \"email\": \"own.door@example.com\"}}]', 1)",
                sales.id
            ),
        ),
    ];
    for (who, sql) in &tries {
        refused(attempt(&raw, Some(&who.access), sql).await, sql);
    }

    // Clearing the token in the middle of a statement, after the policies
    // checked it: the guard and audit triggers see no session and refuse.
    let clear = "set_config('crm.access_token', '', true)";
    let midway = [
        (
            &sales,
            format!("UPDATE clients SET phone = '+33 1 11 11 11 11' WHERE id = {} RETURNING {clear}", fx.my_client),
        ),
        (
            &sales,
            format!("UPDATE contracts SET signed = ({clear} = 'x'), signed_at = NULL WHERE id = {}", fx.my_signed),
        ),
        (
            &manager,
            format!(
                "UPDATE clients SET company_name = (CASE WHEN {clear} = '' THEN 'Renamed' END) WHERE id = {}",
                fx.my_client
            ),
        ),
    ];
    for (who, sql) in &midway {
        assert_eq!(attempt(&raw, Some(&who.access), sql).await, Outcome::Refused("28000".into()), "{sql}");
    }
    // A signer only with a signature; no oracle on contracts without a session.
    refused(
        attempt(
            &raw,
            Some(&manager.access),
            &format!("UPDATE contracts SET signed_by_id = {} WHERE id = {}", manager.id, fx.my_unsigned),
        )
        .await,
        "a signer on an unsigned contract",
    );
    assert_eq!(
        attempt(&raw, None, &format!("SELECT 1 WHERE crm_may_create_event({}, NULL)", fx.my_signed)).await,
        Outcome::Nothing,
        "whether a contract is signed and whose, asked without a session"
    );
    assert!(matches!(
        attempt(
            &raw,
            None,
            &format!("SELECT crm_may_create_event(ROW({}, 2)::crm_actor, {}, NULL)", sales.id, fx.my_signed)
        )
        .await,
        Outcome::Refused(_)
    ));

    // DDL and role games.
    for ddl in [
        "CREATE TABLE crm.mine (id integer)",
        "CREATE TABLE public.mine (id integer)",
        "ALTER TABLE clients DISABLE ROW LEVEL SECURITY",
        "DROP POLICY employees_read ON clients",
        "CREATE FUNCTION crm.crm_session() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
        "CREATE TEMPORARY TABLE shadow (id integer)",
        "GRANT SELECT ON credentials TO PUBLIC",
    ] {
        assert!(
            matches!(attempt(&raw, Some(&manager.access), ddl).await, Outcome::Refused(_)),
            "DDL must be refused: {ddl}"
        );
    }
    let owner = &db.names.owner;
    assert!(matches!(attempt(&raw, None, &format!("SET ROLE \"{owner}\"")).await, Outcome::Refused(_)));

    // A revoked session, and a deactivated employee's token.
    let authority = authority(&db).await;
    let leaving = login(&db, "support@demo.test", DEMO_PASSWORD).await;
    authority.logout(&leaving.refresh).await.expect("logout");
    assert_eq!(
        attempt(&raw, Some(&leaving.access), "SELECT count(*) FROM clients").await,
        Outcome::Refused("28000".into())
    );
    assert_eq!(attempt(&raw, Some(&support.access), "SELECT count(*) FROM clients").await, Outcome::Done);
    let deactivate = format!(
        "UPDATE employees SET active = false, deactivated_at = 1, version = version + 1 WHERE id = {}",
        support.id
    );
    let tx = raw.begin().await.expect("begin");
    tx.execute_raw(Statement::from_sql_and_values(
        raw.get_database_backend(),
        "SELECT set_config('crm.access_token', $1, true)",
        [manager.access.clone().into()],
    ))
    .await
    .expect("token");
    assert_eq!(tx.execute_unprepared(&deactivate).await.expect("deactivate").rows_affected(), 1);
    tx.commit().await.expect("commit");
    assert_eq!(
        attempt(&raw, Some(&support.access), "SELECT count(*) FROM clients").await,
        Outcome::Refused("28000".into())
    );
    let refreshed = authority.refresh(&support.refresh).await.expect_err("deactivated");
    assert!(matches!(refreshed, AuthError::Deactivated), "{refreshed}");

    // What was done is in the audit trail, with who did it.
    let audited = number(
        &db,
        &format!(
            "SELECT count(*) FROM audit_entries WHERE action = 'employee.deactivate' AND actor_id = {} AND record_id = {}",
            manager.id, support.id
        ),
    )
    .await;
    assert_eq!(audited, 1, "the deactivation was audited by the trigger");
    raw.close().await.ok();
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_the_database_counts_failures_rotates_and_expires() {
    let Some(db) = common::TeamDb::new("authority", 50).await else { return };
    let authority = authority(&db).await;

    // Five failures lock an address, known or not; the message never says which.
    for address in ["manager@demo.test", "nobody@demo.test"] {
        for _ in 0..4 {
            let wrong = authority.login(&address.into(), "not-the-password").await.expect_err("wrong");
            assert!(matches!(wrong, AuthError::WrongCredentials), "{address}: {wrong}");
        }
        let locked = authority.login(&address.into(), "not-the-password").await.expect_err("locked");
        assert!(matches!(locked, AuthError::Locked { .. }), "{address}: {locked}");
        assert!(locked.to_string().contains("try again in 60 seconds"), "{locked}");
    }
    // A raw client that rolls every check back still burns its attempts:
    // each was counted by a transaction of its own before the check.
    let raw = db.raw_app().await;
    let backend = raw.get_database_backend();
    let begin = |email: &str| {
        Statement::from_sql_and_values(
            backend,
            "SELECT status, challenge, salt, m_cost, t_cost, p_cost FROM crm_login_begin($1)",
            [email.into()],
        )
    };
    for guess in 1..=6 {
        let row = raw.query_one_raw(begin("sales@demo.test")).await.expect("begin").expect("row");
        let status: String = row.try_get("", "status").expect("status");
        if guess == 6 {
            assert_eq!(status, "locked", "the sixth attempt, after five rolled-back failures");
            break;
        }
        assert_eq!(status, "ok", "attempt {guess}");
        let challenge: i64 = row.try_get("", "challenge").expect("challenge");
        let tx = raw.begin().await.expect("begin");
        tx.execute_raw(Statement::from_sql_and_values(
            backend,
            "SELECT * FROM crm_login($1, '\\x00'::bytea, 60)",
            [challenge.into()],
        ))
        .await
        .expect("check");
        tx.rollback().await.expect("rollback");
    }
    // The right key in the transaction that began the attempt is refused:
    // its count would roll back with it.
    let row = raw.query_one_raw(begin("support@demo.test")).await.expect("begin").expect("row");
    let challenge: i64 = row.try_get("", "challenge").expect("challenge");
    let salt: Vec<u8> = row.try_get("", "salt").expect("salt");
    let cost = |name: &str| row.try_get::<i32>("", name).expect("cost") as u32;
    let key =
        epic_crm::auth::password::derive_key(DEMO_PASSWORD, &salt, cost("m_cost"), cost("t_cost"), cost("p_cost"))
            .expect("key");
    let same = raw.begin().await.expect("begin");
    let row = same.query_one_raw(begin("support@demo.test")).await.expect("begin inside").expect("row");
    let inside: i64 = row.try_get("", "challenge").expect("challenge");
    let answer = same
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT status FROM crm_login($1, $2, 60)",
            [inside.into(), key.clone().into()],
        ))
        .await
        .expect("check")
        .expect("row");
    assert_eq!(answer.try_get::<String>("", "status").expect("status"), "wrong", "same transaction");
    same.rollback().await.expect("rollback");
    let answer = raw
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT status FROM crm_login($1, $2, 60)",
            [challenge.into(), key.into()],
        ))
        .await
        .expect("check")
        .expect("row");
    assert_eq!(answer.try_get::<String>("", "status").expect("status"), "ok", "a later transaction");
    raw.close().await.ok();
    let still = authority.login(&"manager@demo.test".into(), DEMO_PASSWORD).await.expect_err("locked");
    assert!(matches!(still, AuthError::Locked { .. }), "a right password does not pass a lock");
    assert_eq!(number(&db, "SELECT count(*) FROM audit_entries WHERE action = 'login.lockout'").await, 2);
    // The lock ends (moved into the past by the owner, as time would).
    db.as_owner("UPDATE login_attempts SET locked_until = 1").await;
    let first = authority.login(&"MANAGER@demo.test".into(), DEMO_PASSWORD).await.expect("unlocked");

    // Rotation, the lost-reply retry, and reuse ending the family.
    let second = authority.refresh(&first.refresh).await.expect("refresh");
    assert_ne!(second.refresh, first.refresh);
    let retried = authority.refresh(&first.refresh).await.expect("the reply was lost: retried within 10 s");
    authority.verify(&retried.access).await.expect("the retried pair works");
    let reused = authority.refresh(&second.refresh).await.expect_err("the retired pair is a copy");
    assert!(matches!(reused, AuthError::SessionEnded(ref m) if m.contains("presented twice")), "{reused}");
    assert!(authority.verify(&retried.access).await.is_err(), "the whole family ended");
    assert_eq!(number(&db, "SELECT count(*) FROM audit_entries WHERE action = 'session.reuse_detected'").await, 1);

    // Access tokens expire (3 s here — times are whole seconds, so a token
    // lives between 2 and 3 — with no leeway) and refresh.
    db.as_owner("UPDATE auth_settings SET leeway_seconds = 0").await;
    let short = DatabaseAuthority::new(
        Store::open(&db.app).await.expect("open"),
        &AuthSettings { access_token_seconds: 3, ..settings() },
    )
    .expect("authority");
    let tokens = short.login(&"manager@demo.test".into(), DEMO_PASSWORD).await.expect("login");
    short.verify(&tokens.access).await.expect("fresh");
    tokio::time::sleep(std::time::Duration::from_millis(4100)).await;
    assert!(short.verify(&tokens.access).await.is_err(), "expired");
    let raw = db.raw_app().await;
    assert_eq!(
        attempt(&raw, Some(&tokens.access), "SELECT count(*) FROM clients").await,
        Outcome::Refused("28000".into())
    );
    let renewed = short.refresh(&tokens.refresh).await.expect("refresh an expired access token");
    assert_eq!(attempt(&raw, Some(&renewed.access), "SELECT count(*) FROM clients").await, Outcome::Done);
    // No access token lives longer than the database allows (15 minutes).
    let long = DatabaseAuthority::new(
        Store::open(&db.app).await.expect("open"),
        &AuthSettings { access_token_seconds: 900, ..settings() },
    )
    .expect("authority");
    db.as_owner("UPDATE auth_settings SET max_access_seconds = 60").await;
    let capped = long.login(&"manager@demo.test".into(), DEMO_PASSWORD).await.expect("login");
    let payload: serde_json::Value =
        serde_json::from_slice(&base64_url_decode(capped.access.split('.').nth(1).expect("payload"))).expect("json");
    assert_eq!(payload["exp"].as_i64().expect("exp") - payload["iat"].as_i64().expect("iat"), 60);
    raw.close().await.ok();
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_doctor_passes_on_a_fresh_setup_and_names_what_broke() {
    let Some(db) = common::TeamDb::new("doctor", 0).await else { return };
    let report = epic_crm::services::doctor::run(&db.app, "test".into()).await;
    assert!(report.healthy(), "{:#?}", report.checks);

    // The app role made a member of the owner.
    let admin = db.raw_admin().await;
    let (owner, app) = (&db.names.owner, &db.names.app);
    admin.execute_unprepared(&format!("GRANT \"{owner}\" TO \"{app}\"")).await.expect("grant");
    let report = epic_crm::services::doctor::run(&db.app, "test".into()).await;
    let role = report.checks.iter().find(|check| check.name == "role").expect("role check");
    assert!(!role.ok && role.detail.contains("owner"), "{role:?}");
    assert!(role.fix.as_deref().is_some_and(|fix| fix.contains("app role")), "{role:?}");
    admin.execute_unprepared(&format!("REVOKE \"{owner}\" FROM \"{app}\"")).await.expect("revoke");

    // Row-level security switched off on one table.
    db.as_owner("ALTER TABLE clients NO FORCE ROW LEVEL SECURITY").await;
    let report = epic_crm::services::doctor::run(&db.app, "test".into()).await;
    let rls = report.checks.iter().find(|check| check.name == "row-level security").expect("rls check");
    assert!(!rls.ok && rls.detail.contains("clients"), "{rls:?}");
    assert!(rls.fix.as_deref().is_some_and(|fix| fix.contains("FORCE ROW LEVEL SECURITY")), "{rls:?}");
    assert_eq!(report.checks.iter().filter(|check| !check.ok).count(), 1, "{:#?}", report.checks);
    db.as_owner("ALTER TABLE clients FORCE ROW LEVEL SECURITY").await;

    // PUBLIC given a privilege; then a pending migration.
    db.as_owner("GRANT SELECT ON clients TO PUBLIC").await;
    let report = epic_crm::services::doctor::run(&db.app, "test".into()).await;
    let public = report.checks.iter().find(|check| check.name == "PUBLIC privileges").expect("public check");
    assert!(!public.ok && public.detail.contains("table clients"), "{public:?}");
    db.as_owner("REVOKE SELECT ON clients FROM PUBLIC").await;
    db.as_owner("DELETE FROM seaql_migrations WHERE version = 'm20261202_000005_team_mode'").await;
    let report = epic_crm::services::doctor::run(&db.app, "test".into()).await;
    let migrations = report.checks.iter().find(|check| check.name == "migrations").expect("migrations check");
    assert!(!migrations.ok && migrations.detail.contains("1 migration(s) pending"), "{migrations:?}");

    // The owner's own connection is no app connection.
    let report = epic_crm::services::doctor::run(&db.migrator, "test".into()).await;
    assert!(!report.healthy());
    admin.close().await.ok();
    db.finish().await;
}

fn base64_url_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).expect("base64url")
}

fn base64_url_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
