//! Credentials: how passwords, TOTP secrets and recovery codes are made, kept and checked.

pub mod password_generator;
pub mod password_hasher;
pub mod password_policy;
pub mod random;
pub mod recovery_code;
pub mod secret_box;
pub mod totp;
