//! Compiled Sieve scripts by the digest of their source, so an active script is compiled
//! once per node rather than once per message (a 50-rule script compiles in about ten times
//! the time it runs). Bounded: when full, it starts over.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use trekmail_sieve::{CompileErrors, Limits, Script};

/// Scripts kept at once.
const MAX_SCRIPTS: usize = 1024;

#[derive(Default)]
pub(crate) struct CompiledScripts(Mutex<HashMap<[u8; 32], Arc<Script>>>);

impl CompiledScripts {
    /// `source` compiled under `limits`, from the cache when it was compiled before.
    pub(crate) fn get(&self, source: &str, limits: &Limits) -> Result<Arc<Script>, CompileErrors> {
        let key: [u8; 32] = Sha256::digest(source.as_bytes()).into();
        if let Some(script) = self.lock().get(&key) {
            return Ok(script.clone());
        }
        let script = Arc::new(trekmail_sieve::compile(source, limits)?);
        let mut scripts = self.lock();
        if scripts.len() >= MAX_SCRIPTS {
            scripts.clear();
        }
        scripts.insert(key, script.clone());
        Ok(script)
    }

    /// The map, even if a thread panicked holding it: it holds only finished compilations.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Arc<Script>>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
