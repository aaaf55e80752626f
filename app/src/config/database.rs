//! Which database to use: `--database URL|PROFILE`, `EPICCRM_DATABASE_URL`,
//! the configuration file's default profile, or the embedded SQLite file.

use std::path::PathBuf;

use super::{Settings, project_dirs};
use crate::error::Failure;

/// A database the CRM can open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// An SQLite file, created (mode 0600) and migrated on first use.
    Sqlite {
        /// The database file.
        path: PathBuf,
    },
    /// A PostgreSQL server.
    Postgres {
        /// The connection URL (may hold a password: never print it).
        url: String,
    },
}

/// The schema the CRM lives in on PostgreSQL unless the URL names another
/// with `?schema=NAME`.
pub const DEFAULT_SCHEMA: &str = "crm";

/// The embedded default: `$XDG_DATA_HOME/epic-crm/epic-crm.db`.
pub fn default_sqlite_path() -> Result<PathBuf, Failure> {
    Ok(project_dirs()?.data_dir().join("epic-crm.db"))
}

impl DatabaseTarget {
    /// Picks the database: the flag, else the environment or file URL, else
    /// the default profile, else the embedded SQLite file.  A value with
    /// `://` is a URL, anything else a profile name.
    pub fn resolve(flag: Option<&str>, settings: &Settings) -> Result<DatabaseTarget, Failure> {
        let chosen = flag.map(str::to_owned).or_else(|| settings.database_url.clone());
        match chosen {
            Some(value) if value.contains("://") => DatabaseTarget::parse(&value),
            Some(name) => DatabaseTarget::from_profile(&name, settings),
            None => match &settings.default_profile {
                Some(name) => DatabaseTarget::from_profile(name, settings),
                None => Ok(DatabaseTarget::Sqlite { path: default_sqlite_path()? }),
            },
        }
    }

    fn from_profile(name: &str, settings: &Settings) -> Result<DatabaseTarget, Failure> {
        let profile = settings.profiles.get(name).ok_or_else(|| {
            let known: Vec<&str> = settings.profiles.keys().map(String::as_str).collect();
            let hint = if known.is_empty() {
                "no profiles are configured; give a URL such as sqlite://PATH or postgres://USER@HOST/DB".to_string()
            } else {
                format!("configured profiles: {}", known.join(", "))
            };
            Failure::usage(format!("There is no database profile named \"{name}\" ({hint})."))
        })?;
        DatabaseTarget::parse(&profile.url)
    }

    /// Parses `sqlite://PATH`, `postgres://…` or `postgresql://…`.
    pub fn parse(url: &str) -> Result<DatabaseTarget, Failure> {
        let url = url.trim();
        let usage = |why: &str| {
            Failure::usage(format!(
                "The database URL is malformed ({why}): use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE."
            ))
        };
        let (scheme, rest) = url.split_once("://").ok_or_else(|| usage("no scheme"))?;
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                let path = rest.split('?').next().unwrap_or_default();
                if path.is_empty() {
                    return Err(usage("the SQLite file path is empty"));
                }
                Ok(DatabaseTarget::Sqlite { path: PathBuf::from(path) })
            }
            "postgres" | "postgresql" => {
                let parsed = url::Url::parse(url).map_err(|err| usage(&err.to_string()))?;
                if parsed.host_str().is_none_or(str::is_empty) {
                    return Err(usage("no host name"));
                }
                if parsed.path().trim_start_matches('/').is_empty() {
                    return Err(usage("no database name"));
                }
                if let Some((_, schema)) = parsed.query_pairs().find(|(key, _)| key == "schema")
                    && !valid_schema(&schema)
                {
                    return Err(usage(&format!(
                        "the schema \"{schema}\" is not a plain name: use lower-case letters, digits and _"
                    )));
                }
                Ok(DatabaseTarget::Postgres { url: url.to_owned() })
            }
            other => Err(usage(&format!("unsupported scheme \"{other}\""))),
        }
    }

    /// The PostgreSQL schema the CRM lives in: `?schema=NAME` of the URL,
    /// else [`DEFAULT_SCHEMA`]; `None` on SQLite.
    pub fn schema(&self) -> Option<String> {
        match self {
            DatabaseTarget::Sqlite { .. } => None,
            DatabaseTarget::Postgres { url } => Some(
                url::Url::parse(url)
                    .ok()
                    .and_then(|parsed| {
                        parsed.query_pairs().find(|(key, _)| key == "schema").map(|(_, value)| value.into_owned())
                    })
                    .unwrap_or_else(|| DEFAULT_SCHEMA.to_owned()),
            ),
        }
    }

    /// The PostgreSQL URL as the driver takes it: without the CRM's own
    /// `schema` parameter.
    pub fn driver_url(&self) -> Option<String> {
        let DatabaseTarget::Postgres { url } = self else { return None };
        let mut parsed = url::Url::parse(url).ok()?;
        set_schema(&mut parsed, None);
        Some(parsed.to_string())
    }

    /// The same PostgreSQL database as another role (with its password,
    /// when there is one to hand out), naming `schema` when it is not the
    /// default: the URLs `db init-roles` prints.
    pub fn as_role(&self, user: &str, password: Option<&str>, schema: &str) -> Option<String> {
        let DatabaseTarget::Postgres { url } = self else { return None };
        let mut parsed = url::Url::parse(url).ok()?;
        parsed.set_username(user).ok()?;
        parsed.set_password(password).ok()?;
        set_schema(&mut parsed, Some(schema).filter(|schema| *schema != DEFAULT_SCHEMA));
        Some(parsed.to_string())
    }

    /// Where the database is, safe to print: never the password.
    pub fn describe(&self) -> String {
        match self {
            DatabaseTarget::Sqlite { path } => format!("sqlite://{}", path.display()),
            DatabaseTarget::Postgres { url } => match url::Url::parse(url) {
                Ok(mut parsed) => {
                    let _ = parsed.set_password(None);
                    parsed.set_query(None);
                    parsed.to_string()
                }
                Err(_) => "postgres://(unparseable)".into(),
            },
        }
    }
}

