"""In-process stand-ins for the services the example talks to, on loopback ports chosen by the kernel."""
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms Nagle/delayed-ACK stall between headers and body

    def reply(self, status, body, content_type="application/json"):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass


def _serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    return server


def start_storage_stub(latency):
    """Object storage: PUT stores nothing but checks the request is signed, and answers its ETag."""

    class Storage(_Quiet):
        def do_PUT(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            time.sleep(latency)
            if not self.headers.get("Authorization", "").startswith("CS-HMAC-SHA256 "):
                return self.reply(403, json.dumps({"error": "request is not signed"}))
            return self.reply(200, json.dumps({"etag": hashlib.md5(body).hexdigest()}))

    return _serve(Storage)


def start_metadata_stub(latency, region="eu-west-1"):
    """Instance metadata: GET /latest/meta-data/placement/region answers the region."""

    class Metadata(_Quiet):
        def do_GET(self):
            time.sleep(latency)
            if self.path == "/latest/meta-data/placement/region":
                return self.reply(200, region, "text/plain")
            return self.reply(404, json.dumps({"error": "not found"}))

    return _serve(Metadata)
