"""Mail-app autoconfiguration read the way the apps read it, for autoconfig.rs: urllib for
HTTP, xml.etree for Thunderbird's and Outlook's XML, plistlib for Apple's profile. Prints one
JSON object of what it found; the Rust test asserts on it.

usage: autoconfig_client.py thunderbird URL [HOST]
       autoconfig_client.py autodiscover URL FILE   (FILE holds the request body)
       autoconfig_client.py profile URL [COOKIE]
"""
import json
import plistlib
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is the answer itself: its status and Location are what is checked."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def fetch(url, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def answer(status, headers, extra):
    out = {
        "status": status,
        "content_type": headers.get("Content-Type", ""),
        "location": headers.get("Location", ""),
        "disposition": headers.get("Content-Disposition", ""),
    }
    out.update(extra)
    print(json.dumps(out))


def local(tag):
    return tag.rsplit("}", 1)[-1]


def thunderbird(url, host=None):
    status, headers, body = fetch(url, headers={"Host": host} if host else {})
    extra = {"text": body.decode("utf-8", "replace")}
    if status == 200:
        root = ET.fromstring(body)
        assert root.tag == "clientConfig" and root.get("version") == "1.1", root.tag
        provider = root.find("emailProvider")
        servers = lambda kind: [
            {child.tag: child.text for child in server} | {"type": server.get("type")}
            for server in provider.findall(kind)
        ]
        extra = {
            "id": provider.get("id"),
            "domains": [d.text for d in provider.findall("domain")],
            "incoming": servers("incomingServer"),
            "outgoing": servers("outgoingServer"),
            "text": body.decode(),
        }
    answer(status, headers, extra)


def autodiscover(url, file):
    with open(file, "rb") as f:
        body = f.read()
    status, headers, text = fetch(url, data=body, headers={"Content-Type": "text/xml"})
    extra = {"text": text.decode("utf-8", "replace")}
    if status == 200:
        root = ET.fromstring(text)
        assert local(root.tag) == "Autodiscover", root.tag
        response = next(iter(root))
        extra["response_ns"] = response.tag.split("}")[0].lstrip("{")
        extra["protocols"] = [
            {local(child.tag): child.text for child in protocol}
            for protocol in response.iter()
            if local(protocol.tag) == "Protocol"
        ]
        extra["account"] = {
            local(child.tag): child.text
            for account in response.iter()
            if local(account.tag) == "Account"
            for child in account
            if local(child.tag) != "Protocol"
        }
        extra["error_codes"] = [e.text for e in response.iter() if local(e.tag) == "ErrorCode"]
    answer(status, headers, extra)


def keys_of(value):
    """Every key of every dictionary in a property list."""
    if isinstance(value, dict):
        return [k for k, v in value.items() for k in [k, *keys_of(v)]]
    if isinstance(value, list):
        return [k for v in value for k in keys_of(v)]
    return []


def profile(url, cookie=None):
    status, headers, body = fetch(url, headers={"Cookie": cookie} if cookie else {})
    extra = {"text": body.decode("utf-8", "replace")}
    if status == 200:
        plist = plistlib.loads(body)
        extra["plist"] = plist
        extra["keys"] = keys_of(plist)
    answer(status, headers, extra)


mode, url, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
{"thunderbird": thunderbird, "autodiscover": autodiscover, "profile": profile}[mode](url, *rest)
