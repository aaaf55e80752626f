//! The `epic-crm` binary: parse arguments, then run the command.

use std::process::ExitCode;

use clap::Parser;
use epic_crm::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // clap prints help and version to stdout (exit 0) and usage errors
        // to stderr (exit 2), as PRODUCT.md wants.
        Err(err) => err.exit(),
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
