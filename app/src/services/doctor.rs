//! `epic-crm doctor`: checks the configuration, the connection, and on
//! PostgreSQL that team mode holds (the role, the schema, row-level
//! security, privileges, migrations), each with a fix when it does not.

use std::os::unix::fs::PermissionsExt;

use crate::config::DatabaseTarget;
use crate::store::doctor::{self, Check};
use crate::store::{Store, schema};

/// Everything doctor found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The database checked, safe to print.
    pub database: String,
    /// The checks in the order they ran.
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether every check holds.
    pub fn healthy(&self) -> bool {
        self.checks.iter().all(|check| check.ok)
    }
}

fn check(name: &'static str, ok: bool, detail: String, fix: Option<String>) -> Check {
    Check { name, ok, detail, fix: if ok { None } else { fix } }
}

/// Runs every check that applies to `target`.  `config` says where the
/// settings came from.
pub async fn run(target: &DatabaseTarget, config: String) -> Report {
    let database = target.describe();
    let mut checks = vec![check("configuration", true, config, None)];
    let store = match Store::open(target).await {
        Ok(store) => store,
        Err(err) => {
            checks.push(check(
                "connection",
                false,
                err.to_string(),
                Some(
                    "check the URL (--database, EPICCRM_DATABASE_URL or the profile), the server and the password"
                        .into(),
                ),
            ));
            return Report { database, checks };
        }
    };
    if let Err(err) = store.ping().await {
        checks.push(check("connection", false, err.to_string(), Some("check that the database is reachable".into())));
        return Report { database, checks };
    }
    checks.push(check("connection", true, format!("connected to {database}"), None));
    match target {
        DatabaseTarget::Sqlite { path } => {
            let mode = std::fs::metadata(path).map(|meta| meta.permissions().mode() & 0o777).unwrap_or(0);
            checks.push(check(
                "file",
                mode & 0o077 == 0,
                format!(
                    "{} has mode {mode:04o}; whoever can read it is trusted (the application enforces permissions)",
                    path.display()
                ),
                Some(format!("chmod 600 {}", path.display())),
            ));
            match schema::status(&store).await {
                Ok(states) => {
                    let pending = states.iter().filter(|state| !state.applied).count();
                    checks.push(check(
                        "migrations",
                        pending == 0,
                        if pending == 0 {
                            format!("all {} migrations applied", states.len())
                        } else {
                            format!("{pending} migration(s) pending")
                        },
                        Some("run `epic-crm db migrate`".into()),
                    ));
                }
                Err(err) => {
                    checks.push(check("migrations", false, err.to_string(), Some("run `epic-crm db migrate`".into())))
                }
            }
        }
        DatabaseTarget::Postgres { .. } => match doctor::postgres_checks(&store).await {
            Ok(found) => checks.extend(found),
            Err(err) => checks.push(check(
                "catalogs",
                false,
                err.to_string(),
                Some("check the role's CONNECT privilege".into()),
            )),
        },
    }
    store.close().await.ok();
    Report { database, checks }
}
