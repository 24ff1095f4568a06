#!/usr/bin/env python3
# webhook-sink.py: a local HTTP server standing in for a webhook in tests:
# binds 127.0.0.1 port 0, prints the port, appends each POST body (one
# line of JSON) to the file given, answers 204.
#   webhook-sink.py LOGFILE
import http.server
import sys

LOG = sys.argv[1]


class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(LOG, "ab") as f:
            f.write(body.rstrip(b"\n") + b"\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Sink)
print(srv.server_address[1], flush=True)
srv.serve_forever()
