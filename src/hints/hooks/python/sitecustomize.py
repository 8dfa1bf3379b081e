"""bumpbench's observer for Python servers, loaded through PYTHONPATH in an observe run only.

Python imports `sitecustomize` at start-up; this one watches what the app does without changing it:
- outbound: every DNS lookup (getaddrinfo), TCP connect, TLS handshake and http.client request, with the
  package whose code issued it, counted per 100 ms bucket of the monotonic clock the load generator also
  counts responses by;
- cpu: a sampling profile from a thread that reads every thread's stack (faulthandler's dump on CPython)
  and shares the process's CPU among the stacks of the threads whose CPU clocks moved during its looks
  (not those blocked in I/O);
- memory (soaks): tracemalloc between two moments the orchestrator names, by allocation site, and the
  garbage collector's objects by type at the second.
It writes into BUMPBENCH_OBSERVE_DIR and takes its orders from files the orchestrator creates there
(`stop`, `mem-start`, `mem-end`). Standard library only; nothing here may raise into the app. A
sitecustomize of the app's own (found further along sys.path) still runs after this one.
"""
import os
import sys


def _observe(out):
    import atexit
    import json
    import socket
    import sysconfig
    import threading
    import time

    modes = set((os.environ.get("BUMPBENCH_OBSERVE") or "outbound,cpu").split(","))
    bucket_ms = float(os.environ.get("BUMPBENCH_OBSERVE_BUCKET_MS") or 100)
    cpu_interval = float(os.environ.get("BUMPBENCH_OBSERVE_CPU_US") or 10000) / 1e6
    max_keys = 2000
    hook_file = os.path.abspath(__file__)
    runtime_dirs = tuple(
        sorted({os.path.abspath(p) + os.sep for p in (sysconfig.get_paths().get("stdlib"), sysconfig.get_paths().get("platstdlib")) if p})
    )
    lock = threading.Lock()
    state = {"pid": os.getpid()}

    def path_of(name):
        return os.path.join(out, "%d.%s" % (state["pid"], name))

    def write_atomic(target, text):
        tmp = target + ".tmp"
        with open(tmp, "w") as handle:
            handle.write(text)
        os.replace(tmp, target)

    def mono_ms():
        return time.monotonic() * 1000.0

    # ---- who issued a call: the innermost frame outside the runtime and this file -------------------
    classified = {}

    def classify(filename):
        """('runtime', None, None) | ('package', top-level name, path inside it) | ('app', None, path)."""
        hit = classified.get(filename)
        if hit is not None:
            return hit
        name = os.path.abspath(filename) if filename and not filename.startswith("<") else None
        result = ("runtime", None, None)
        if name and name != hook_file:
            for marker in ("/site-packages/", "/dist-packages/"):
                i = name.rfind(marker)
                if i >= 0:
                    rest = name[i + len(marker):]
                    top = rest.split("/", 1)[0]
                    if top.endswith(".py"):
                        top = top[:-3]
                    result = ("package", top, rest)
                    break
            else:
                if not name.startswith(runtime_dirs):
                    rel = os.path.relpath(name, os.getcwd())
                    result = ("app", None, name if rel.startswith("..") else rel)
        classified[filename] = result
        return result

    def origin_of(frame):
        f = frame
        while f is not None:
            kind, top, where = classify(f.f_code.co_filename)
            if kind == "runtime":
                f = f.f_back
                continue
            via = []
            if kind == "package":
                g = f.f_back
                while g is not None and len(via) < 4:
                    k2, t2, _ = classify(g.f_code.co_filename)
                    if k2 == "app":
                        break
                    if k2 == "package" and t2 != top and t2 not in via:
                        via.append(t2)
                    g = g.f_back
            return {"package": top, "via": via, "site": "%s:%d" % (where, f.f_lineno)}
        return {"package": None, "via": [], "site": None}

    # ---- outbound counts ------------------------------------------------------------------------
    import re

    keys = {}
    counters = {"overflow": 0, "dirty": False}
    uuid_re = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
    hex_re = re.compile(r"^[0-9a-f]{16,}$", re.I)
    token_re = re.compile(r"^[A-Za-z0-9_-]{24,}$")
    version_re = re.compile(r"^v\d+$", re.I)
    digits_re = re.compile(r"\d+")

    def template_path(raw):
        if raw is None:
            return None
        raw = str(raw)
        pathname, _, query = raw.partition("?")
        segments = []
        for seg in pathname.split("/"):
            if seg == "" or version_re.match(seg):
                segments.append(seg)
            elif uuid_re.match(seg):
                segments.append("{uuid}")
            elif hex_re.match(seg) and digits_re.search(seg):
                segments.append("{hex}")
            elif token_re.match(seg) and digits_re.search(seg):
                segments.append("{token}")
            else:
                segments.append(digits_re.sub("{n}", seg))
        names = ["%s=…" % kv.split("=", 1)[0] for kv in query.split("&") if kv]
        return ("/".join(segments) + ("?" + "&".join(names) if names else ""))[:300]

    def record(kind, host, port, method=None, raw_path=None, frame=None):
        try:
            o = origin_of(frame or sys._getframe(2))
            key = (kind, None if host is None else str(host)[:255], None if port in (None, "") else int(port), method,
                   template_path(raw_path), o["package"], tuple(o["via"]), o["site"])
            bucket = int(mono_ms() // bucket_ms)
            with lock:
                entry = keys.get(key)
                if entry is None:
                    if len(keys) >= max_keys:
                        counters["overflow"] += 1
                        return
                    entry = keys[key] = {}
                entry[bucket] = entry.get(bucket, 0) + 1
                counters["dirty"] = True
        except Exception:
            pass

    def is_ip(host):
        import ipaddress

        try:
            ipaddress.ip_address(str(host).split("%", 1)[0])
            return True
        except ValueError:
            return False

    def flush_outbound():
        with lock:
            if not counters["dirty"]:
                return
            counters["dirty"] = False
            rows = [
                {"kind": k[0], "host": k[1], "port": k[2], "method": k[3], "path": k[4], "package": k[5], "via": list(k[6]),
                 "site": k[7], "buckets": sorted(v.items())}
                for k, v in keys.items()
            ]
            overflow = counters["overflow"]
        write_atomic(path_of("outbound.json"), json.dumps({"bucketMs": bucket_ms, "overflow": overflow, "keys": rows}))

    if "outbound" in modes:
        import http.client
        import ssl

        real_getaddrinfo = socket.getaddrinfo

        def getaddrinfo(host, *args, **kwargs):
            if host is not None and not is_ip(host if isinstance(host, str) else host.decode("ascii", "replace")):
                record("dns", host if isinstance(host, str) else host.decode("ascii", "replace"), None)
            return real_getaddrinfo(host, *args, **kwargs)

        socket.getaddrinfo = getaddrinfo

        def note_connect(sock, address):
            if sock.family == getattr(socket, "AF_UNIX", None):
                record("tcp", "unix:%s" % (address,), None, frame=sys._getframe(2))
            elif sock.type == socket.SOCK_STREAM and isinstance(address, tuple) and len(address) >= 2:
                record("tcp", address[0], address[1], frame=sys._getframe(2))

        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex

        def connect(self, address):
            note_connect(self, address)
            return real_connect(self, address)

        def connect_ex(self, address):
            note_connect(self, address)
            return real_connect_ex(self, address)

        socket.socket.connect = connect
        socket.socket.connect_ex = connect_ex

        real_handshake = ssl.SSLSocket.do_handshake

        def do_handshake(self, *args, **kwargs):
            if not self.server_side:  # a handshake the app's own TLS server answers is not outbound
                try:
                    port = self.getpeername()[1]
                except Exception:
                    port = None
                record("tls", self.server_hostname, port)
            return real_handshake(self, *args, **kwargs)

        ssl.SSLSocket.do_handshake = do_handshake

        real_putrequest = http.client.HTTPConnection.putrequest

        def putrequest(self, method, url, *args, **kwargs):
            target = url
            if "://" in target:  # absolute form (through a proxy): the path part
                target = "/" + target.split("://", 1)[1].partition("/")[2]
            record("http", self.host, self.port, method, target)
            return real_putrequest(self, method, url, *args, **kwargs)

        http.client.HTTPConnection.putrequest = putrequest

    # ---- CPU sampling -----------------------------------------------------------------------------
    # A look at the threads is a short window: read every thread's CPU clock, let go of the GIL for a
    # moment (whoever wants to run, runs), read the clocks again and take the stacks. A thread whose
    # clock moved in between was working just now, and its stack says where; one blocked in I/O (a
    # keep-alive connection between requests) or waiting for the GIL did not move. Each 100 ms bucket's
    # process CPU is then shared among the stacks seen working in it, in proportion to their CPU in the
    # windows. CPU of a bucket in which no thread was seen working is unattributed.
    stacks = {}
    samples = {}
    bucket_cpu = {}
    bucket_weight = {}
    cpu_state = {"process": None, "overheadUs": 0.0}
    threads = {}

    def stack_of(frame):
        out_frames = []
        f = frame
        while f is not None and len(out_frames) < 64:
            code = f.f_code
            out_frames.append((code.co_filename, getattr(code, "co_qualname", code.co_name), code.co_firstlineno))
            f = f.f_back
        return tuple(out_frames)

    # Other threads' stacks. On CPython they come from faulthandler's dump of every thread, written in one C
    # call while this thread holds the GIL, so no thread moves meanwhile. Walking sys._current_frames() with
    # f_back in Python lets go of the GIL between steps, and on 3.11 a frame that its thread pops meanwhile
    # can crash the process (CPython gh-111363; Sentry's and Datadog's samplers crashed gunicorn workers so,
    # and ours a ThreadingHTTPServer app in a test). Elsewhere (PyPy) the walk is kept.
    import faulthandler
    import linecache
    import re

    dump = {"fd": -1}

    def open_dump():
        if dump["fd"] >= 0:
            os.close(dump["fd"])
        dump["fd"] = -1
        if sys.implementation.name == "cpython" and hasattr(os, "memfd_create"):
            dump["fd"] = os.memfd_create("bumpbench-stacks", os.MFD_CLOEXEC)

    open_dump()
    thread_header = re.compile(r"^(?:Current thread|Thread) (0x[0-9a-fA-F]+)")
    frame_row = re.compile(r'^  File "(.*)", line (\d+|\?\?\?) in (.+)$')
    def_lines = {}

    def def_line(filename, name, line):
        """The line of `def name` at or above `line` (the dump gives the current line): a function is one
        node of the profile, whichever of its lines was running."""
        key = (filename, name, line)
        hit = def_lines.get(key)
        if hit is None:
            hit = 1 if name == "<module>" else line
            if name != "<module>" and line > 0:
                header = re.compile(r"^\s*(?:async\s+def|def|class)\s+" + re.escape(name) + r"\b")
                for n in range(line, max(0, line - 5000), -1):
                    text = linecache.getline(filename, n)
                    if header.match(text):
                        hit = n
                        break
            def_lines[key] = hit
        return hit

    def dumped_stacks():
        fd = dump["fd"]
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        faulthandler.dump_traceback(file=fd, all_threads=True)
        size = os.lseek(fd, 0, os.SEEK_CUR)
        os.lseek(fd, 0, os.SEEK_SET)
        chunks = []
        while size > 0:
            chunk = os.read(fd, size)
            if not chunk:
                break
            chunks.append(chunk)
            size -= len(chunk)
        out = {}
        frames = None
        for row in b"".join(chunks).decode("utf-8", "replace").splitlines():
            head = thread_header.match(row)
            if head:
                frames = out.setdefault(int(head.group(1), 16), [])
                continue
            m = frame_row.match(row)
            if m and frames is not None and len(frames) < 64:
                line = int(m.group(2)) if m.group(2).isdigit() else 0
                frames.append((m.group(1), m.group(3), def_line(m.group(1), m.group(3), line)))
        return {ident: tuple(f) for ident, f in out.items()}

    def current_stacks():
        if dump["fd"] >= 0:
            return dumped_stacks()
        return {ident: stack_of(frame) for ident, frame in sys._current_frames().items()}

    # A thread's CPU clock from its kernel thread id, as glibc's pthread_getcpuclockid makes it, but without
    # touching the thread's pthread struct: for a thread that has just exited that struct may be unmapped
    # (ThreadingHTTPServer: a thread per connection), while the clock of a gone thread is only an error.
    def thread_clock(tid):
        return ((~tid) << 3) | 6

    def clocks(own_ident):
        out_clocks = {}
        for thread in threading.enumerate():
            ident, tid = thread.ident, getattr(thread, "native_id", None)
            if ident is None or tid is None or ident == own_ident or ident == threads.get("control"):
                continue
            try:
                out_clocks[ident] = time.clock_gettime(thread_clock(tid))
            except (OSError, ValueError, OverflowError):
                pass
        return out_clocks

    def sample_once(own_ident, own_overhead):
        bucket = int(mono_ms() // bucket_ms)
        process_cpu = time.process_time()
        previous = cpu_state["process"]
        cpu_state["process"] = process_cpu
        spent = 0.0 if previous is None else (process_cpu - previous) * 1e6 - own_overhead
        # The lock is not held over the window: an app thread recording a call must not wait on it there.
        before = clocks(own_ident)
        time.sleep(0.0002)
        after = clocks(own_ident)
        moving = {ident: (cpu - before.get(ident, cpu)) * 1e6 for ident, cpu in after.items()}
        seen = []
        if any(moved > 0 for moved in moving.values()):
            stacks_now = current_stacks()
            for ident, moved in moving.items():
                stack = stacks_now.get(ident)
                if moved > 0 and stack:
                    seen.append((stack, moved))
        with lock:
            if spent > 0:
                bucket_cpu[bucket] = bucket_cpu.get(bucket, 0.0) + spent
            for stack, moved in seen:
                sid = stacks.get(stack)
                if sid is None:
                    sid = stacks[stack] = len(stacks)
                key = (bucket, sid)
                samples[key] = samples.get(key, 0.0) + moved
                bucket_weight[bucket] = bucket_weight.get(bucket, 0.0) + moved

    def sampler():
        # The sampler runs only once it has the GIL. With the default 5 ms switch interval a thread
        # whose burst of work is shorter keeps it until its next I/O, so every look would find threads
        # at their I/O calls; at 0.5 ms the look lands inside the work. (Observe runs only.)
        sys.setswitchinterval(0.0005)
        own = threading.get_ident()
        # (PyPy has no time.pthread_getcpuclockid: the kernel thread id serves everywhere from 3.8.)
        own_clock = thread_clock(threading.get_native_id()) if hasattr(threading, "get_native_id") else time.pthread_getcpuclockid(own)
        cpu_state["process"] = None
        overhead = 0.0
        while not state.get("finished"):
            time.sleep(cpu_interval)
            started = time.clock_gettime(own_clock)
            try:
                sample_once(own, overhead)
            except Exception:
                pass
            # The sampler's own CPU is in the process's: it is taken out of the next interval.
            overhead = (time.clock_gettime(own_clock) - started) * 1e6
            cpu_state["overheadUs"] += overhead

    def write_profile():
        by_id = [None] * len(stacks)
        for stack, sid in stacks.items():
            by_id[sid] = [list(frame) for frame in stack]
        weighed = [[b, sid, round(w * bucket_cpu.get(b, 0.0) / bucket_weight[b], 1)] for (b, sid), w in samples.items()]
        unattributed = sorted([b, round(us, 1)] for b, us in bucket_cpu.items() if not bucket_weight.get(b))
        write_atomic(path_of("pyprofile.json"), json.dumps({
            "bucketMs": bucket_ms,
            "intervalUs": cpu_interval * 1e6,
            "stacks": by_id,
            "samples": [w for w in weighed if w[2] > 0],
            "unattributed": unattributed,
            "overheadUs": round(cpu_state["overheadUs"], 1),
            "runtimeDirs": list(runtime_dirs),
        }))

    # ---- memory (soak) ----------------------------------------------------------------------------
    def gc_types():
        import gc

        counts = {}
        for obj in gc.get_objects():
            name = type(obj).__qualname__
            counts[name] = counts.get(name, 0) + 1
        return counts

    memory = {"state": "idle"}

    def memory_step():
        import tracemalloc

        # Nothing is counted at the start (walking every object there would leave freed memory behind that
        # hides growth): tracemalloc, started there, sees what is allocated from then on.
        if memory["state"] == "idle" and os.path.exists(os.path.join(out, "mem-start")):
            memory["state"] = "started"
            tracemalloc.start(16)
            write_atomic(path_of("heap-start.json"), json.dumps({"at": mono_ms()}))
        elif memory["state"] == "started" and os.path.exists(os.path.join(out, "mem-end")):
            memory["state"] = "done"
            snapshot = tracemalloc.take_snapshot()
            tracemalloc.stop()
            sites = {}
            for stat in snapshot.statistics("traceback"):
                origin = {"package": None, "site": None}
                for frame in reversed(stat.traceback):  # innermost first
                    kind, top, where = classify(frame.filename)
                    if kind != "runtime":
                        # tracemalloc knows the line that allocated.
                        origin = {"package": top, "site": "%s:%d" % (where, frame.lineno)}
                        break
                key = (origin["package"], origin["site"])
                entry = sites.setdefault(key, {"package": origin["package"], "site": origin["site"], "bytes": 0, "count": 0})
                entry["bytes"] += stat.size
                entry["count"] += stat.count
            top_sites = sorted(sites.values(), key=lambda e: -e["bytes"])[:200]
            constructors = [{"type": "object", "name": name, "count": n, "bytes": 0} for name, n in gc_types().items()]
            constructors.sort(key=lambda e: -e["count"])
            write_atomic(path_of("heap-end.json"), json.dumps({"at": mono_ms(), "sites": top_sites, "constructors": constructors[:500]}))
            write_atomic(path_of("mem-done"), "")

    # ---- orders and the end -----------------------------------------------------------------------
    def distributions():
        try:
            from importlib.metadata import packages_distributions

            return {top: names for top, names in packages_distributions().items()}
        except Exception:
            return {}

    def finish():
        if state.get("finished"):
            return
        state["finished"] = True
        try:
            if "cpu" in modes:
                with lock:
                    write_profile()
            flush_outbound()
            write_atomic(path_of("packages.json"), json.dumps(distributions()))
        except Exception as error:
            with open(path_of("error"), "w") as handle:
                handle.write(repr(error))
        write_atomic(path_of("done"), "")

    def control():
        last_flush = 0.0
        while not state.get("finished"):
            time.sleep(0.1)
            try:
                if "memory" in modes:
                    memory_step()
                if os.path.exists(os.path.join(out, "stop")):
                    finish()
                    return
                if time.monotonic() - last_flush > 0.25:
                    last_flush = time.monotonic()
                    flush_outbound()
            except Exception as error:
                try:
                    with open(path_of("error"), "w") as handle:
                        handle.write(repr(error))
                except Exception:
                    pass

    def start_threads():
        control_thread = threading.Thread(target=control, name="bumpbench-observe-control", daemon=True)
        control_thread.start()
        threads["control"] = control_thread.ident
        if "cpu" in modes:
            threading.Thread(target=sampler, name="bumpbench-observe-sampler", daemon=True).start()

    def after_fork():
        # A forked worker (gunicorn) is a process of its own: fresh counts, fresh files, fresh threads.
        state.clear()
        state["pid"] = os.getpid()
        keys.clear()
        stacks.clear()
        samples.clear()
        bucket_cpu.clear()
        bucket_weight.clear()
        cpu_state.update({"process": None, "overheadUs": 0.0})
        memory.clear()
        memory["state"] = "idle"
        open_dump()  # the parent's is shared with it: one file each
        hello()
        start_threads()

    def hello():
        write_atomic(path_of("hello.json"), json.dumps({
            "pid": state["pid"], "runtime": "python", "version": sys.version.split()[0], "argv": sys.argv[:2], "cwd": os.getcwd(), "modes": sorted(modes),
        }))

    hello()
    start_threads()
    atexit.register(finish)
    os.register_at_fork(after_in_child=after_fork)


def _chain():
    """Run the sitecustomize this one shadows, if there is one further along sys.path."""
    import importlib.util

    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        if not entry or os.path.abspath(entry) == here:
            continue
        candidate = os.path.join(entry, "sitecustomize.py")
        if os.path.isfile(candidate):
            spec = importlib.util.spec_from_file_location("_bumpbench_shadowed_sitecustomize", candidate)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return


_out = os.environ.get("BUMPBENCH_OBSERVE_DIR")
if _out:
    try:
        _observe(_out)
    except Exception as _error:
        try:
            with open(os.path.join(_out, "%d.error" % os.getpid()), "w") as _handle:
                _handle.write(repr(_error))
        except Exception:
            pass
_chain()
