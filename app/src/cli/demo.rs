//! `epic-crm demo seed [--clients N] [--seed S] [--replace]`.

use clap::Subcommand;

use super::Format;
use crate::config::DatabaseTarget;
use crate::error::Failure;
use crate::services::demo::{self, DEFAULT_CLIENTS, DEMO_LOGINS, DEMO_PASSWORD, SeedOptions};

/// Demo-data commands.
#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Create a realistic company: N clients, 2N contracts, 2N events and
    /// max(12, N/200) employees, with the demo logins.
    Seed {
        /// Number of clients.
        #[arg(long, default_value_t = DEFAULT_CLIENTS)]
        clients: u64,
        /// Random seed; the same seed gives the same data (on the same day).
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Delete the records already in the database first.
        #[arg(long)]
        replace: bool,
    },
}

pub(super) async fn run(command: DemoCommand, target: &DatabaseTarget, format: Format) -> Result<(), Failure> {
    let DemoCommand::Seed { clients, seed, replace } = command;
    let report = demo::seed(target, &SeedOptions { clients, seed, replace }).await?;
    let logins: Vec<_> = DEMO_LOGINS
        .iter()
        .map(|(email, department)| serde_json::json!({ "email": email, "department": department.code() }))
        .collect();
    match format {
        Format::Json => out!(
            "{}",
            serde_json::json!({
                "database": target.describe(),
                "employees": report.employees,
                "clients": report.clients,
                "contracts": report.contracts,
                "unsigned_contracts": report.unsigned_contracts,
                "unpaid_contracts": report.unpaid_contracts,
                "events": report.events,
                "events_without_support": report.events_without_support,
                "seconds": report.elapsed.as_secs_f64(),
                "logins": logins,
                "password": DEMO_PASSWORD,
            })
        ),
        _ => {
            out!("Seeded {} in {:.1} s:", target.describe(), report.elapsed.as_secs_f64());
            out!("  {} employees", report.employees);
            out!("  {} clients", report.clients);
            out!(
                "  {} contracts ({} unsigned, {} not fully paid)",
                report.contracts,
                report.unsigned_contracts,
                report.unpaid_contracts
            );
            out!("  {} events ({} without support)", report.events, report.events_without_support);
            out!("Demo logins (password {DEMO_PASSWORD}):");
            for (email, department) in DEMO_LOGINS {
                out!("  {email:<20} {department}");
            }
        }
    }
    Ok(())
}
