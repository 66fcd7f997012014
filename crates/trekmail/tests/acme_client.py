"""An IMAPS client for the ACME test that holds its connection across a certificate swap.

usage: acme_client.py PORT SERVER_NAME CA_FILE
Connects with certificate verification against CA_FILE for SERVER_NAME, prints
GREETING <line> and SERIAL <hex of the peer certificate>, then waits for a line on stdin,
sends NOOP on the same connection and prints REPLY <line> and DONE.
"""
import socket
import ssl
import sys

port, name, ca_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
context = ssl.create_default_context(cafile=ca_file)
with socket.create_connection(("127.0.0.1", port), timeout=15) as raw:
    with context.wrap_socket(raw, server_hostname=name) as tls:
        reader = tls.makefile("rb")
        print("GREETING", reader.readline().decode().strip(), flush=True)
        der = tls.getpeercert(binary_form=True)
        serial = tls.getpeercert()["serialNumber"]
        print("SERIAL", serial.lower().lstrip("0"), flush=True)
        sys.stdin.readline()
        tls.sendall(b"a1 NOOP\r\n")
        print("REPLY", reader.readline().decode().strip(), flush=True)
        print("DONE", flush=True)
