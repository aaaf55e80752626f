//! Logging: `tracing` to a daily-rotated file under the state directory,
//! never to the terminal (the terminal application owns it); and Sentry,
//! only when a DSN is configured, with personal data scrubbed from every
//! event before it leaves the machine.

use std::sync::Arc;

use sentry::protocol::Event;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;

use crate::config::{LogSettings, SentrySettings, state_dir};
use crate::error::Failure;

/// How many daily log files are kept.
const KEPT_LOG_FILES: usize = 7;

/// Keeps the log writer and the Sentry client alive; both are flushed
/// when it is dropped.
pub struct Telemetry {
    _guard: Option<WorkerGuard>,
    _sentry: Option<sentry::ClientInitGuard>,
}

/// Starts logging to a rotating file.  `RUST_LOG`, when set, wins over the
/// configured level.  A log directory that cannot be created disables
/// logging rather than stopping the CRM.
pub fn init(settings: &LogSettings, sentry_settings: &SentrySettings) -> Result<Telemetry, Failure> {
    let sentry = match &sentry_settings.dsn {
        Some(dsn) if !dsn.trim().is_empty() => {
            let dsn = dsn.trim().parse::<sentry::types::Dsn>().map_err(|_| {
                Failure::usage("The Sentry DSN (sentry.dsn or EPICCRM_SENTRY_DSN) is not valid: copy it again from the Sentry project settings.")
            })?;
            Some(sentry::init(sentry_options(Some(dsn))))
        }
        _ => None,
    };
    Ok(Telemetry { _guard: logs(settings), _sentry: sentry })
}

fn logs(settings: &LogSettings) -> Option<WorkerGuard> {
    let dir = settings.dir.clone().or_else(|| state_dir().map(|dir| dir.join("logs")))?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = match RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("epic-crm")
        .filename_suffix("log")
        .max_log_files(KEPT_LOG_FILES)
        .build(&dir)
    {
        Ok(appender) => appender,
        Err(_) => return None,
    };
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|value| EnvFilter::try_new(value).ok())
        .or_else(|| EnvFilter::try_new(&settings.level).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let installed =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer).with_ansi(false).try_init().is_ok();
    installed.then_some(guard)
}

/// Sentry's options: no personal data by default, every event and
/// breadcrumb scrubbed before sending.
pub fn sentry_options(dsn: Option<sentry::types::Dsn>) -> sentry::ClientOptions {
    let mut options = sentry::ClientOptions::default();
    options.dsn = dsn;
    options.release = sentry::release_name!();
    options.send_default_pii = false;
    options.server_name = None;
    options.before_send = Some(Arc::new(|event| Some(scrub_event(event))));
    options.before_breadcrumb = Some(Arc::new(|mut breadcrumb| {
        breadcrumb.message = breadcrumb.message.map(|text| scrub(&text));
        breadcrumb.data.clear();
        Some(breadcrumb)
    }));
    options
}

/// Removes what could identify a person: the user, request, host name and
/// free-form extras go; messages, exception texts and tags are scrubbed.
pub fn scrub_event(mut event: Event<'static>) -> Event<'static> {
    event.user = None;
    event.request = None;
    event.server_name = None;
    event.extra.clear();
    event.message = event.message.map(|text| scrub(&text));
    if let Some(entry) = event.logentry.as_mut() {
        entry.message = scrub(&entry.message);
        entry.params.clear();
    }
    for exception in event.exception.values.iter_mut() {
        exception.value = exception.value.as_deref().map(scrub);
        if let Some(stacktrace) = exception.stacktrace.as_mut() {
            for frame in stacktrace.frames.iter_mut() {
                frame.abs_path = frame.abs_path.as_deref().map(scrub_home);
                frame.filename = frame.filename.as_deref().map(scrub_home);
            }
        }
    }
    for value in event.tags.values_mut() {
        *value = scrub(value);
    }
    for breadcrumb in event.breadcrumbs.values.iter_mut() {
        breadcrumb.message = breadcrumb.message.as_deref().map(scrub);
        breadcrumb.data.clear();
    }
    event
}

/// Text with email addresses, phone-like numbers (8 digits or more, with
/// or without separators) and the user's name in home-directory paths
/// replaced.  Over-scrubbing (a date, say) is the safe side of the trade.
pub fn scrub(text: &str) -> String {
    let words: Vec<String> = text
        .split(' ')
        .map(|word| if word.contains('@') && word.contains('.') { "[email]".to_owned() } else { scrub_home(word) })
        .collect();
    scrub_numbers(&words.join(" "))
}

fn scrub_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let part_of_number = |ch: char| ch.is_ascii_digit() || matches!(ch, ' ' | '.' | '-' | '(' | ')' | '+');
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() || matches!(chars[i], '+' | '(') {
            let mut end = i;
            while end < chars.len() && part_of_number(chars[end]) {
                end += 1;
            }
            // The run ends at its last digit; what follows is kept.
            while end > i && !chars[end - 1].is_ascii_digit() {
                end -= 1;
            }
            let digits = chars[i..end].iter().filter(|ch| ch.is_ascii_digit()).count();
            if digits >= 8 {
                out.push_str("[number]");
                i = end;
                continue;
            }
            if end > i {
                out.extend(&chars[i..end]);
                i = end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn scrub_home(word: &str) -> String {
    let mut word = word.to_owned();
    for prefix in ["/home/", "/Users/"] {
        if let Some(start) = word.find(prefix) {
            let name_start = start + prefix.len();
            let name_end = word[name_start..].find('/').map_or(word.len(), |end| name_start + end);
            word.replace_range(name_start..name_end, "[user]");
        }
    }
    word
}

/// Sends an unexpected failure to Sentry (when enabled), scrubbed.
pub fn report_unexpected(failure: &Failure) {
    sentry::capture_message(&failure.message, sentry::Level::Error);
}

/// Tells Sentry (when enabled) of a change worth watching: employee
/// creations and modifications, contract signatures.  Only ids travel,
/// never names or addresses.
pub fn notable(action: &str, record_kind: &str, record_id: i64, actor_id: i64) {
    sentry::with_scope(
        |scope| {
            scope.set_tag("action", action);
            scope.set_tag("record_kind", record_kind);
            scope.set_tag("record_id", record_id);
            scope.set_tag("actor_id", actor_id);
        },
        || sentry::capture_message(action, sentry::Level::Info),
    );
}

#[cfg(test)]
mod tests {
    use super::scrub;

    #[test]
    fn personal_data_is_scrubbed_from_text() {
        assert_eq!(scrub("login failed for ada@example.com today"), "login failed for [email] today");
        assert_eq!(scrub("call +33 6 12 34 56 78 now"), "call [number] now");
        assert_eq!(scrub("call +33612345678 now"), "call [number] now");
        assert_eq!(scrub("(555) 123-4567, then"), "[number], then");
        assert_eq!(scrub("event 2001 moved by 3"), "event 2001 moved by 3");
        assert_eq!(scrub("Cannot open /home/ada/crm.db (denied)"), "Cannot open /home/[user]/crm.db (denied)");
        assert_eq!(scrub("contract 42 signed"), "contract 42 signed");
    }
}
