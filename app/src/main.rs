//! The `epic-crm` binary: parse arguments, then run the command.

use std::process::ExitCode;

use clap::Parser;
use epic_crm::cli::{self, Cli, Format};
use epic_crm::error::Failure;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // With --format json a usage error is the JSON error object too.
            if wants_json() && err.use_stderr() {
                let text = err.to_string();
                let first = text.lines().next().unwrap_or_default().trim_start_matches("error: ");
                cli::report(&Failure::usage(format!("{first}: see `epic-crm --help`.")), Format::Json);
                return ExitCode::from(2);
            }
            // Otherwise clap prints help and version to stdout (exit 0) and
            // usage errors to stderr (exit 2), as PRODUCT.md wants.
            err.exit()
        }
    };
    let format = cli.format;
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            cli::report(&failure, format);
            ExitCode::from(failure.kind.exit_code() as u8)
        }
    }
}

/// Whether the raw arguments ask for JSON output (`--format json` or
/// `--format=json`), for errors found before they could be parsed.
fn wants_json() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|arg| arg == "--format=json")
        || args.windows(2).any(|pair| pair[0] == "--format" && pair[1] == "json")
}
