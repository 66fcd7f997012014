//! HTTP-01 answers (RFC 8555 section 8.3) while an order waits for validation: the ACME client
//! puts each token's key authorization here, and the web listeners answer
//! `/.well-known/acme-challenge/{token}` from it.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Tokens and their key authorizations; cheap to clone, every clone sees the same.
#[derive(Debug, Clone, Default)]
pub struct ChallengeTokens {
    tokens: Arc<RwLock<HashMap<String, String>>>,
}

impl ChallengeTokens {
    pub fn insert(&self, token: &str, key_authorization: &str) {
        let mut tokens = self.tokens.write().unwrap_or_else(|e| e.into_inner());
        tokens.insert(token.to_owned(), key_authorization.to_owned());
    }

    pub fn remove(&self, token: &str) {
        let mut tokens = self.tokens.write().unwrap_or_else(|e| e.into_inner());
        tokens.remove(token);
    }

    /// The key authorization to answer `token` with.
    pub fn get(&self, token: &str) -> Option<String> {
        let tokens = self.tokens.read().unwrap_or_else(|e| e.into_inner());
        tokens.get(token).cloned()
    }
}
