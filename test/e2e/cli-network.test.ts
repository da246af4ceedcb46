/**
 * The berth CLI's networking surface against berthd: `berth network create/ls/inspect/rm/
 * connect/disconnect/prune`, and `berth run` with -p, --network (several), --ip and
 * --network-alias, checked for output and exit codes, with the docker CLI's output on the same
 * daemon as the oracle where both print the same thing; then the daemon's leak check.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { daemonSkipReason, type TestDaemon } from "../helpers/daemon.js";
import { cliSkipReason, runCli, type CliRun } from "../integration/cli-env.js";
import { eventually, freePort, httpd, httpGet, inspect, token, withDaemon } from "./network-support.js";

const skip = daemonSkipReason() ?? cliSkipReason() ?? false;

const berth = (d: TestDaemon, args: string[], stdin?: string): Promise<CliRun> => runCli("berth", d.sock, join(d.dir, "home"), args, stdin === undefined ? {} : { stdin });

async function ok(d: TestDaemon, args: string[]): Promise<string> {
  const r = await berth(d, args);
  if (r.code !== 0) throw new Error(`berth ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
}

/** A /24 of the daemon's own pool (it cannot collide with another test daemon's networks). */
function subnetOf(d: TestDaemon, index: number): { subnet: string; prefix: string } {
  const [a, b, c] = d.pool.split("/")[0]!.split(".").map(Number);
  return { subnet: `${a}.${b}.${c! + index}.0/24`, prefix: `${a}.${b}.${c! + index}` };
}

test("berth network create, ls, inspect, rm, prune: docker's output and exit codes", { skip }, async () => {
  await withDaemon(async (d) => {
    const { subnet, prefix } = subnetOf(d, 11);
    const name = token();
    const id = await ok(d, ["network", "create", "--subnet", subnet, "--gateway", `${prefix}.254`, "--ip-range", `${prefix}.128/25`,
      "--label", "berth-test=1", "--internal", "--attachable", "-o", "com.docker.network.bridge.enable_icc=true", name]);
    assert.match(id, /^[0-9a-f]{64}$/);
    const n = JSON.parse(await ok(d, ["network", "inspect", name]))[0];
    assert.deepEqual([n.Id, n.Name, n.Driver, n.Internal, n.Attachable, n.Labels], [id, name, "bridge", true, true, { "berth-test": "1" }]);
    assert.deepEqual(n.IPAM.Config, [{ Subnet: subnet, IPRange: `${prefix}.128/25`, Gateway: `${prefix}.254` }]);
    assert.equal(await ok(d, ["network", "inspect", "-f", "{{.Name}} {{.Internal}}", name, "bridge"]), `${name} true\nbridge false`);

    // The same table, formats and filters as docker's CLI prints on this daemon.
    for (const args of [["network", "ls"], ["network", "ls", "--no-trunc"], ["network", "ls", "-q"], ["network", "ls", "--format", "json"],
      ["network", "ls", "--format", "table {{.Name}}\t{{.Internal}}\t{{.Labels}}"], ["network", "ls", "-q", "--filter", "label=berth-test=1"],
      ["network", "ls", "--filter", "driver=bridge", "--format", "{{.Name}}"], ["network", "inspect", name]]) {
      const [b, o] = [await berth(d, args), await d.docker(args)];
      assert.deepEqual([b.code, b.stdout], [o.code, o.stdout], args.join(" "));
    }
    assert.equal(await ok(d, ["network", "ls", "-q", "--no-trunc", "--filter", "label=berth-test=1"]), id);

    // Refusals: the daemon's words, exit 1; the CLI's own checks send nothing.
    const dup = await berth(d, ["network", "create", name]);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, new RegExp(`^Error response from daemon: .*network with name ${name} already exists`));
    const noSubnet = await berth(d, ["network", "create", "--gateway", `${prefix}.1`, token()]);
    assert.deepEqual([noSubnet.code, noSubnet.stderr], [1, "every ip-range or gateway must have a corresponding subnet\n"]);
    const v6 = await berth(d, ["network", "create", "--ipv6", token()]);
    assert.equal(v6.code, 1, "berthd refuses IPv6 networks");
    assert.match(v6.stderr, /^Error response from daemon: /);
    const missing = await berth(d, ["network", "inspect", name, "berth-test-nosuch"]);
    assert.equal(missing.code, 1);
    assert.equal(JSON.parse(missing.stdout)[0].Id, id);
    assert.match(missing.stderr, /^Error response from daemon: .*berth-test-nosuch/);

    // rm: one line per removed network, one error per failure, exit 1; -f ignores missing ones.
    const other = token();
    await ok(d, ["network", "create", other]);
    const rm = await berth(d, ["network", "rm", other, "berth-test-nosuch", "host"]);
    assert.equal(rm.code, 1);
    assert.equal(rm.stdout, `${other}\n`);
    const errs = rm.stderr.trim().split("\n");
    assert.equal(errs.length, 2, rm.stderr);
    assert.match(errs[0]!, /^Error response from daemon: .*berth-test-nosuch/);
    assert.match(errs[1]!, /^Error response from daemon: .*host/);
    const forced = await berth(d, ["network", "remove", "-f", "berth-test-nosuch"]);
    assert.deepEqual([forced.code, forced.stdout, forced.stderr], [0, "", ""]);

    // prune: a "no" keeps everything; -f removes networks no container uses.
    const no = await berth(d, ["network", "prune"], "n\n");
    assert.deepEqual([no.code, no.stdout], [0, "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] "]);
    assert.equal(await ok(d, ["network", "ls", "-q", "--filter", `name=${name}`]), id.slice(0, 12));
    const pruned = await berth(d, ["network", "prune", "-f"]);
    assert.deepEqual([pruned.code, pruned.stdout], [0, `Deleted Networks:\n${name}\n\n`]);
    assert.deepEqual((await ok(d, ["network", "ls", "--format", "{{.Name}}"])).split("\n"), ["bridge", "host", "none"]);
    assert.deepEqual(await berth(d, ["network", "prune", "-f"]), { code: 0, stdout: "", stderr: "", out: Buffer.alloc(0) });
  });
});

