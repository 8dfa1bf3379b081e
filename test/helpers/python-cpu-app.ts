// A standard-library Python HTTP app for runtime tests: `/compute` is a pure-Python loop (what a tracing
// JIT such as PyPy's speeds up most), `/small` answers at once. Installed with the default venv + pip (an
// empty requirements.txt), so each runtime gets its own venv.
export const PYTHON_CPU_SERVER = `
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORK = int(os.environ.get("WORK", "20000"))


def compute(n):
    total = 0
    for i in range(n):
        total = (total * 31 + i) % 1000003
    return total


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self):
        if self.path == "/compute":
            body = str(compute(WORK)).encode()
        elif self.path in ("/health", "/small"):
            body = b"ok"
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


Server((os.environ.get("HOST", "127.0.0.1"), int(os.environ["PORT"])), Handler).serve_forever(poll_interval=0.2)
`;

/**
 * Gated on CPU per request and median latency: what a CPU-bound endpoint's speed shows. The throughput of
 * a Python server on a shared 2-core runner varies threefold from run to run with the other jobs there
 * (measured: 70 to 675 req/s on one side of one compare), so gating on it leaves every verdict open.
 */
export function pythonCpuConfig(opts: { min?: number; max?: number } = {}): string {
  return `start: python server.py
ready: /health
repeats: { min: ${opts.min ?? 5}, max: ${opts.max ?? 8} }
gatedMetrics: [latency_p50, cpu_per_request]
hints: false
scenarios:
  - name: compute
    path: /compute
    connections: 2
    duration: 1s
    warmup: 600ms
    warmupMax: 8s
`;
}

export function pythonCpuFiles(config = pythonCpuConfig()): Record<string, string> {
  return { 'server.py': PYTHON_CPU_SERVER, 'requirements.txt': '# standard library only\n', '.github/bumpbench.yml': config };
}
