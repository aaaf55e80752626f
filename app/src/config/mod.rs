//! Layered settings: built-in defaults < `config.toml` in the user's config
//! directory < `EPICCRM_*` environment variables < command-line flags.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use directories::ProjectDirs;
use serde::Deserialize;

use crate::error::Failure;

mod database;
pub use database::{DEFAULT_SCHEMA, DatabaseTarget, default_sqlite_path, valid_schema};

/// The application name used for every platform directory.
pub const APP_NAME: &str = "epic-crm";

/// The longest an access token may live: 15 minutes (SECURITY.md).
pub const MAX_ACCESS_TOKEN_SECONDS: u64 = 15 * 60;

/// Every setting of the CRM after all layers are merged.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Settings {
    /// Database URL (`sqlite://PATH` or `postgres://…`); `EPICCRM_DATABASE_URL`.
    pub database_url: Option<String>,
    /// The profile used when no URL is given.
    pub default_profile: Option<String>,
    /// Named databases, so several can be used side by side.
    pub profiles: BTreeMap<String, Profile>,
    /// Log settings.
    pub log: LogSettings,
    /// Session settings.
    pub auth: AuthSettings,
    /// Error-reporting settings.
    pub sentry: SentrySettings,
    /// The terminal application's settings.
    pub tui: TuiSettings,
    /// Key overrides for the terminal application: command name (optionally
    /// `context.command`) to one key or a list of keys, e.g. `sign = "ctrl-g"`.
    #[serde(deserialize_with = "one_or_many_keys")]
    pub keys: BTreeMap<String, Vec<String>>,
}

/// The terminal application's settings.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct TuiSettings {
    /// Capture the mouse (click selects, wheel scrolls); off leaves the
    /// terminal's own text selection working.
    pub mouse: bool,
}

impl Default for TuiSettings {
    fn default() -> Self {
        Self { mouse: true }
    }
}

/// Reads `[keys]` values written as one key (`"ctrl-g"`) or a list.
fn one_or_many_keys<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Keys {
        One(String),
        Many(Vec<String>),
    }
    let raw = BTreeMap::<String, Keys>::deserialize(deserializer)?;
    Ok(raw
        .into_iter()
        .map(|(name, keys)| {
            let keys = match keys {
                Keys::One(key) => vec![key],
                Keys::Many(keys) => keys,
            };
            (name, keys)
        })
        .collect())
}

/// A named database of the configuration file.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Profile {
    /// The database URL of this profile.
    pub url: String,
}

/// Where and how much to log.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct LogSettings {
    /// A `tracing` filter such as `info` or `epic_crm=debug`; `RUST_LOG` wins.
    pub level: String,
    /// Log directory; the platform state directory when absent.
    pub dir: Option<PathBuf>,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self { level: "info".into(), dir: None }
    }
}

/// The OWASP minimum memory cost of argon2id, in KiB (SECURITY.md).
pub const MIN_ARGON2_MEMORY_KIB: u32 = 19_456;
/// The OWASP minimum number of argon2id passes.
pub const MIN_ARGON2_ITERATIONS: u32 = 2;

/// Sessions, token storage and password hashing.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct AuthSettings {
    /// Access-token lifetime in seconds (1 to 900); `EPICCRM_ACCESS_TOKEN_SECONDS`.
    pub access_token_seconds: u64,
    /// Refresh-token lifetime in days.
    pub refresh_token_days: u64,
    /// Where session tokens and the signing key are kept.
    pub token_store: TokenStoreChoice,
    /// argon2id memory cost in KiB for new password hashes.
    pub argon2_memory_kib: u32,
    /// argon2id passes for new password hashes.
    pub argon2_iterations: u32,
    /// Allows argon2 costs below the OWASP minimum; for test setups only.
    pub allow_weak_hashing_for_tests: bool,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            access_token_seconds: MAX_ACCESS_TOKEN_SECONDS,
            refresh_token_days: 7,
            token_store: TokenStoreChoice::Auto,
            argon2_memory_kib: MIN_ARGON2_MEMORY_KIB,
            argon2_iterations: MIN_ARGON2_ITERATIONS,
            allow_weak_hashing_for_tests: false,
        }
    }
}

/// Where session tokens and the signing key are kept.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TokenStoreChoice {
    /// The OS keyring when it answers a probe at start, otherwise the file.
    #[default]
    Auto,
    /// The OS keyring only; an error when it cannot be reached.
    Keyring,
    /// Files under the state directory (0700 folder, 0600 files).
    File,
}

/// Sentry error reporting, enabled only when a DSN is configured.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct SentrySettings {
    /// The Sentry DSN; `EPICCRM_SENTRY_DSN`.
    pub dsn: Option<String>,
}

/// Where the settings come from; tests pass their own environment.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// An explicit configuration file (`--config`); must exist when given.
    pub config_file: Option<PathBuf>,
    /// The environment to read instead of the process's.
    pub env: Option<HashMap<String, String>>,
}