test("berth run --network/--ip/--network-alias, several networks, connect and disconnect", { skip }, async () => {
  await withDaemon(async (d) => {
    const a = subnetOf(d, 12), b = subnetOf(d, 13);
    const [na, nb] = [token(), token()];
    await ok(d, ["network", "create", "--subnet", a.subnet, na]);
    await ok(d, ["network", "create", "--subnet", b.subnet, nb]);
    const web = await ok(d, ["run", "-d", "--name", token(), "--network", na, "--ip", `${a.prefix}.7`, "--network-alias", "web",
      "--mac-address", "02:42:0a:c8:00:07", "busybox", "sleep", "300"]);
    const nets = (await inspect(d, web)).NetworkSettings.Networks;
    assert.deepEqual(Object.keys(nets), [na]);
    assert.equal(nets[na].IPAddress, `${a.prefix}.7`);
    assert.equal(nets[na].MacAddress, "02:42:0a:c8:00:07");
    assert.ok(nets[na].Aliases.includes("web"), JSON.stringify(nets[na].Aliases));

    // Two --network: one endpoint each (API >= 1.44), the first one gets the per-container flags.
    const both = await ok(d, ["run", "-d", "--name", token(), "--network", na, "--network", nb, "--network-alias", "both", "busybox", "sleep", "300"]);
    const bn = (await inspect(d, both)).NetworkSettings.Networks;
    assert.deepEqual(Object.keys(bn).sort(), [na, nb].sort());
    assert.ok(bn[na].IPAddress.startsWith(`${a.prefix}.`) && bn[nb].IPAddress.startsWith(`${b.prefix}.`), JSON.stringify(bn));
    assert.ok(bn[na].Aliases.includes("both"));
    // The alias resolves through berthd's DNS on that network.
    const ping = await berth(d, ["exec", both, "ping", "-c", "1", "-W", "2", "web"]);
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
    assert.match(ping.stdout, new RegExp(`\\(${a.prefix.replace(/\./g, "\\.")}\\.7\\)`));

    // connect with --ip/--alias, then disconnect: the container's view follows.
    assert.deepEqual(await berth(d, ["network", "connect", "--ip", `${b.prefix}.9`, "--alias", "api", nb, web]), { code: 0, stdout: "", stderr: "", out: Buffer.alloc(0) });
    const after = (await inspect(d, web)).NetworkSettings.Networks;
    assert.equal(after[nb].IPAddress, `${b.prefix}.9`);
    assert.ok(after[nb].Aliases.includes("api"));
    // Resolved from a container whose first network is nb (berthd answers from the first network only).
    const viaAlias = await berth(d, ["run", "--rm", "--network", nb, "busybox", "ping", "-c", "1", "-W", "2", "api"]);
    assert.equal(viaAlias.code, 0, viaAlias.stdout + viaAlias.stderr);
    assert.match(viaAlias.stdout, new RegExp(`\\(${b.prefix.replace(/\./g, "\\.")}\\.9\\)`));
    const again = await berth(d, ["network", "connect", nb, web]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^Error response from daemon: /);
    assert.equal((await berth(d, ["network", "disconnect", nb, web])).code, 0);
    assert.deepEqual(Object.keys((await inspect(d, web)).NetworkSettings.Networks), [na]);
    const gone = await berth(d, ["network", "disconnect", nb, "berth-test-nosuch"]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^Error response from daemon: .*berth-test-nosuch/);

    // The CLI's own refusals: flag errors, exit 125, no container made.
    for (const [args, message] of [
      [["--network-alias", "x"], "network-scoped aliases are only supported for user-defined networks"],
      [["--network", "host", "--network", na], "conflicting options: cannot attach both user-defined and non-user-defined network-modes"],
      [["--network", na, "--network", na], `network "${na}" is specified multiple times`],
      [["-p", "80/xyz"], "invalid proto: xyz"],
      [["-p", "8000-8010:80-85"], "invalid ranges specified for container and host Ports: 80-85 and 8000-8010"],
    ] as [string[], string][]) {
      const r = await berth(d, ["run", "-d", ...args, "busybox", "true"]);
      assert.deepEqual([r.code, r.stderr], [125, `${message}\nSee 'berth run --help'.\n`], args.join(" "));
    }
    const rmInUse = await berth(d, ["network", "rm", na]);
    assert.equal(rmInUse.code, 1);
    assert.match(rmInUse.stderr, /^Error response from daemon: .*active endpoints/);
    await ok(d, ["rm", "-f", web, both]);
    assert.equal(await ok(d, ["network", "rm", na, nb]), `${na}\n${nb}`);
  });
});

