#!/usr/bin/env bash
# Publishes the benchmark ahead of time (ReadyToRun, as the service is deployed) and runs it with the given options.
# ./bench/run.sh --help lists them.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
dotnet publish bench/Migration.Bench -c Release -o "$out" --nologo -v quiet >&2
exec "$out/Migration.Bench" "$@"
