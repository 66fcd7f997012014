"""What the browser tests (dashboard_browser.py, the webmail_*browser.py scripts) share:
Debian's Chromium under Playwright, TOTP codes from oathtool (an implementation we did not
write), and the webmail sign-in form."""
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


def webmail_sign_in(page, base, address, password):
    """Signs `address` in on the webmail at `base` through its form; lands on the mailbox."""
    page.goto(base + "/signin")
    page.fill("#address", address)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def dashboard_sign_in(page, base, email, password):
    """Signs the account owner `email` in on the dashboard at `base`; lands on Mailboxes."""
    page.goto(base + "/signin")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/mailboxes")
