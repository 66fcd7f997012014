use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The plan an account pays for; its limits come from [`Plans`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    Starter,
    Pro,
    Agency,
}

impl Plan {
    pub const ALL: [Plan; 3] = [Plan::Starter, Plan::Pro, Plan::Agency];

    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Starter => "starter",
            Plan::Pro => "pro",
            Plan::Agency => "agency",
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Plan::Starter => "Starter",
            Plan::Pro => "Pro",
            Plan::Agency => "Agency",
        })
    }
}

impl FromStr for Plan {
    type Err = String;

    fn from_str(s: &str) -> Result<Plan, String> {
        Plan::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown plan {s:?}: expected starter, pro or agency"))
    }
}

/// What one plan allows. Storage is the sum of the mailboxes' quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PlanLimits {
    pub max_domains: u32,
    pub max_mailboxes: u32,
    pub max_storage_mb: u64,
    /// Aliases of all the account's mailboxes together.
    pub max_aliases: u32,
    /// Whether the account may brand its webmail (own host, name, colour).
    pub branding: bool,
}

impl PlanLimits {
    pub fn max_storage_bytes(&self) -> i64 {
        i64::try_from(self.max_storage_mb.saturating_mul(1024 * 1024)).unwrap_or(i64::MAX)
    }
}

/// The limits of every plan; `[plans.*]` in the config overrides these defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Plans {
    pub starter: PlanLimits,
    pub pro: PlanLimits,
    pub agency: PlanLimits,
}

impl Default for Plans {
    fn default() -> Plans {
        Plans {
            starter: PlanLimits {
                max_domains: 1,
                max_mailboxes: 10,
                max_storage_mb: 10 * 1024,
                max_aliases: 50,
                branding: false,
            },
            pro: PlanLimits {
                max_domains: 10,
                max_mailboxes: 100,
                max_storage_mb: 100 * 1024,
                max_aliases: 500,
                branding: false,
            },
            agency: PlanLimits {
                max_domains: 100,
                max_mailboxes: 1000,
                max_storage_mb: 1024 * 1024,
                max_aliases: 5000,
                branding: true,
            },
        }
    }
}

impl Plans {
    pub fn limits(&self, plan: Plan) -> PlanLimits {
        match plan {
            Plan::Starter => self.starter,
            Plan::Pro => self.pro,
            Plan::Agency => self.agency,
        }
    }
}
