//! `epic-crm doctor`: every check with its result, and a fix for each one
//! that fails; exits 0 only when all hold.

use std::path::Path;

use super::Format;
use crate::config::DatabaseTarget;
use crate::error::{Failure, FailureKind};
use crate::services::doctor;

/// Where the settings came from, in words.
fn configuration(file: Option<&Path>) -> String {
    let file = file.map(Path::to_path_buf).or_else(crate::config::default_config_file);
    match file {
        Some(path) if path.exists() => format!("settings read from {} and EPICCRM_* variables", path.display()),
        Some(path) => format!("built-in settings and EPICCRM_* variables ({} does not exist)", path.display()),
        None => "built-in settings and EPICCRM_* variables".into(),
    }
}

pub(super) async fn run(target: &DatabaseTarget, config: Option<&Path>, format: Format) -> Result<(), Failure> {
    let report = doctor::run(target, configuration(config)).await;
    let failed = report.checks.iter().filter(|check| !check.ok).count();
    match format {
        Format::Json => {
            let checks: Vec<_> = report
                .checks
                .iter()
                .map(|check| serde_json::json!({"name": check.name, "ok": check.ok, "detail": check.detail, "fix": check.fix}))
                .collect();
            out!("{}", serde_json::json!({"database": report.database, "ok": report.healthy(), "checks": checks}));
        }
        _ => {
            out!("Checking {}", report.database);
            let width = report.checks.iter().map(|check| check.name.len()).max().unwrap_or(0);
            for check in &report.checks {
                let mark = if check.ok { "ok  " } else { "FAIL" };
                out!("  {mark}  {:width$}  {}", check.name, crate::text::sanitize(&check.detail));
                if let Some(fix) = &check.fix {
                    out!("        {:width$}  fix: {}", "", crate::text::sanitize(fix));
                }
            }
        }
    }
    if failed == 0 {
        if format != Format::Json {
            out!("All {} checks hold.", report.checks.len());
        }
        return Ok(());
    }
    // Exit 1 like an unreachable database, without reporting to Sentry:
    // a setup to fix, not a crash.
    Err(Failure::new(
        FailureKind::Unavailable,
        format!("doctor found {failed} problem(s) with {}: see the fixes above.", report.database),
    ))
}
