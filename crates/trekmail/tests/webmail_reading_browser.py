"""A hostile HTML message opened in the webmail by headless Chromium through Playwright.

usage: webmail_reading_browser.py WEBMAIL_PORT MODE [ARGS...]
  hostile FOLDER UID REMOTE_PORT
        ann opens the message: no dialog, no script (the top page's title and window.name stay
        as they were), no navigation, no request to 127.0.0.1:REMOTE_PORT; the HTML is only in
        the sandboxed frame, its own (cid:) image drawn, its links open apart; prints
        HIDDEN OK, then waits for a line on stdin and follows "Show images": the remote images
        are asked for (over HTTPS); prints REMOTE REQUESTED with their paths
Ann is ann@example.com with ANN_PASSWORD from the environment. Exits non-zero on the first
thing that is wrong.
"""
import os
import sys
import time

from playwright.sync_api import expect, sync_playwright

from browser_kit import launch, webmail_sign_in

PORT, MODE, ARGS = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
BASE = f"http://127.0.0.1:{PORT}"
ANN_PASSWORD = os.environ["ANN_PASSWORD"]
SANDBOX = "allow-popups allow-popups-to-escape-sandbox"
expect.set_options(timeout=5000)


def check(ok, what):
    if not ok:
        sys.exit(f"FAILED: {what}")


def sign_in(page):
    webmail_sign_in(page, BASE, "ann@example.com", ANN_PASSWORD)


def message_frame(page):
    """The frame holding the message's HTML, once its text is drawn."""
    expect(page.frame_locator("iframe.message-html").get_by_text("HTML-BODY-MARKER")).to_be_visible()
    frames = [f for f in page.frames if "/read/html?" in f.url]
    check(len(frames) == 1, f"one message frame: {[f.url for f in page.frames]}")
    return frames[0]


def hostile(browser, folder, uid, remote_port):
    context = browser.new_context()
    dialogs, requests = [], []
    remote = f"127.0.0.1:{remote_port}"
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page)
    read = f"{BASE}/read?folder={folder}&uid={uid}"
    page.goto(read)
    title = page.title()
    frame = message_frame(page)
    # Time for anything that was going to run, refresh or load to do so.
    page.wait_for_load_state("load")
    time.sleep(1.5)
    check(dialogs == [], f"dialogs: {dialogs}")
    check(page.title() == title and "PWNED" not in title, f"title: {page.title()}")
    check(page.evaluate("() => window.name") == "", "window.name was set")
    check(page.url == read, f"the page went to {page.url}")
    check(page.get_attribute("iframe.message-html", "sandbox") == SANDBOX, "sandbox attribute")
    top = page.content()
    for marker in ["HTML-BODY-MARKER", "JS-LINK", "WEB-LINK", "FORM-BUTTON"]:
        check(marker not in top, f"{marker} in the top-level page")
    inside = frame.content()
    for bad in ["<script", "onerror", "onload", "javascript:", "<form", "<input", "<iframe",
                "<object", "<base", "<meta http-equiv", "srcset", "url(", remote]:
        check(bad not in inside, f"{bad} in the frame: {inside}")
    # The message's own (cid:) image is drawn.
    images = frame.evaluate(
        "() => [...document.images].map(i => [i.getAttribute('src') || '', i.naturalWidth])")
    own = [w for src, w in images if src.startswith("data:image/png;base64,")]
    check(own and all(w > 0 for w in own), f"the cid image is not drawn: {images}")
    # Links open apart; the javascript: one goes nowhere.
    web = page.frame_locator("iframe.message-html").get_by_text("WEB-LINK")
    check(web.get_attribute("target") == "_blank", "link target")
    check(web.get_attribute("rel") == "noopener noreferrer nofollow", "link rel")
    page.frame_locator("iframe.message-html").get_by_text("JS-LINK").click()
    time.sleep(0.5)
    check(dialogs == [], f"dialogs after the javascript: link: {dialogs}")
    expect(page.locator("[data-remote-images]")).to_contain_text("Remote images are hidden")
    hits = [u for u in requests if remote in u]
    check(hits == [], f"remote requests while hidden: {hits}")
    print("HIDDEN OK", flush=True)

    sys.stdin.readline()
    page.get_by_role("link", name="Show images").click()
    page.wait_for_url("**images=1")
    message_frame(page)
    deadline = time.time() + 5
    while time.time() < deadline and len({u for u in requests if remote in u}) < 2:
        time.sleep(0.1)
    paths = sorted({u.split(remote, 1)[1] for u in requests if remote in u})
    check(all(u.startswith(f"https://{remote}/") for u in requests if remote in u),
          f"remote requests not over HTTPS: {requests}")
    check(paths == ["/plain-http.png", "/remote.png"], f"remote paths: {paths}")
    expect(page.locator("[data-remote-images]")).to_contain_text("shown for this message")
    check(dialogs == [], f"dialogs: {dialogs}")
    print("REMOTE REQUESTED", " ".join(paths), flush=True)


with sync_playwright() as p:
    b = launch(p)
    try:
        if MODE == "hostile":
            hostile(b, *ARGS)
        else:
            sys.exit(f"unknown mode {MODE}")
    finally:
        b.close()
