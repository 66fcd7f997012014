//! The one list of password rules. The server enforces it and the web pages render their live
//! checks from it, so the two can never drift apart.

use serde::Serialize;

/// What a rule asks of a password, in a form both Rust and the pages' script can evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleCheck {
    /// At least this many characters.
    MinLength { min: usize },
    /// At least one upper-case letter (any script).
    Uppercase,
    /// At least one lower-case letter (any script).
    Lowercase,
    /// At least one ASCII digit.
    Digit,
}

/// One requirement with the words a person sees next to its check mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PasswordRule {
    pub id: &'static str,
    pub label: &'static str,
    #[serde(flatten)]
    pub check: RuleCheck,
}

/// The requirements, in the order the pages list them.
pub const PASSWORD_RULES: [PasswordRule; 4] = [
    PasswordRule {
        id: "length",
        label: "At least 12 characters",
        check: RuleCheck::MinLength { min: 12 },
    },
    PasswordRule {
        id: "uppercase",
        label: "At least one uppercase letter",
        check: RuleCheck::Uppercase,
    },
    PasswordRule {
        id: "lowercase",
        label: "At least one lowercase letter",
        check: RuleCheck::Lowercase,
    },
    PasswordRule {
        id: "digit",
        label: "At least one number",
        check: RuleCheck::Digit,
    },
];

/// A password longer than this is refused before hashing: it is no one's password and would
/// only cost CPU.
pub const MAX_PASSWORD_LEN: usize = 1024;

impl PasswordRule {
    pub fn is_met_by(&self, password: &str) -> bool {
        match self.check {
            RuleCheck::MinLength { min } => password.chars().count() >= min,
            RuleCheck::Uppercase => password.chars().any(char::is_uppercase),
            RuleCheck::Lowercase => password.chars().any(char::is_lowercase),
            RuleCheck::Digit => password.chars().any(|c| c.is_ascii_digit()),
        }
    }
}

/// The rules a password fails, empty when it meets them all.
pub fn unmet_rules(password: &str) -> Vec<&'static PasswordRule> {
    PASSWORD_RULES
        .iter()
        .filter(|r| !r.is_met_by(password))
        .collect()
}

/// The rule list as JSON, for the pages' live checks.
pub fn rules_json() -> String {
    serde_json::to_string(&PASSWORD_RULES).unwrap_or_else(|_| "[]".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unmet_ids(p: &str) -> Vec<&'static str> {
        unmet_rules(p).iter().map(|r| r.id).collect()
    }

    #[test]
    fn names_each_rule_that_fails() {
        assert_eq!(unmet_ids(""), ["length", "uppercase", "lowercase", "digit"]);
        assert_eq!(unmet_ids("short1Aa"), ["length"]);
        assert_eq!(unmet_ids("alllowercase1"), ["uppercase"]);
        assert_eq!(unmet_ids("ALLUPPERCASE1"), ["lowercase"]);
        assert_eq!(unmet_ids("NoDigitsHereAtAll"), ["digit"]);
        assert_eq!(unmet_ids("ExactlyTwelv"), ["digit"]);
        assert!(unmet_ids("Exactly12ch1").is_empty());
        assert_eq!(unmet_ids("Elevench1rs"), ["length"]);
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(unmet_ids("Ééééééééééé1"), Vec::<&str>::new());
    }

    #[test]
    fn json_carries_ids_labels_and_checks() {
        let json = rules_json();
        assert!(json.contains(r#""id":"length""#));
        assert!(json.contains(r#""kind":"min_length","min":12"#));
        assert!(json.contains("At least one number"));
    }
}
