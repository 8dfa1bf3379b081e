# bumpbench GitHub App (bumpbench serve) with its worker. Measures apps in Node and Python.
FROM node:20-bookworm-slim

# git for worktrees, python3 for Python apps, util-linux for taskset (CPU pinning), tini as init so the
# processes of apps under test are reaped, build tools for better-sqlite3.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git python3 python3-venv python3-pip util-linux tini ca-certificates make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY config ./config
COPY app.yml tsconfig.json ./

ENV NODE_ENV=production BUMPBENCH_DATA_DIR=/data PORT=3000
VOLUME /data
EXPOSE 3000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "bin/bumpbench.js", "serve"]
