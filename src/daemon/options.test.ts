import { test } from "node:test";
import { strict as assert } from "node:assert";
import { DEFAULT_DAEMON_OPTIONS, nftTableName, parseDaemonArgs } from "./options.js";

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

test("berthd network flags: dockerd's names and syntax", () => {
  const o = parseDaemonArgs(["-b", "bt1", "--bip", "10.201.3.1/24", "--default-address-pool", "base=10.202.0.0/16,size=24", "--default-address-pool=base=10.203.0.0/16,size=26", "--userland-proxy=false", "--icc=false", "--ip-forward=0"]);
  assert.equal(o.bridge, "bt1");
  assert.equal(o.bip, "10.201.3.1/24");
  assert.deepEqual(o.defaultAddressPools, [{ base: "10.202.0.0/16", size: 24 }, { base: "10.203.0.0/16", size: 26 }]);
  assert.equal(o.userlandProxy, false);
  assert.equal(o.icc, false);
  assert.equal(o.ipForward, false);
  const d = parseDaemonArgs(["--userland-proxy", "--bridge=none"]);
  assert.equal(d.userlandProxy, true);
  assert.equal(d.bridge, "none");
  assert.deepEqual([DEFAULT_DAEMON_OPTIONS.bridge, DEFAULT_DAEMON_OPTIONS.userlandProxy, DEFAULT_DAEMON_OPTIONS.icc, DEFAULT_DAEMON_OPTIONS.ipForward], ["berth0", true, true, true]);
  // Repeated parses never share the pool list.
  assert.deepEqual(parseDaemonArgs([]).defaultAddressPools, []);
});

test("berthd network flags: bad values name the flag", () => {
  assert.throws(() => parseDaemonArgs(["--bip", "10.1.0.1"]), /--bip/);
  assert.throws(() => parseDaemonArgs(["--bip", "300.1.0.1/24"]), /--bip/);
  assert.throws(() => parseDaemonArgs(["--bridge", "a-name-far-too-long"]), /--bridge/);
  assert.throws(() => parseDaemonArgs(["--default-address-pool", "base=10.0.0.0/16"]), /size must be/);
  assert.throws(() => parseDaemonArgs(["--default-address-pool", "base=10.0.0.0/16,size=8"]), /between/);
  assert.throws(() => parseDaemonArgs(["--default-address-pool", "cidr=10.0.0.0/16,size=24"]), /unknown field "cidr"/);
  assert.throws(() => parseDaemonArgs(["--icc=maybe"]), /invalid boolean value "maybe" for --icc/);
});

test("berthd --mtu: the default bridge's MTU, both syntaxes; bad values refused naming the flag", () => {
  assert.equal(parseDaemonArgs([]).mtu, undefined);
  assert.equal(parseDaemonArgs(["--mtu", "1500"]).mtu, 1500);
  assert.equal(parseDaemonArgs(["--mtu=9000"]).mtu, 9000);
  assert.equal(parseDaemonArgs(["--mtu", "68"]).mtu, 68);
  assert.equal(parseDaemonArgs(["--mtu", "65535"]).mtu, 65535);
  for (const bad of ["0", "67", "65536", "1500x", "-1500", "1.5", "", "abc"]) {
    assert.throws(() => parseDaemonArgs(["--mtu", bad]), (e: Error & { kind?: string }) => {
      assert.equal(e.kind, "InvalidArgument", bad);
      assert.equal(e.message, `berthd: --mtu ${JSON.stringify(bad)}: an MTU from 68 to 65535`);
      return true;
    });
  }
  assert.throws(() => parseDaemonArgs(["--mtu"]), /needs an argument: --mtu/);
});

test("nft table name: berth for the default exec root, a stable per-root name otherwise", () => {
  assert.equal(nftTableName("/run/berth"), "berth");
  const t = nftTableName("/tmp/bd-x/exec");
  assert.match(t, /^berth_[0-9a-f]{8}$/);
  assert.equal(nftTableName("/tmp/bd-x/exec"), t);
  assert.notEqual(nftTableName("/tmp/bd-y/exec"), t);
});

test("berthd --userns-remap: dockerd's forms kept as given, bad ones refused naming the flag", () => {
  assert.equal(parseDaemonArgs(["--userns-remap", "default"]).usernsRemap, "default");
  assert.equal(parseDaemonArgs(["--userns-remap=alice:staff"]).usernsRemap, "alice:staff");
  assert.equal(parseDaemonArgs(["--userns-remap", "1000:1000"]).usernsRemap, "1000:1000");
  assert.equal(parseDaemonArgs([]).usernsRemap, undefined);
  for (const bad of [["--userns-remap", "root"], ["--userns-remap=a:b:c"], ["--userns-remap="], ["--userns-remap"]]) {
    assert.throws(() => parseDaemonArgs(bad), (e: Error) => e.message.startsWith("berthd: ") && e.message.includes("--userns-remap"), bad.join(" "));
  }
});

test("berthd --init / --init-path: dockerd's flags", () => {
  assert.equal(parseDaemonArgs([]).init, false);
  assert.equal(parseDaemonArgs(["--init"]).init, true);
  assert.equal(parseDaemonArgs(["--init=false"]).init, false);
  assert.equal(parseDaemonArgs(["--init-path", "/usr/bin/tini-static"]).initPath, "/usr/bin/tini-static");
  assert.throws(() => parseDaemonArgs(["--init-path", "tini"]), /--init-path tini: give an absolute path/);
  assert.throws(() => parseDaemonArgs(["--init-path"]), /flag needs an argument: --init-path/);
});
