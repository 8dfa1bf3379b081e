# bumpbench GitHub App (bumpbench serve) with its worker. Measures apps in Node and Python.
# Runs as the non-root user `bumpbench`; the code of benchmarked repos runs in bubblewrap sandboxes inside
# the container, which needs user namespaces and a fresh /proc (docs/sandbox.md):
#   docker run --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
#              --security-opt systempaths=unconfined ...
FROM node:20-bookworm-slim

# git for worktrees, python3 for Python apps, util-linux for taskset/setpriv/nsenter/prlimit/unshare,
# bubblewrap and iproute2 for the sandbox, tini as init so the processes of apps under test are reaped,
# build tools for better-sqlite3.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git python3 python3-venv python3-pip util-linux bubblewrap iproute2 tini ca-certificates make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
COPY stubs ./stubs
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY config ./config
COPY app.yml tsconfig.json ./

RUN useradd --system --create-home --home-dir /home/bumpbench bumpbench \
 && mkdir -p /data && chown bumpbench:bumpbench /data && chmod 700 /data
USER bumpbench

ENV NODE_ENV=production BUMPBENCH_DATA_DIR=/data PORT=3000
VOLUME /data
EXPOSE 3000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "bin/bumpbench.js", "serve"]
