#!/usr/bin/env bash
# The project's test command: everything a new machine needs, then the whole test suite.
set -euo pipefail
cd "$(dirname "$0")"

# Installs a Debian package when its program is found neither on PATH nor in /usr/sbin.
need() {
  local program=$1 package=$2 why=$3
  if command -v "$program" >/dev/null 2>&1 || [[ -x "/usr/sbin/$program" ]]; then
    return
  fi
  echo "test.sh: installing $package ($why)"
  local sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$package" >/dev/null
}

# The MySQL-provider tests start their own MariaDB from Debian's packages, unless MIGRATION_TEST_MYSQL names a server.
if [[ -z "${MIGRATION_TEST_MYSQL:-}" ]]; then
  need mariadbd mariadb-server "the MySQL-provider tests"
fi
# The Kafka tests check the topic once with kcat, an independent client; they fail (not skip) without it.
need kcat kcat "the Kafka wire-protocol tests"
# The dashboard's tests drive Debian's chromium through Playwright (no browser download); they fail without it.
need chromium chromium "the dashboard's browser tests"

dotnet test Migration.sln "$@"
