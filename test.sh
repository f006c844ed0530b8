#!/usr/bin/env bash
# The project's test command: everything a new machine needs, then the whole test suite.
# The MySQL-provider tests start their own MariaDB from Debian's packages; install it when it is missing
# (or point MIGRATION_TEST_MYSQL at a running server, see README).
set -euo pipefail
cd "$(dirname "$0")"

if [[ -z "${MIGRATION_TEST_MYSQL:-}" ]] && ! command -v mariadbd >/dev/null 2>&1; then
  echo "test.sh: installing mariadb-server (needed by the MySQL-provider tests)"
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq mariadb-server >/dev/null
fi

# The Kafka tests check the topic once with kcat, an independent client; they fail (not skip) without it.
if ! command -v kcat >/dev/null 2>&1; then
  echo "test.sh: installing kcat (needed by the Kafka wire-protocol tests)"
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq kcat >/dev/null
fi

dotnet test Migration.sln "$@"
