//! Logging: `tracing` to a daily-rotated file under the state directory,
//! never to the terminal (the terminal application owns it).

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;

use crate::config::{LogSettings, state_dir};

/// How many daily log files are kept.
const KEPT_LOG_FILES: usize = 7;

/// Keeps the log writer alive; logs are flushed when it is dropped.
pub struct Telemetry {
    _guard: Option<WorkerGuard>,
}

/// Starts logging to a rotating file.  `RUST_LOG`, when set, wins over the
/// configured level.  A log directory that cannot be created disables
/// logging rather than stopping the CRM.
pub fn init(settings: &LogSettings) -> Telemetry {
    let Some(dir) = settings.dir.clone().or_else(|| state_dir().map(|dir| dir.join("logs"))) else {
        return Telemetry { _guard: None };
    };
    if std::fs::create_dir_all(&dir).is_err() {
        return Telemetry { _guard: None };
    }
    let appender = match RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("epic-crm")
        .filename_suffix("log")
        .max_log_files(KEPT_LOG_FILES)
        .build(&dir)
    {
        Ok(appender) => appender,
        Err(_) => return Telemetry { _guard: None },
    };
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|value| EnvFilter::try_new(value).ok())
        .or_else(|| EnvFilter::try_new(&settings.level).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let installed =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer).with_ansi(false).try_init().is_ok();
    Telemetry { _guard: installed.then_some(guard) }
}