/// The platform directories of the application.
pub fn project_dirs() -> Result<ProjectDirs, Failure> {
    ProjectDirs::from("", "", APP_NAME).ok_or_else(|| {
        Failure::unexpected("Cannot find your home directory: set HOME (or XDG_DATA_HOME and XDG_CONFIG_HOME).")
    })
}

/// The default configuration file: `$XDG_CONFIG_HOME/epic-crm/config.toml`.
pub fn default_config_file() -> Option<PathBuf> {
    project_dirs().ok().map(|dirs| dirs.config_dir().join("config.toml"))
}

/// The directory for logs and other state: `$XDG_STATE_HOME/epic-crm`.
pub fn state_dir() -> Option<PathBuf> {
    let dirs = project_dirs().ok()?;
    Some(dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir()).to_path_buf())
}

/// Variables with a documented short name, mapped to their settings key.
const SHORT_VARIABLES: [(&str, &str); 2] =
    [("EPICCRM_ACCESS_TOKEN_SECONDS", "auth.access_token_seconds"), ("EPICCRM_SENTRY_DSN", "sentry.dsn")];

impl Settings {
    /// Merges defaults, the configuration file and the environment.
    pub fn load(sources: &Sources) -> Result<Settings, Failure> {
        let env = match &sources.env {
            Some(env) => env.clone(),
            None => std::env::vars().collect(),
        };
        let file = match &sources.config_file {
            Some(path) if !path.exists() => {
                return Err(Failure::usage(format!(
                    "The configuration file {} does not exist: check the --config path.",
                    path.display()
                )));
            }
            Some(path) => Some(path.clone()),
            None => default_config_file().filter(|path| path.exists()),
        };

        let mut builder = config::Config::builder();
        if let Some(path) = &file {
            builder =
                builder.add_source(config::File::from(path.as_path()).format(config::FileFormat::Toml).required(true));
        }
        // Only EPICCRM_* variables are settings; the test database URL is
        // read by the test harness alone.
        let settings_env: HashMap<String, String> = env
            .iter()
            .filter(|(key, _)| key.starts_with("EPICCRM_") && key.as_str() != "EPICCRM_TEST_DATABASE_URL")
            .filter(|(key, _)| !SHORT_VARIABLES.iter().any(|(short, _)| short == key))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        builder = builder.add_source(
            config::Environment::with_prefix("EPICCRM")
                .prefix_separator("_")
                .separator("__")
                .source(Some(settings_env)),
        );
        for (variable, key) in SHORT_VARIABLES {
            let value = env.get(variable).cloned();
            builder = builder
                .set_override_option(key, value)
                .map_err(|err| Failure::usage(format!("Invalid {variable}: {err}.")))?;
        }
        let merged = builder.build().map_err(|err| describe_config_error(err, file.as_deref()))?;
        let settings: Settings = merged.try_deserialize().map_err(|err| describe_config_error(err, file.as_deref()))?;
        settings.check()?;
        Ok(settings)
    }

    /// Checks values that parse but break a rule.
    fn check(&self) -> Result<(), Failure> {
        let seconds = self.auth.access_token_seconds;
        if !(1..=MAX_ACCESS_TOKEN_SECONDS).contains(&seconds) {
            return Err(Failure::usage(format!(
                "auth.access_token_seconds is {seconds}: it must be between 1 and {MAX_ACCESS_TOKEN_SECONDS}."
            )));
        }
        if self.auth.refresh_token_days == 0 || self.auth.refresh_token_days > 90 {
            return Err(Failure::usage(format!(
                "auth.refresh_token_days is {}: it must be between 1 and 90.",
                self.auth.refresh_token_days
            )));
        }
        let auth = &self.auth;
        if !auth.allow_weak_hashing_for_tests
            && (auth.argon2_memory_kib < MIN_ARGON2_MEMORY_KIB || auth.argon2_iterations < MIN_ARGON2_ITERATIONS)
        {
            return Err(Failure::usage(format!(
                "auth.argon2_memory_kib = {} and auth.argon2_iterations = {} are below the minimum of {MIN_ARGON2_MEMORY_KIB} KiB and {MIN_ARGON2_ITERATIONS} passes: raise them (weaker hashing is only for test setups, with auth.allow_weak_hashing_for_tests = true).",
                auth.argon2_memory_kib, auth.argon2_iterations
            )));
        }
        if auth.argon2_memory_kib < 8 || auth.argon2_iterations < 1 {
            return Err(Failure::usage(
                "auth.argon2_memory_kib must be at least 8 and auth.argon2_iterations at least 1.".to_string(),
            ));
        }
        if let Some(profile) = &self.default_profile
            && !self.profiles.contains_key(profile)
        {
            return Err(Failure::usage(format!(
                "default_profile is \"{profile}\" but no [profiles.{profile}] section exists in the configuration file."
            )));
        }
        Ok(())
    }
}

