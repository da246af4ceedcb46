import { test } from "node:test";
import { strict as assert } from "node:assert";
import { PassThrough } from "node:stream";
import { main, socketPathOf } from "./main.js";

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (d) => (stdout += d));
  err.on("data", (d) => (stderr += d));
  const code = await main(argv, { stdin: new PassThrough(), stdout: out, stderr: err, env });
  return { code, stdout, stderr };
}

test("global flags, help, version and unknown commands", async () => {
  assert.match((await cli(["--version"])).stdout, /^Berth version \d+\.\d+\.\d+\n$/);
  const help = await cli([]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage:\s+berth \[OPTIONS\] COMMAND/);
  assert.match(help.stdout, /\n  run\s+Create and run a new container from an image\n/);
  const unknown = await cli(["frob"]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /berth: 'frob' is not a berth command/);
  const group = await cli(["image", "frob"]);
  assert.equal(group.code, 1);
  const badGlobal = await cli(["--bogus", "ps"]);
  assert.equal(badGlobal.code, 125);
  assert.match(badGlobal.stderr, /unknown flag: --bogus/);
  const cmdHelp = await cli(["ps", "--help"]);
  assert.equal(cmdHelp.code, 0);
  assert.match(cmdHelp.stdout, /Usage:\s+berth ps \[OPTIONS\]/);
});

test("host selection: -H over BERTH_HOST over DOCKER_HOST; unix sockets only", async () => {
  assert.equal(socketPathOf("unix:///run/x.sock"), "/run/x.sock");
  assert.equal(socketPathOf("/run/y.sock"), "/run/y.sock");
  assert.throws(() => socketPathOf("tcp://h:2375"), /unix:\/\/ sockets only/);
  const missing = "/tmp/berth-test-no-daemon-here.sock";
  const viaEnv = await cli(["ps"], { BERTH_HOST: `unix://${missing}`, DOCKER_HOST: "unix:///elsewhere" });
  assert.equal(viaEnv.code, 1);
  assert.match(viaEnv.stderr, new RegExp(`Cannot connect to the berth daemon at unix://${missing}`));
  const viaFlag = await cli(["-H", `unix://${missing}x`, "ps"], { BERTH_HOST: `unix://${missing}` });
  assert.match(viaFlag.stderr, new RegExp(`${missing}x`));
  const runErr = await cli(["-H", `unix://${missing}`, "run", "busybox"]);
  assert.equal(runErr.code, 125, "run's daemon errors exit 125");
  assert.match(runErr.stderr, /^berth: Cannot connect/);
});

test("argument counts and flag errors exit like docker's", async () => {
  const rm = await cli(["rm"]);
  assert.equal(rm.code, 1);
  assert.match(rm.stderr, /^"berth rm" requires at least 1 argument\.\nSee 'berth rm --help'\./);
  const flag = await cli(["stop", "--time", "soon", "x"]);
  assert.equal(flag.code, 125);
  assert.match(flag.stderr, /invalid argument "soon" for "--time" flag/);
});
