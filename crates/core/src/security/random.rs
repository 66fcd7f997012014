//! The OS random source, and the few shapes of randomness TrekMail needs.

use crate::error::CoreError;

/// Fills `buf` from the operating system's random source.
pub fn fill(buf: &mut [u8]) -> Result<(), CoreError> {
    getrandom::fill(buf).map_err(|e| CoreError::Internal(format!("OS random source failed: {e}")))
}

/// `N` random bytes.
pub fn bytes<const N: usize>() -> Result<[u8; N], CoreError> {
    let mut out = [0u8; N];
    fill(&mut out)?;
    Ok(out)
}

/// A uniformly random index below `n` (no modulo bias), for picking characters from an alphabet.
pub fn index_below(n: usize) -> Result<usize, CoreError> {
    debug_assert!(n > 0 && n <= 256);
    let limit = 256 - (256 % n);
    loop {
        let [b] = bytes::<1>()?;
        if usize::from(b) < limit {
            return Ok(usize::from(b) % n);
        }
    }
}

/// 128 random bits as 32 lower-case hex digits: session ids and tokens.
pub fn hex_token() -> Result<String, CoreError> {
    Ok(data_encoding::HEXLOWER.encode(&bytes::<16>()?))
}
