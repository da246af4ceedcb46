#!/usr/bin/env bash
# The full test suite: installs/builds what the tests need, then runs unit and (as root)
# integration tests with node's test runner, whose summary line ends the output.
set -euo pipefail
cd "$(dirname "$0")/.."
# The tests start their own daemons on private sockets; the host daemon is not needed.
BERTH_SKIP_DAEMON=1 ./scripts/install.sh
exec node scripts/test.mjs "$@"