/// Replaces the URL's `schema` parameter (removed when `None`), keeping
/// every other parameter in its order.
fn set_schema(url: &mut url::Url, schema: Option<&str>) {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(key, _)| key != "schema")
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    url.set_query(None);
    if !kept.is_empty() || schema.is_some() {
        let mut pairs = url.query_pairs_mut();
        pairs.extend_pairs(kept);
        if let Some(schema) = schema {
            pairs.append_pair("schema", schema);
        }
    }
}

/// A schema name needing no quotes: what `init-roles` and the policies
/// can safely name.
pub fn valid_schema(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|first| first.is_ascii_lowercase() || first == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    use crate::config::Profile;

    #[test]
    fn parses_both_backends() {
        assert_eq!(
            DatabaseTarget::parse("sqlite:///tmp/crm.db"),
            Ok(DatabaseTarget::Sqlite { path: "/tmp/crm.db".into() })
        );
        assert_eq!(
            DatabaseTarget::parse("sqlite://crm.db?mode=rwc"),
            Ok(DatabaseTarget::Sqlite { path: "crm.db".into() })
        );
        assert!(matches!(
            DatabaseTarget::parse("postgresql://crm:pw@127.0.0.1:5432/crm"),
            Ok(DatabaseTarget::Postgres { .. })
        ));
    }

    #[test]
    fn malformed_urls_are_usage_errors() {
        for url in ["mysql://x/y", "sqlite://", "postgres://", "postgres://host", "postgres://[::1/crm", "nonsense://"]
        {
            let failure = DatabaseTarget::parse(url).expect_err(url);
            assert_eq!(failure.kind.exit_code(), 2, "{url}");
            assert!(failure.message.contains("sqlite://PATH"), "{}", failure.message);
        }
    }

    #[test]
    fn the_schema_comes_from_the_url() {
        let target =
            DatabaseTarget::parse("postgres://crm:pw@127.0.0.1/office?schema=team_a&sslmode=disable").expect("parse");
        assert_eq!(target.schema().as_deref(), Some("team_a"));
        assert_eq!(target.driver_url().as_deref(), Some("postgres://crm:pw@127.0.0.1/office?sslmode=disable"));
        assert_eq!(
            target.as_role("crm_app", Some("pw2"), "team_a").as_deref(),
            Some("postgres://crm_app:pw2@127.0.0.1/office?sslmode=disable&schema=team_a")
        );
        assert_eq!(
            target.as_role("crm_app", None, DEFAULT_SCHEMA).as_deref(),
            Some("postgres://crm_app@127.0.0.1/office?sslmode=disable")
        );
        let plain = DatabaseTarget::parse("postgres://crm@127.0.0.1/office").expect("parse");
        assert_eq!(plain.schema().as_deref(), Some(DEFAULT_SCHEMA));
        assert_eq!(plain.driver_url().as_deref(), Some("postgres://crm@127.0.0.1/office"));
        for bad in ["Crm", "crm;drop", "1crm", ""] {
            let url = format!("postgres://crm@127.0.0.1/office?schema={bad}");
            let failure = DatabaseTarget::parse(&url).expect_err(bad);
            assert_eq!(failure.kind.exit_code(), 2, "{bad}");
            assert!(failure.message.contains("schema"), "{}", failure.message);
        }
    }

    #[test]
    fn describe_hides_the_password() {
        let target = DatabaseTarget::parse("postgres://crm:secret@127.0.0.1/crm").expect("parse");
        assert!(!target.describe().contains("secret"));
    }

    #[test]
    fn flag_beats_environment_and_profiles() {
        let mut profiles = BTreeMap::new();
        profiles.insert("office".to_string(), Profile { url: "postgres://crm@127.0.0.1/office".into() });
        profiles.insert("laptop".to_string(), Profile { url: "sqlite:///tmp/laptop.db".into() });
        let settings = Settings {
            database_url: Some("sqlite:///tmp/env.db".into()),
            default_profile: Some("office".into()),
            profiles,
            ..Settings::default()
        };
        assert_eq!(
            DatabaseTarget::resolve(Some("laptop"), &settings),
            Ok(DatabaseTarget::Sqlite { path: "/tmp/laptop.db".into() })
        );
        assert_eq!(DatabaseTarget::resolve(None, &settings), Ok(DatabaseTarget::Sqlite { path: "/tmp/env.db".into() }));
        let without_url = Settings { database_url: None, ..settings };
        assert!(matches!(DatabaseTarget::resolve(None, &without_url), Ok(DatabaseTarget::Postgres { .. })));
        let failure = DatabaseTarget::resolve(Some("nowhere"), &without_url).expect_err("unknown profile");
        assert!(failure.message.contains("laptop, office"), "{}", failure.message);
    }
}
