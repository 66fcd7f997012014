"""What the browser tests (dashboard_browser.py, webmail_browser.py) share: Debian's Chromium
under Playwright, and TOTP codes from oathtool, an implementation we did not write."""
import subprocess
import time


def launch(p, extra=()):
    """Headless /usr/bin/chromium: Playwright never downloads a browser here."""
    return p.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            *extra,
        ],
    )


def oathtool(key, ahead=0):
    """The code for base32 `key` at now + `ahead` seconds."""
    at = time.gmtime(time.time() + ahead)
    out = subprocess.run(
        ["oathtool", "--totp", "-b", "--now", time.strftime("%Y-%m-%d %H:%M:%S UTC", at), key],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()
