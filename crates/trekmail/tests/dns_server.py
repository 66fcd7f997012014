"""A loopback DNS server for the tests (dnslib): answers from a JSON zone file that it reads
again for every query, so a test can publish records while the server runs.

usage: dns_server.py ZONE_FILE
The zone file maps names to record types to values, e.g.
  {"example.com": {"MX": ["10 mx.example.com"], "TXT": ["v=spf1 mx -all"]},
   "mx.example.com": {"A": ["127.0.0.1"]}}
MX values are "preference host", SRV "priority weight port target", CNAME a host, TXT any
text (split into 255-byte strings). A name the file lacks is NXDOMAIN; a type it lacks, an
empty answer. A CNAME is followed for other types, as a real server does. Listens on UDP and
TCP on one free port of 127.0.0.1 and prints PORT n once ready.
"""
import json
import socket
import sys
import time

from dnslib import AAAA, CNAME, MX, QTYPE, RCODE, RR, SRV, TXT, A
from dnslib.server import BaseResolver, DNSServer

zone_file = sys.argv[1]


def load():
    try:
        with open(zone_file) as f:
            return {name.lower().rstrip("."): types for name, types in json.load(f).items()}
    except (OSError, ValueError):
        return {}


def rdata(kind, value):
    if kind == "A":
        return A(value)
    if kind == "AAAA":
        return AAAA(value)
    if kind == "MX":
        preference, host = value.split()
        return MX(host, int(preference))
    if kind == "SRV":
        priority, weight, port, target = value.split()
        return SRV(int(priority), int(weight), int(port), target)
    if kind == "CNAME":
        return CNAME(value)
    data = value.encode()
    return TXT([data[i : i + 255] for i in range(0, len(data), 255)] or [b""])


class ZoneResolver(BaseResolver):
    def resolve(self, request, handler):
        reply = request.reply()
        zone = load()
        name = str(request.q.qname).lower().rstrip(".")
        kind = QTYPE[request.q.qtype]
        for _ in range(8):
            if name not in zone:
                if not reply.rr:
                    reply.header.rcode = RCODE.NXDOMAIN
                return reply
            types = zone[name]
            if kind != "CNAME" and "CNAME" in types:
                target = types["CNAME"][0]
                reply.add_answer(RR(name, QTYPE.CNAME, rdata=CNAME(target), ttl=1))
                name = target.lower().rstrip(".")
                continue
            for value in types.get(kind, []):
                reply.add_answer(RR(name, getattr(QTYPE, kind), rdata=rdata(kind, value), ttl=1))
            return reply
        return reply


def listen():
    """Both servers on one port. A port free for UDP may be taken for TCP (a client's
    ephemeral port, say), so a port that fails for either is given up and another tried."""
    resolver = ZoneResolver()
    for _ in range(50):
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        servers = []
        try:
            for tcp in (True, False):
                servers.append(
                    DNSServer(resolver, port=port, address="127.0.0.1", tcp=tcp, logger=None)
                )
            return port, servers
        except OSError:
            for server in servers:
                server.server.server_close()
    sys.exit("no port free for both UDP and TCP")


port, servers = listen()
for server in servers:
    server.start_thread()
print("PORT", port, flush=True)
while True:
    time.sleep(3600)
