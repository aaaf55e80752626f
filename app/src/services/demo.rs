//! Demo data: a realistic, reproducible company (employees, clients,
//! contracts, events) generated from the name lists in `assets/demo/`, with
//! known demo logins.  Fast enough for a million clients.

use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::Value;

use crate::config::DatabaseTarget;
use crate::domain::Department;
use crate::domain::time::{DAY_MS, now_ms};
use crate::error::Failure;
use crate::store::bulk::BulkLoad;
use crate::store::schema;
use crate::store::transfer::{CONTRACT_COLUMNS, EMPLOYEE_COLUMNS, EVENT_COLUMNS};

/// The client columns the demo fills, in the order of its values; a column
/// it does not name takes the schema's default.
const CLIENT_COLUMNS: [&str; 11] = [
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company_name",
    "sales_contact_id",
    "created_at",
    "updated_at",
    "last_contact_at",
    "version",
];
use crate::store::{Backend, Store};

/// The password of every demo login.
pub const DEMO_PASSWORD: &str = "EpicDemo-2026";
/// The demo logins, one per department.
pub const DEMO_LOGINS: [(&str, Department); 3] = [
    ("manager@demo.test", Department::Management),
    ("sales@demo.test", Department::Sales),
    ("support@demo.test", Department::Support),
];
/// Default number of clients.
pub const DEFAULT_CLIENTS: u64 = 1_000;
/// Most clients a seed may ask for.
pub const MAX_CLIENTS: u64 = 5_000_000;

const FIRST_NAMES: &str = include_str!("../../../assets/demo/first_names.txt");
const LAST_NAMES: &str = include_str!("../../../assets/demo/last_names.txt");
const COMPANIES: &str = include_str!("../../../assets/demo/companies.txt");
const CITIES: &str = include_str!("../../../assets/demo/cities.txt");
const VENUES: &str = include_str!("../../../assets/demo/venues.txt");
const EVENT_KINDS: &str = include_str!("../../../assets/demo/event_kinds.txt");
const NOTES: &str = include_str!("../../../assets/demo/notes.txt");

/// Rows generated per bulk statement batch, bounding memory use.
const BATCH_ROWS: usize = 20_000;
/// Months of history and of future the dates spread over.
const SPREAD_MS: i64 = 183 * DAY_MS;
/// The first clients all belong to sales@demo.test.
const DEMO_SALES_CLIENTS: u64 = 30;

/// What to seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedOptions {
    /// Number of clients (contracts and events are twice as many).
    pub clients: u64,
    /// Random seed: the same seed gives the same company.
    pub seed: u64,
    /// Delete the records already there instead of refusing.
    pub replace: bool,
}

/// What a seed wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedReport {
    pub employees: u64,
    pub clients: u64,
    pub contracts: u64,
    pub unsigned_contracts: u64,
    pub unpaid_contracts: u64,
    pub events: u64,
    pub events_without_support: u64,
    /// Wall-clock time of the whole seed.
    pub elapsed: Duration,
}

struct Lists {
    first: Vec<&'static str>,
    last: Vec<&'static str>,
    companies: Vec<&'static str>,
    cities: Vec<&'static str>,
    venues: Vec<&'static str>,
    kinds: Vec<&'static str>,
    notes: Vec<&'static str>,
}

