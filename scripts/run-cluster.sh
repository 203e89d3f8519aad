#!/usr/bin/env bash
# Runs 2 API processes (ports 3001, 3002) and 2 executors (health on 8011, 8012) against the
# local PostgreSQL, Redis and RabbitMQ, in one terminal; Ctrl+C stops them all.
# Override any variable, e.g. DATABASE_URL=… scripts/run-cluster.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export AMQP_URL="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672}"
export COALESCE_WINDOW_MS="${COALESCE_WINDOW_MS:-15}"
node="node_modules/.bin/node"
pids=()
trap 'kill -TERM "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT
PORT=3001 "$node" src/main/api.ts & pids+=($!)
PORT=3002 "$node" src/main/api.ts & pids+=($!)
EXECUTOR_PORT=8011 "$node" src/main/executor.ts & pids+=($!)
EXECUTOR_PORT=8012 "$node" src/main/executor.ts & pids+=($!)
echo "durable-chat cluster: APIs on http://localhost:3001 and :3002, executors' health on :8011 and :8012"
wait
