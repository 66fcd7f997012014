//! Numbers as the pages show them.

/// "512 KB", "1.5 MB", "2 GB".
pub fn size(bytes: i64) -> String {
    let bytes = bytes.max(0) as f64;
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    let mut value = bytes / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value >= 10.0 || value.fract() < 0.05 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Rounded up to a tenth (any use shows), for the CSS width classes `w0`..`w100`.
pub fn percent_step(used: i64, quota: i64) -> u8 {
    if quota <= 0 {
        return 0;
    }
    let tenths = (used.max(0).saturating_mul(10).saturating_add(quota - 1) / quota).min(10);
    u8::try_from(tenths * 10).unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size(0), "0 KB");
        assert_eq!(size(512 * 1024), "512 KB");
        assert_eq!(size(1536 * 1024), "1.5 MB");
        assert_eq!(size(2 * 1024 * 1024 * 1024), "2 GB");
        assert_eq!(percent_step(0, 100), 0);
        assert_eq!(percent_step(55, 100), 60);
        assert_eq!(percent_step(1, 1000), 10);
        assert_eq!(percent_step(500, 100), 100);
        assert_eq!(percent_step(5, 0), 0);
    }
}