fn lines(text: &'static str) -> Vec<&'static str> {
    text.lines().map(str::trim).filter(|line| !line.is_empty()).collect()
}

fn pick<'a>(rng: &mut ChaCha8Rng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// Lower-case ASCII letters and digits of a name, for email addresses.
fn email_part(name: &str) -> String {
    name.chars()
        .filter_map(|ch| {
            let plain = match ch {
                'à' | 'á' | 'â' | 'ä' | 'ã' => 'a',
                'ç' => 'c',
                'è' | 'é' | 'ê' | 'ë' => 'e',
                'ì' | 'í' | 'î' | 'ï' => 'i',
                'ñ' => 'n',
                'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
                'ù' | 'ú' | 'û' | 'ü' => 'u',
                'É' => 'e',
                'Ö' => 'o',
                'Ü' => 'u',
                other => other.to_ascii_lowercase(),
            };
            plain.is_ascii_alphanumeric().then_some(plain)
        })
        .collect()
}

fn phone(rng: &mut ChaCha8Rng) -> Option<String> {
    match rng.random_range(0..20) {
        0..=9 => Some(format!(
            "+33 6 {:02} {:02} {:02} {:02}",
            rng.random_range(0..100),
            rng.random_range(0..100),
            rng.random_range(0..100),
            rng.random_range(0..100)
        )),
        10..=13 => Some(format!("+44 20 7946 {:04}", rng.random_range(0..10_000))),
        14..=17 => Some(format!("+1-202-555-{:04}", rng.random_range(0..10_000))),
        _ => None,
    }
}

/// Seeds the database.  Refuses a database that already holds records
/// unless `replace` is set.
pub async fn seed(target: &DatabaseTarget, options: &SeedOptions) -> Result<SeedReport, Failure> {
    if options.clients == 0 || options.clients > MAX_CLIENTS {
        return Err(Failure::invalid(format!(
            "--clients must be between 1 and {MAX_CLIENTS}, not {}.",
            options.clients
        )));
    }
    let started = Instant::now();
    let store = Store::open(target).await?;
    schema::migrate(&store).await?;
    if schema::holds_records(&store).await? {
        if !options.replace {
            return Err(Failure::invalid(format!(
                "The database {} already holds records: add --replace to delete them and seed anew.",
                target.describe()
            )));
        }
        schema::reset(&store).await?;
    }
    // The load needs the database to itself.
    store.close().await?;
    let mut report = write_company(target, options).await?;
    let store = Store::open(target).await?;
    schema::analyze(&store).await?;
    store.close().await?;
    report.elapsed = started.elapsed();
    Ok(report)
}

async fn write_company(target: &DatabaseTarget, options: &SeedOptions) -> Result<SeedReport, Failure> {
    let lists = Lists {
        first: lines(FIRST_NAMES),
        last: lines(LAST_NAMES),
        companies: lines(COMPANIES),
        cities: lines(CITIES),
        venues: lines(VENUES),
        kinds: lines(EVENT_KINDS),
        notes: lines(NOTES),
    };
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    // Dates are relative to the start of today (UTC), so one seed gives the
    // same company all day long.
    let today = now_ms() / DAY_MS * DAY_MS;
    let password_hash = Argon2::default()
        .hash_password(DEMO_PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
        .map_err(|err| Failure::unexpected(format!("Cannot hash the demo password: {err}.")))?
        .to_string();

    let phase = Instant::now();
    let mut load = BulkLoad::begin(
        target,
        &["employees", "credentials", "clients", "contracts", "events", "contract_totals", "event_days"],
    )
    .await?;
    let mut totals = RunningTotals::default();
    let employees = seed_employees(&mut load, &lists, &mut rng, options.clients, today, &password_hash).await?;
    tracing::info!(elapsed_ms = phase.elapsed().as_millis() as u64, "seeded employees");
    let mut report = SeedReport {
        employees: employees.count,
        clients: options.clients,
        contracts: 0,
        unsigned_contracts: 0,
        unpaid_contracts: 0,
        events: 0,
        events_without_support: 0,
        elapsed: Duration::ZERO,
    };
    let signed = seed_clients_and_contracts(
        &mut load,
        &lists,
        &mut rng,
        options.clients,
        today,
        &employees,
        &mut report,
        &mut totals,
    )
    .await?;
    tracing::info!(elapsed_ms = phase.elapsed().as_millis() as u64, "seeded clients and contracts");
    seed_events(&mut load, &lists, &mut rng, options.clients * 2, today, &employees, &signed, &mut report, &mut totals)
        .await?;
    totals.write(&mut load).await?;
    tracing::info!(elapsed_ms = phase.elapsed().as_millis() as u64, "seeded events");
    load.commit().await?;
    tracing::info!(elapsed_ms = phase.elapsed().as_millis() as u64, "rebuilt indexes and committed");
    Ok(report)
}

/// The running totals migration 0004's triggers keep, computed while the
/// rows are made: a bulk load turns those triggers off, and one pass
/// here is cheaper than re-reading millions of rows afterwards.
#[derive(Default)]
struct RunningTotals {
    /// Per sales contact (0: none): contracts, unsigned, unpaid, signed
    /// cents, unsigned cents, outstanding cents.
    contracts: std::collections::BTreeMap<i64, [i64; 6]>,
    /// Per UTC day: events, events without support.
    days: std::collections::BTreeMap<i64, [i64; 2]>,
}

impl RunningTotals {
    fn contract(&mut self, sales_contact: Option<i64>, signed: bool, total: i64, due: i64) {
        let row = self.contracts.entry(sales_contact.unwrap_or(0)).or_default();
        row[0] += 1;
        row[1] += i64::from(!signed);
        row[2] += i64::from(due > 0);
        row[3] += if signed { total } else { 0 };
        row[4] += if signed { 0 } else { total };
        row[5] += due;
    }

    fn event(&mut self, start: i64, support: Option<i64>) {
        // Truncating division, as the database's `start_at / 86400000`.
        let row = self.days.entry(start / DAY_MS).or_default();
        row[0] += 1;
        row[1] += i64::from(support.is_none());
    }

    /// Writes the totals when the load's triggers did not.
    async fn write(self, load: &mut BulkLoad) -> Result<(), Failure> {
        if !load.defers_triggers() {
            return Ok(());
        }
        let mut values = Vec::with_capacity(self.contracts.len() * 7);
        for (key, row) in self.contracts {
            values.push(Value::from(key));
            values.extend(row.map(Value::from));
        }
        let columns = [
            "sales_contact_id",
            "contracts",
            "unsigned",
            "unpaid",
            "signed_cents",
            "unsigned_cents",
            "outstanding_cents",
        ];
        load.insert("contract_totals", &columns, values).await?;
        let mut values = Vec::with_capacity(self.days.len() * 3);
        for (day, row) in self.days {
            values.push(Value::from(day));
            values.extend(row.map(Value::from));
        }
        load.insert("event_days", &["day", "events", "without_support"], values).await?;
        Ok(())
    }
}

struct Staff {
    count: u64,
    manager: i64,
    sales: Vec<i64>,
    support: Vec<i64>,
}

async fn seed_employees(
    load: &mut BulkLoad,
    lists: &Lists,
    rng: &mut ChaCha8Rng,
    clients: u64,
    today: i64,
    password_hash: &str,
) -> Result<Staff, Failure> {
    let count = (clients / 200).max(12);
    let mut staff = Staff { count, manager: 1, sales: Vec::new(), support: Vec::new() };
    let mut values = Vec::with_capacity(count as usize * EMPLOYEE_COLUMNS.len());
    let mut credentials = Vec::with_capacity(count as usize);
    for index in 0..count {
        let id = index as i64 + 1;
        let first = pick(rng, &lists.first);
        let last = pick(rng, &lists.last);
        let (email, department) = match DEMO_LOGINS.get(index as usize) {
            Some((email, department)) => (email.to_string(), *department),
            None => {
                let department = match index % 5 {
                    0 => Department::Management,
                    1 | 2 => Department::Sales,
                    _ => Department::Support,
                };
                (format!("{}.{}.{id}@epic-events.test", email_part(first), email_part(last)), department)
            }
        };
        // The last employee, and one in forty, left the company: their
        // clients are the ones "without an active sales contact".
        let leaver = index >= 3 && (index == count - 1 || index % 40 == 39);
        let department = if index == count - 1 { Department::Sales } else { department };
        match department {
            Department::Management => {}
            Department::Sales => staff.sales.push(id),
            Department::Support if !leaver => staff.support.push(id),
            Department::Support => {}
        }
        let created = today - SPREAD_MS * 2 + rng.random_range(0..SPREAD_MS);
        values.extend([
            Value::from(id),
            Value::from(first.to_owned()),
            Value::from(last.to_owned()),
            Value::from(email),
            Value::from(phone(rng)),
            Value::from(department.id()),
            Value::from(!leaver),
            Value::from(leaver.then_some(today - DAY_MS * 3)),
            Value::from(false),
            Value::from(created),
            Value::from(created),
            Value::from(1i64),
        ]);
        credentials.push((id, created));
    }
    load.insert("employees", &EMPLOYEE_COLUMNS, values).await?;
    write_credentials(load, &credentials, password_hash).await?;
    Ok(staff)
}

/// Every demo login's password verifier: the PHC string on SQLite; in
/// PostgreSQL team mode the salt and costs of that same hash and SHA-256
/// of its derived key (the database authority's form, migration 0005).
async fn write_credentials(load: &mut BulkLoad, employees: &[(i64, i64)], password_hash: &str) -> Result<(), Failure> {
    let mut values = Vec::with_capacity(employees.len() * 7);
    match load.backend() {
        Backend::Sqlite => {
            for (id, created) in employees {
                values.extend([Value::from(*id), Value::from(password_hash.to_owned()), Value::from(*created)]);
            }
            load.insert("credentials", &["employee_id", "password_hash", "updated_at"], values).await?;
        }
        Backend::Postgres => {
            let verifier = crate::auth::password::Verifier::from_stored(password_hash)
                .ok_or_else(|| Failure::unexpected("Cannot read the demo password's hash."))?;
            let cost = |value: u32| i32::try_from(value).unwrap_or(i32::MAX);
            for (id, created) in employees {
                values.extend([
                    Value::from(*id),
                    Value::from(verifier.salt.clone()),
                    Value::from(cost(verifier.m_cost)),
                    Value::from(cost(verifier.t_cost)),
                    Value::from(cost(verifier.p_cost)),
                    Value::from(verifier.digest.clone()),
                    Value::from(*created),
                ]);
            }
            let columns = ["employee_id", "salt", "m_cost", "t_cost", "p_cost", "verifier", "updated_at"];
            load.insert("credentials", &columns, values).await?;
        }
    }
    Ok(())
}

/// Writes the clients and two contracts each; returns the signed
/// contracts with their signing time (events only go on those).
#[allow(clippy::too_many_arguments)]
async fn seed_clients_and_contracts(
    load: &mut BulkLoad,
    lists: &Lists,
    rng: &mut ChaCha8Rng,
    clients: u64,
    today: i64,
    staff: &Staff,
    report: &mut SeedReport,
    totals: &mut RunningTotals,
) -> Result<Vec<(i64, i64)>, Failure> {
    let demo_sales = 2;
    let mut signed = Vec::with_capacity((clients as f64 * 1.5) as usize);
    let mut client_values = Vec::with_capacity(BATCH_ROWS * CLIENT_COLUMNS.len());
    let mut contract_values = Vec::with_capacity(BATCH_ROWS * 2 * CONTRACT_COLUMNS.len());
    for index in 0..clients {
        let id = index as i64 + 1;
        let first = pick(rng, &lists.first);
        let last = pick(rng, &lists.last);
        let company = pick(rng, &lists.companies);
        let sales_contact = if index < DEMO_SALES_CLIENTS {
            Some(demo_sales)
        } else if rng.random_range(0..100) == 0 {
            None
        } else {
            Some(staff.sales[rng.random_range(0..staff.sales.len())])
        };
        let created = today - rng.random_range(0..SPREAD_MS);
        let updated = created + rng.random_range(0..=(today - created));
        let company_name = (rng.random_range(0..10) != 0).then(|| company.to_owned());
        let domain = company_name.as_deref().map(email_part).filter(|d| !d.is_empty()).unwrap_or_else(|| "mail".into());
        client_values.extend([
            Value::from(id),
            Value::from(first.to_owned()),
            Value::from(last.to_owned()),
            Value::from(format!("{}.{}.{id}@{domain}.test", email_part(first), email_part(last))),
            Value::from(phone(rng)),
            Value::from(company_name),
            Value::from(sales_contact),
            Value::from(created),
            Value::from(updated),
            Value::from(Some(updated)),
            Value::from(1i64),
        ]);
        for n in 0..2 {
            let contract_id = id * 2 - 1 + n;
            let total = rng.random_range(10..=1000i64) * 50 * 100;
            let roll = rng.random_range(0..100);
            // The first demo clients get one unsigned and one part-paid
            // contract each, whatever the seed.
            let (is_signed, due) = if index < 5 {
                if n == 0 { (false, total) } else { (true, total / 2) }
            } else if roll < 30 {
                (false, total)
            } else if roll < 40 {
                (true, rng.random_range(1..total))
            } else {
                (true, 0)
            };
            let contract_created = created + rng.random_range(0..=(today - created));
            let signed_at = is_signed.then(|| contract_created + rng.random_range(0..=(today - contract_created)));
            if let Some(at) = signed_at {
                signed.push((contract_id, at));
            }
            totals.contract(sales_contact, is_signed, total, due);
            report.contracts += 1;
            report.unsigned_contracts += u64::from(!is_signed);
            report.unpaid_contracts += u64::from(due > 0);
            contract_values.extend([
                Value::from(contract_id),
                Value::from(id),
                Value::from(sales_contact),
                Value::from(total),
                Value::from(due),
                Value::from(is_signed),
                Value::from(signed_at),
                Value::from(is_signed.then_some(sales_contact.unwrap_or(staff.manager))),
                Value::from(contract_created),
                Value::from(signed_at.unwrap_or(contract_created)),
                Value::from(1i64),
            ]);
        }
        if client_values.len() >= BATCH_ROWS * CLIENT_COLUMNS.len() {
            load.insert("clients", &CLIENT_COLUMNS, std::mem::take(&mut client_values)).await?;
            load.insert("contracts", &CONTRACT_COLUMNS, std::mem::take(&mut contract_values)).await?;
        }
    }
    load.insert("clients", &CLIENT_COLUMNS, client_values).await?;
    load.insert("contracts", &CONTRACT_COLUMNS, contract_values).await?;
    Ok(signed)
}

#[allow(clippy::too_many_arguments)]
async fn seed_events(
    load: &mut BulkLoad,
    lists: &Lists,
    rng: &mut ChaCha8Rng,
    events: u64,
    today: i64,
    staff: &Staff,
    signed: &[(i64, i64)],
    report: &mut SeedReport,
    totals: &mut RunningTotals,
) -> Result<(), Failure> {
    let demo_support = 3;
    let mut values = Vec::with_capacity(BATCH_ROWS * EVENT_COLUMNS.len());
    for index in 0..events {
        let id = index as i64 + 1;
        // The first events are on the first (demo) clients' contracts and
        // upcoming: twelve for support@demo.test and four with no support.
        let forced = index < 16;
        let (contract_id, signed_at) = if forced {
            signed[index as usize % signed.len().min(5)]
        } else {
            signed[rng.random_range(0..signed.len())]
        };
        let start = if forced {
            today + DAY_MS * (index as i64 + 2) + 10 * 3_600_000
        } else {
            (today + rng.random_range(-SPREAD_MS..SPREAD_MS)) / 1_800_000 * 1_800_000
        };
        let support = if index < 12 {
            Some(demo_support)
        } else if index < 16 || rng.random_range(0..4) == 0 {
            None
        } else {
            Some(staff.support[rng.random_range(0..staff.support.len())])
        };
        totals.event(start, support);
        report.events += 1;
        report.events_without_support += u64::from(support.is_none());
        let end = start + rng.random_range(2..=48i64) * 3_600_000;
        let created = signed_at.min(start);
        let name = format!("{} {}", pick(rng, &lists.last), pick(rng, &lists.kinds));
        let location = format!("{}, {}", pick(rng, &lists.venues), pick(rng, &lists.cities));
        let notes = (rng.random_range(0..10) < 7).then(|| pick(rng, &lists.notes).to_owned());
        values.extend([
            Value::from(id),
            Value::from(name),
            Value::from(contract_id),
            Value::from(support),
            Value::from(start),
            Value::from(end),
            Value::from(Some(location)),
            Value::from(rng.random_range(10..=500i32)),
            Value::from(notes),
            Value::from(created),
            Value::from(created),
            Value::from(1i64),
        ]);
        if values.len() >= BATCH_ROWS * EVENT_COLUMNS.len() {
            load.insert("events", &EVENT_COLUMNS, std::mem::take(&mut values)).await?;
        }
    }
    load.insert("events", &EVENT_COLUMNS, values).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_parts_are_plain_ascii() {
        assert_eq!(email_part("Chloé"), "chloe");
        assert_eq!(email_part("O'Brien"), "obrien");
        assert_eq!(email_part("Müller Bau"), "mullerbau");
    }

    #[test]
    fn name_lists_are_not_empty() {
        for text in [FIRST_NAMES, LAST_NAMES, COMPANIES, CITIES, VENUES, EVENT_KINDS, NOTES] {
            assert!(lines(text).len() >= 5);
        }
    }
}