test("berth run -p: reachable from the host; berth port and ps PORTS print what docker prints", { skip }, async () => {
  await withDaemon(async (d) => {
    const [p1, p2] = [await freePort(), await freePort()];
    const text = token();
    const id = await ok(d, ["run", "-d", "-p", `127.0.0.1:${p1}:80`, "-p", `127.0.0.1:${p2}:53/udp`, "--expose", "7000-7002", "busybox", ...httpd(text)]);
    assert.equal((await eventually(() => httpGet("127.0.0.1", p1))).trim(), text);
    const c = await inspect(d, id);
    assert.deepEqual(Object.keys(c.Config.ExposedPorts).sort(), ["53/udp", "7000/tcp", "7001/tcp", "7002/tcp", "80/tcp"]);
    for (const args of [["port", id], ["port", id, "80"], ["port", id, "53/udp"], ["port", id, "81"], ["port", id, "7000"],
      ["ps", "--format", "{{.Ports}}", "--filter", `id=${id}`]]) {
      const [b, o] = [await berth(d, args), await d.docker(args)];
      assert.deepEqual([b.code, b.stdout, b.stderr.replace(/berth/g, "docker")], [o.code, o.stdout, o.stderr], args.join(" "));
    }
    assert.equal(await ok(d, ["port", id, "80"]), `127.0.0.1:${p1}`);
    assert.equal(await ok(d, ["ps", "--format", "{{.Ports}}", "--filter", `id=${id}`]), `7000-7002/tcp, 127.0.0.1:${p2}->53/udp, 127.0.0.1:${p1}->80/tcp`);
    const none = await berth(d, ["port", id, "81"]);
    assert.deepEqual([none.code, none.stderr], [1, `Error: No public port '81' published for ${id}\n`]);

    // -P: every exposed port gets a host port the daemon picks.
    const auto = await ok(d, ["run", "-d", "-P", "--expose", "80", "busybox", ...httpd(text)]);
    const m = /^0\.0\.0\.0:(\d+)$/m.exec(await ok(d, ["port", auto, "80"]));
    assert.ok(m);
    assert.equal((await eventually(() => httpGet("127.0.0.1", Number(m[1])))).trim(), text);
    await ok(d, ["rm", "-f", id, auto]);
  });
});
