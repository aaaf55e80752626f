//! An email address as someone typed it to log in: the spaces around it
//! dropped here, once, and compared without regard to case (addresses are
//! unique case-insensitively).  The login screen, the command line and
//! both session authorities all take this type, so none trims or folds an
//! address of its own.

use std::fmt;

/// A login address, normalised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// The address as typed, without the spaces around it.
    pub fn typed(text: &str) -> Email {
        Email(text.trim().to_owned())
    }

    /// The address (as typed, trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether nothing was typed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The address lower-cased: what lookups and lockout keys compare.
    pub fn folded(&self) -> String {
        self.0.to_lowercase()
    }
}

impl From<&str> for Email {
    fn from(text: &str) -> Email {
        Email::typed(text)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_trimmed_once_and_folded_for_comparison() {
        let email = Email::typed("  Ada@Example.com \t");
        assert_eq!(email.as_str(), "Ada@Example.com");
        assert_eq!(email.folded(), "ada@example.com");
        assert!(Email::typed("   ").is_empty());
    }
}
