//! How entity values travel in export bundles (`#[serde(with = …)]` on
//! the models): times as RFC 3339 UTC with milliseconds.

/// Epoch milliseconds as `2026-12-03T10:48:32.123Z`.
pub mod time {
    use serde::{Deserialize, Deserializer, Serializer};

    /// `2026-12-03T10:48:32.123Z` for epoch milliseconds.
    pub fn text(ms: i64) -> Option<String> {
        chrono::DateTime::from_timestamp_millis(ms).map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    }

    /// Epoch milliseconds of an RFC 3339 time (any offset).
    pub fn parse(text: &str) -> Result<i64, String> {
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|at| at.timestamp_millis())
            .map_err(|err| format!("\"{text}\" is not an RFC 3339 time ({err})"))
    }

    /// Serde: a time.
    pub fn serialize<S: Serializer>(ms: &i64, serializer: S) -> Result<S::Ok, S::Error> {
        match text(*ms) {
            Some(text) => serializer.serialize_str(&text),
            None => Err(serde::ser::Error::custom(format!("{ms} ms is out of the range of dates"))),
        }
    }

    /// Serde: a time.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse(&text).map_err(serde::de::Error::custom)
    }

    /// The same for optional times (`null` when absent).
    pub mod optional {
        use serde::{Deserialize, Deserializer, Serializer};

        /// Serde: an optional time.
        pub fn serialize<S: Serializer>(ms: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
            match ms {
                Some(ms) => super::serialize(ms, serializer),
                None => serializer.serialize_none(),
            }
        }

        /// Serde: an optional time; a missing key is `None` (bundles
        /// written before the field existed).
        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
            let text = Option::<String>::deserialize(deserializer)?;
            text.map(|text| super::parse(&text).map_err(serde::de::Error::custom)).transpose()
        }
    }
}
