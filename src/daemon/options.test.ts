import { test } from "node:test";
import { strict as assert } from "node:assert";
import { DEFAULT_DAEMON_OPTIONS, parseDaemonArgs } from "./options.js";

test("berthd flags: dockerd's names, both --flag value and --flag=value", () => {
  const o = parseDaemonArgs(["-H", "unix:///tmp/x.sock", "--data-root=/d", "--exec-root", "/e", "--pidfile", "/p", "--log-level", "debug"]);
  assert.equal(o.socketPath, "/tmp/x.sock");
  assert.equal(o.dataRoot, "/d");
  assert.equal(o.execRoot, "/e");
  assert.equal(o.pidFile, "/p");
  assert.equal(o.logLevel, "debug");
  assert.deepEqual(parseDaemonArgs([]), DEFAULT_DAEMON_OPTIONS);
});

test("berthd flags: bad input names the flag", () => {
  assert.throws(() => parseDaemonArgs(["-H", "tcp://0.0.0.0:2375"]), /only unix:\/\/ sockets/);
  assert.throws(() => parseDaemonArgs(["--log-level", "loud"]), /--log-level/);
  assert.throws(() => parseDaemonArgs(["--data-root"]), /needs an argument: --data-root/);
  assert.throws(() => parseDaemonArgs(["--bogus"]), /unknown flag: --bogus/);
});
