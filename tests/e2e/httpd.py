# SPDX-License-Identifier: BSD-3-Clause
"""httpd.py ADDR PORT DIR: serve DIR over HTTP on ADDR (IPv4 or IPv6).

http.server's own HTTPServer looks up the host's name when it binds (a DNS
wait of seconds inside a network namespace with no resolver); this one does
not. Prints "Serving HTTP" once it listens.
"""
import functools
import http.server
import socket
import socketserver
import sys


class Server(socketserver.TCPServer):
    allow_reuse_address = True


def main():
    addr, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    Server.address_family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
    with Server((addr, port), handler) as srv:
        print("Serving HTTP on", addr, port, flush=True)
        srv.serve_forever()


main()
