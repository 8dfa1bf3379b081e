"""Example API benchmarked by the bumpbench demo (standard library + cloudsig).

GET /upload  signs a PUT with cloudsig and stores a small document in the storage stub
GET /report  summarises an in-memory order book; does not touch cloudsig (the control scenario)
GET /version the installed cloudsig version
GET /health  ok

The storage service and the instance metadata service are stubs started here, in this process, on
loopback ports, so one `python server.py` runs everything. Each stub answers after a short delay
(STORAGE_LATENCY_MS, METADATA_LATENCY_MS, default 2 ms) standing in for the network hop to a real
service. CLOUDSIG_METADATA_URL points cloudsig at the metadata stub (unless it is already set).
"""
import http.client
import itertools
import json
import os
import statistics
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cloudsig
from stubs import start_metadata_stub, start_storage_stub

STORAGE_LATENCY = float(os.environ.get("STORAGE_LATENCY_MS", "2")) / 1000
METADATA_LATENCY = float(os.environ.get("METADATA_LATENCY_MS", "2")) / 1000

storage = start_storage_stub(STORAGE_LATENCY)
if not os.environ.get("CLOUDSIG_METADATA_URL"):
    metadata = start_metadata_stub(METADATA_LATENCY)
    os.environ["CLOUDSIG_METADATA_URL"] = "http://127.0.0.1:%d" % metadata.server_port

SIGNER = cloudsig.Signer(cloudsig.Credentials("AKEXAMPLE", "example-secret-key"), region="eu-west-1")
STORAGE_HOST, STORAGE_PORT = "127.0.0.1", storage.server_port
COUNTER = itertools.count()

ORDERS = [
    {"id": i, "customer": "c%03d" % (i % 97), "total": round(((i * 7919) % 10007) / 37.0, 2), "items": 1 + i % 5}
    for i in range(400)
]


def upload():
    key = "/uploads/report-%d.json" % next(COUNTER)
    body = json.dumps({"key": key, "orders": ORDERS[:20]}).encode("utf-8")
    url = "http://%s:%d%s" % (STORAGE_HOST, STORAGE_PORT, key)
    headers = SIGNER.sign("PUT", url, {"Content-Type": "application/json", "Host": "%s:%d" % (STORAGE_HOST, STORAGE_PORT)}, body)
    connection = http.client.HTTPConnection(STORAGE_HOST, STORAGE_PORT, timeout=10)
    try:
        connection.request("PUT", key, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        if response.status != 200:
            return 502, {"error": "storage answered %d" % response.status, "detail": answer.decode("utf-8", "replace")}
        return 200, {"stored": key, "etag": json.loads(answer)["etag"]}
    finally:
        connection.close()


def report():
    totals = [order["total"] for order in ORDERS]
    by_customer = {}
    for order in ORDERS:
        by_customer[order["customer"]] = by_customer.get(order["customer"], 0) + order["total"]
    top = sorted(by_customer.items(), key=lambda kv: kv[1], reverse=True)[:5]
    return 200, {
        "orders": len(ORDERS),
        "mean": round(statistics.fmean(totals), 2),
        "median": statistics.median(totals),
        "top_customers": [{"customer": c, "total": round(t, 2)} for c, t in top],
    }


ROUTES = {
    "/upload": upload,
    "/report": report,
    "/version": lambda: (200, {"cloudsig": cloudsig.__version__}),
    "/health": lambda: (200, {"ok": True}),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a load generator expects
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK would add 40 ms to every response.
    disable_nagle_algorithm = True

    def do_GET(self):
        route = ROUTES.get(self.path.split("?", 1)[0])
        if route is None:
            status, payload = 404, {"error": "not found"}
        else:
            try:
                status, payload = route()
            except Exception as error:  # an error must be a 500 the benchmark counts, not a dropped connection
                status, payload = 500, {"error": repr(error)}
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def main():
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    server = Server((host, port), Handler)
    print("python-api on http://%s:%d with cloudsig %s" % (host, port, cloudsig.__version__), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