fn describe_config_error(err: config::ConfigError, file: Option<&Path>) -> Failure {
    let place = file.map(|path| path.display().to_string()).unwrap_or_else(|| "the environment".into());
    Failure::usage(format!(
        "The configuration in {place} is not valid ({err}): fix it, or move the file away to use the defaults."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn env(pairs: &[(&str, &str)]) -> Option<HashMap<String, String>> {
        Some(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(text.as_bytes()).expect("write");
        file
    }

    #[test]
    fn defaults_apply_without_file_or_environment() {
        let settings = Settings::load(&Sources { config_file: None, env: env(&[]) }).expect("load");
        assert_eq!(settings.auth.access_token_seconds, 900);
        assert_eq!(settings.log.level, "info");
    }

    #[test]
    fn environment_overrides_file() {
        let config = file("database_url = \"sqlite:///from-file.db\"\n[auth]\naccess_token_seconds = 60\n");
        let sources = Sources {
            config_file: Some(config.path().into()),
            env: env(&[
                ("EPICCRM_DATABASE_URL", "sqlite:///from-env.db"),
                ("EPICCRM_ACCESS_TOKEN_SECONDS", "5"),
                ("EPICCRM_LOG__LEVEL", "debug"),
                ("EPICCRM_TEST_DATABASE_URL", "postgres://ignored"),
            ]),
        };
        let settings = Settings::load(&sources).expect("load");
        assert_eq!(settings.database_url.as_deref(), Some("sqlite:///from-env.db"));
        assert_eq!(settings.auth.access_token_seconds, 5);
        assert_eq!(settings.log.level, "debug");
    }

    #[test]
    fn profiles_are_read_from_the_file() {
        let config = file(
            "default_profile = \"office\"\n[profiles.office]\nurl = \"postgres://crm@127.0.0.1/crm\"\n[profiles.laptop]\nurl = \"sqlite:///tmp/x.db\"\n",
        );
        let settings =
            Settings::load(&Sources { config_file: Some(config.path().into()), env: env(&[]) }).expect("load");
        assert_eq!(settings.profiles.len(), 2);
        assert_eq!(settings.default_profile.as_deref(), Some("office"));
    }

    #[test]
    fn key_overrides_and_tui_settings_are_read_from_the_file() {
        let config = file("[tui]\nmouse = false\n[keys]\nsign = \"ctrl-g\"\n\"table.search\" = [\"/\", \"f3\"]\n");
        let settings = Settings::load(&Sources {
            config_file: Some(config.path().into()),
            env: env(&[("EPICCRM_KEYS__HELP", "f1")]),
        })
        .expect("load");
        assert!(!settings.tui.mouse);
        assert_eq!(settings.keys.get("sign"), Some(&vec!["ctrl-g".to_owned()]));
        assert_eq!(settings.keys.get("table.search"), Some(&vec!["/".to_owned(), "f3".to_owned()]));
        assert_eq!(settings.keys.get("help"), Some(&vec!["f1".to_owned()]), "one key from the environment");
        assert!(Settings::load(&Sources { config_file: None, env: env(&[]) }).expect("defaults").tui.mouse);
    }

    #[test]
    fn a_syntax_error_names_the_file_and_is_a_usage_error() {
        let config = file("database_url = \"unterminated\n");
        let failure =
            Settings::load(&Sources { config_file: Some(config.path().into()), env: env(&[]) }).expect_err("must fail");
        assert_eq!(failure.kind.exit_code(), 2);
        assert!(failure.message.contains(&config.path().display().to_string()), "{}", failure.message);
    }

    #[test]
    fn token_lifetime_is_capped_at_fifteen_minutes() {
        let failure =
            Settings::load(&Sources { config_file: None, env: env(&[("EPICCRM_ACCESS_TOKEN_SECONDS", "3600")]) })
                .expect_err("must fail");
        assert!(failure.message.contains("between 1 and 900"), "{}", failure.message);
    }

    #[test]
    fn unknown_default_profile_is_refused() {
        let config = file("default_profile = \"nowhere\"\n");
        let failure =
            Settings::load(&Sources { config_file: Some(config.path().into()), env: env(&[]) }).expect_err("must fail");
        assert!(failure.message.contains("[profiles.nowhere]"), "{}", failure.message);
    }

    #[test]
    fn weak_password_hashing_needs_the_test_only_switch() {
        let weak = [("EPICCRM_AUTH__ARGON2_MEMORY_KIB", "64"), ("EPICCRM_AUTH__ARGON2_ITERATIONS", "1")];
        let failure = Settings::load(&Sources { config_file: None, env: env(&weak) }).expect_err("must fail");
        assert_eq!(failure.kind.exit_code(), 2);
        assert!(failure.message.contains("19456 KiB"), "{}", failure.message);
        let mut allowed = weak.to_vec();
        allowed.push(("EPICCRM_AUTH__ALLOW_WEAK_HASHING_FOR_TESTS", "true"));
        let settings = Settings::load(&Sources { config_file: None, env: env(&allowed) }).expect("load");
        assert_eq!(settings.auth.argon2_memory_kib, 64);
        let file_store = env(&[("EPICCRM_AUTH__TOKEN_STORE", "file")]);
        let settings = Settings::load(&Sources { config_file: None, env: file_store }).expect("load");
        assert_eq!(settings.auth.token_store, TokenStoreChoice::File);
    }
}
