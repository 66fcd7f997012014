//! Connection limits: a semaphore for all connections of a service, and a count per network
//! (an IPv4 address or an IPv6 /64, as the throttle counts them), so that one host cannot take
//! every slot.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use trekmail_core::auth::network;
use trekmail_core::metrics::OpenConnection;

/// How many connections may be open at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_connections: usize,
    pub max_per_ip: usize,
}

/// Why a connection was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    TooMany,
    TooManyFromNetwork,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refused::TooMany => "too many connections",
            Refused::TooManyFromNetwork => "too many connections from one network",
        })
    }
}

pub(crate) struct Admission {
    all: Arc<Semaphore>,
    max_per_ip: usize,
    per_network: Mutex<HashMap<String, usize>>,
}

/// An admitted connection's place; given back when dropped.
pub struct Admitted {
    _permit: OwnedSemaphorePermit,
    network: String,
    admission: Arc<Admission>,
    /// Its place in the open-connections gauge.
    pub(crate) open: Option<OpenConnection>,
}

impl Admission {
    pub(crate) fn new(limits: Limits) -> Admission {
        Admission {
            all: Arc::new(Semaphore::new(limits.max_connections.max(1))),
            max_per_ip: limits.max_per_ip.max(1),
            per_network: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn admit(this: &Arc<Admission>, ip: IpAddr) -> Result<Admitted, Refused> {
        let permit = this
            .all
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refused::TooMany)?;
        let network = network(ip);
        let mut counts = this.per_network.lock().unwrap_or_else(|e| e.into_inner());
        let count = counts.entry(network.clone()).or_insert(0);
        if *count >= this.max_per_ip {
            return Err(Refused::TooManyFromNetwork);
        }
        *count += 1;
        Ok(Admitted {
            _permit: permit,
            network,
            admission: this.clone(),
            open: None,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut counts = self
            .admission
            .per_network
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(count) = counts.get_mut(&self.network) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.network);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn limits_hold_overall_and_per_network_and_free_up_on_drop() {
        let admission = Arc::new(Admission::new(Limits {
            max_connections: 3,
            max_per_ip: 2,
        }));
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let a1 = Admission::admit(&admission, ip("2001:db8::1")).unwrap();
        let _a2 = Admission::admit(&admission, ip("2001:db8::2")).unwrap();
        // The same /64: its share is taken.
        assert_eq!(
            Admission::admit(&admission, ip("2001:db8::3")).err(),
            Some(Refused::TooManyFromNetwork)
        );
        let _b = Admission::admit(&admission, ip("192.0.2.1")).unwrap();
        assert_eq!(
            Admission::admit(&admission, ip("192.0.2.2")).err(),
            Some(Refused::TooMany)
        );
        drop(a1);
        assert!(Admission::admit(&admission, ip("2001:db8::3")).is_ok());
        assert!(admission.per_network.lock().unwrap().len() <= 2);
    }
}
