//! The data dir is the node's own: created 0700, its files 0600 from the first start, and
//! tightened when an older start left them open to other users.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// Creates `dir` (and missing parents) for this user only, or makes an existing one so.
pub fn private_dir(dir: &Path) -> Result<()> {
    let cannot = || format!("cannot create {}", dir.display());
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(cannot)?;
        tighten(dir, 0o700)?;
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir).with_context(cannot)?;
    Ok(())
}

/// Makes `path` exist, empty if it did not, readable by this user only: a file another
/// program (SQLite) creates next would otherwise take the umask's mode, and SQLite gives its
/// WAL and shared-memory files the database file's mode.
pub fn private_file(path: &Path) -> Result<()> {
    open_private(path, false)?;
    #[cfg(unix)]
    tighten(path, 0o600)?;
    Ok(())
}

/// Writes `bytes` to `path`, created (or truncated) readable by this user only.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = open_private(path, true)?;
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

fn open_private(path: &Path, truncate: bool) -> Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(truncate);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Takes group and other permissions off `path`, saying so when there were any.
#[cfg(unix)]
fn tighten(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let now = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .permissions()
        .mode();
    if now & 0o077 != 0 {
        tracing::warn!(path = %path.display(), mode = format!("{:o}", now & 0o777), "was readable by others; now {mode:o}");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot change the mode of {}", path.display()))?;
    }
    Ok(())
}
