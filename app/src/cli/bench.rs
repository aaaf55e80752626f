//! `epic-crm bench [--iterations N]`: prints one line per figure.

use clap::Args;

use super::Format;
use crate::config::DatabaseTarget;
use crate::error::Failure;
use crate::services::bench::{self, Figure};

/// Benchmark options.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Runs of each measurement.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub iterations: u64,
    /// Only the figures whose name contains this text (e.g. "search").
    #[arg(long, value_name = "TEXT")]
    pub only: Option<String>,
    /// PostgreSQL team mode: also time what the database's checks cost,
    /// comparing --database (the migrator's URL: the owner, whose own policy
    /// lets everything through) with this app-role URL (every policy and
    /// token check), logged in as the demo salesperson.
    #[arg(long, value_name = "URL")]
    pub app_url: Option<String>,
}

pub(super) async fn run(args: BenchArgs, target: &DatabaseTarget, format: Format) -> Result<(), Failure> {
    let mut print = |figure: &Figure| {
        if format == Format::Table {
            out!("{:<70} {:>9.3} ms {:>9.3} ms", figure.name, figure.median_ms, figure.p95_ms);
        }
    };
    if format == Format::Table {
        out!("{:<70} {:>12} {:>12}", "FIGURE (page of 50 rows)", "MEDIAN", "P95");
    }
    // `--only policy` with an app URL: just the team-mode figures.
    let only_policy = args.app_url.is_some() && args.only.as_deref().is_some_and(|only| only.starts_with("policy"));
    let (dataset, mut figures) = if only_policy {
        (crate::services::bench::Dataset { backend: "postgres", clients: 0, contracts: 0, events: 0 }, Vec::new())
    } else {
        bench::run(target, args.iterations as usize, args.only.as_deref(), &mut print).await?
    };
    if let Some(url) = &args.app_url {
        let app = DatabaseTarget::parse(url)?;
        let wanted = |figure: &Figure| args.only.as_deref().is_none_or(|only| figure.name.contains(only));
        let mut print_wanted = |figure: &Figure| {
            if wanted(figure) {
                print(figure);
            }
        };
        let policy =
            crate::services::policy_bench::run(target, &app, args.iterations as usize, &mut print_wanted).await?;
        figures.extend(policy.into_iter().filter(|figure| wanted(figure)));
    }
    // Rendering does not touch the database; measured here so one command
    // prints every TUI figure.
    for figure in crate::tui::bench::frame_figures((args.iterations as usize).max(50)) {
        if args.only.as_deref().is_none_or(|only| figure.name.contains(only)) {
            print(&figure);
            figures.push(figure);
        }
    }
    match format {
        Format::Json => {
            let items: Vec<_> = figures
                .iter()
                .map(|f| serde_json::json!({ "name": f.name, "group": f.group, "median_ms": f.median_ms, "p95_ms": f.p95_ms }))
                .collect();
            out!("{}", serde_json::json!({ "dataset": dataset.label(), "figures": items }));
        }
        Format::Csv => {
            out!("name,dataset,median_ms,p95_ms");
            for f in &figures {
                out!("\"{}\",{},{:.3},{:.3}", f.name.replace('"', "\"\""), dataset.label(), f.median_ms, f.p95_ms);
            }
        }
        Format::Table => {
            out!();
            out!("Dataset: {}", dataset.label());
            for group in ["first page", "next page", "middle page", "search", "count", "dashboard", "frame", "policy"] {
                let worst = figures.iter().filter(|f| f.group == group).max_by(|a, b| a.p95_ms.total_cmp(&b.p95_ms));
                if let Some(worst) = worst {
                    out!("worst {group:<12} p95 {:>9.3} ms  ({})", worst.p95_ms, worst.name);
                }
            }
        }
    }
    Ok(())
}
