/**
 * Network policy (issue 5) with the real docker CLI: a container labelled
 * berth.network.allow=api:80 reaches api's port 80 and nothing else it starts (other ports,
 * other containers), still resolves names; containers without the label are unaffected; a
 * target started later becomes reachable; removing the container removes its chain; a bad
 * label fails the run with a clear message.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { daemonSkipReason, type TestDaemon } from "../helpers/daemon.js";
import { eventually, token, withDaemon } from "./network-support.js";

const BRIDGE_NF = "/proc/sys/net/bridge/bridge-nf-call-iptables";
const skip = daemonSkipReason() ??
  (!existsSync(BRIDGE_NF) ? "br_netfilter is not loaded (policies refuse to start without it)" : false);

function subnetOf(d: TestDaemon, index: number): string {
  const [a, b, c] = d.pool.split("/")[0]!.split(".").map(Number);
  return `${a}.${b}.${c! + index}.0/24`;
}

function table(d: TestDaemon): string {
  const r = spawnSync("nft", ["list", "table", "inet", d.nftTable], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** busybox httpd on each port (the last one in the foreground). */
function servers(text: string, ports: number[]): string[] {
  const daemons = ports.slice(0, -1).map((p) => `httpd -p ${p} -h /www && `).join("");
  return ["sh", "-c", `mkdir -p /www && echo ${text} > /www/index.html && ${daemons}exec httpd -f -p ${ports.at(-1)} -h /www`];
}

/**
 * GET from inside a container, given up after 3 s (a dropped SYN never answers). busybox's own
 * `wget -T` is not used: this busybox build segfaults with it, which would pass for "blocked".
 */
async function fetch(d: TestDaemon, from: string, url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = await d.docker(["exec", from, "timeout", "3", "wget", "-qO-", url]);
  assert.ok(r.code === 0 || r.code === 1 || r.code === 143, `wget ${url} from ${from}: exit ${r.code} (${r.stderr}): a crash is neither success nor a block`);
  return r;
}

test("berth.network.allow: only the allowed target and port; DNS still works; others unaffected; rules follow containers", { skip }, async () => {
  assert.equal(readFileSync(BRIDGE_NF, "utf8").trim(), "1", "this host passes bridged traffic to nftables");
  await withDaemon(async (d) => {
    const t = token();
    const net = `${t}-net`;
    await d.ok(["network", "create", "--subnet", subnetOf(d, 6), net]);
    const api = await d.ok(["run", "-d", "--network", net, "--name", `${t}-api`, "busybox", ...servers("api", [80, 8080])]);
    const db = await d.ok(["run", "-d", "--network", net, "--name", `${t}-db`, "busybox", ...servers("db", [5432])]);
    const client = await d.ok(["run", "-d", "--network", net, "--name", `${t}-client`, "--label", `berth.network.allow=${t}-api:80,${t}-late:80`, "busybox", "sleep", "300"]);
    const free = await d.ok(["run", "-d", "--network", net, "--name", `${t}-free`, "busybox", "sleep", "300"]);
    const chain = `allow_${client.slice(0, 12)}`;
    assert.match(table(d), new RegExp(`chain ${chain} \\{`));

    // A container without the label reaches everything (also proves the servers are up).
    assert.equal((await eventually(async () => {
      const r = await fetch(d, free, `http://${t}-api:8080/`);
      if (r.code !== 0) throw new Error(r.stderr);
      return r.stdout;
    })).trim(), "api");
    assert.equal((await eventually(async () => {
      const r = await fetch(d, free, `http://${t}-db:5432/`);
      if (r.code !== 0) throw new Error(r.stderr);
      return r.stdout;
    })).trim(), "db");
    assert.equal((await fetch(d, free, `http://${t}-api:80/`)).stdout.trim(), "api");

    // The policy container: api:80 yes; api:8080 and db:5432 no; names still resolve.
    const allowed = await fetch(d, client, `http://${t}-api:80/`);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(allowed.stdout.trim(), "api");
    assert.notEqual((await fetch(d, client, `http://${t}-api:8080/`)).code, 0, "api:8080 is not allowed");
    assert.notEqual((await fetch(d, client, `http://${t}-db:5432/`)).code, 0, "db is not allowed");
    assert.equal((await d.docker(["exec", client, "nslookup", `${t}-db`])).code, 0, "DNS through the gateway is always allowed");
    // Replies to connections others open to it still pass: free pings the client.
    assert.equal((await d.docker(["exec", free, "ping", "-c", "1", "-W", "2", `${t}-client`])).code, 0);
    assert.notEqual((await d.docker(["exec", client, "ping", "-c", "1", "-W", "2", `${t}-free`])).code, 0, "but it starts nothing else");

    // A target started after the policy container becomes reachable.
    const late = await d.ok(["run", "-d", "--network", net, "--name", `${t}-late`, "busybox", ...servers("late", [80])]);
    assert.equal((await eventually(async () => {
      const r = await fetch(d, client, `http://${t}-late:80/`);
      if (r.code !== 0) throw new Error(r.stderr);
      return r.stdout;
    })).trim(), "late");

    // Removing the container removes its rules.
    await d.ok(["rm", "-f", client]);
    assert.doesNotMatch(table(d), /allow_/);
    await d.ok(["rm", "-f", api, db, free, late]);
    await d.ok(["network", "rm", net]);
  });
});

test("berth.network.allow: a bad label fails docker run with a clear message and leaves nothing", { skip }, async () => {
  await withDaemon(async (d) => {
    const t = token();
    const net = `${t}-net`;
    await d.ok(["network", "create", "--subnet", subnetOf(d, 7), net]);
    // Without --rm: the label is refused at create, so not even a created container remains.
    const r = await d.docker(["run", "--network", net, "--name", `${t}-bad`, "--label", "berth.network.allow=api:99999", "busybox", "true"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /invalid label berth\.network\.allow: rule "api:99999": port "99999": want a port 1-65535/);
    assert.doesNotMatch(table(d), /allow_/);
    assert.equal(await d.ok(["ps", "-aq", "--filter", `name=${t}-bad`]), "", "no container left");
    // The label cannot be enforced in the host's network namespace: refused there too.
    const host = await d.docker(["run", "--network", "host", "--name", `${t}-host`, "--label", "berth.network.allow=api:80", "busybox", "true"]);
    assert.notEqual(host.code, 0);
    assert.match(host.stderr, /invalid label berth\.network\.allow: network mode host/);
    assert.equal(await d.ok(["ps", "-aq", "--filter", `name=${t}-host`]), "");
    await d.ok(["network", "rm", net]);
  });
});

test("berth.network.allow: the policy holds across a berthd crash and restart (live restore)", { skip }, async () => {
  await withDaemon(async (d) => {
    const t = token();
    const net = `${t}-net`;
    await d.ok(["network", "create", "--subnet", subnetOf(d, 8), net]);
    const api = await d.ok(["run", "-d", "--network", net, "--name", `${t}-api`, "busybox", ...servers("api", [80, 8080])]);
    const client = await d.ok(["run", "-d", "--network", net, "--name", `${t}-client`, "--label", `berth.network.allow=${t}-api:80`, "busybox", "sleep", "300"]);
    const chain = `allow_${client.slice(0, 12)}`;
    await eventually(async () => {
      const r = await fetch(d, client, `http://${t}-api:80/`);
      if (r.code !== 0) throw new Error(r.stderr);
    });
    await d.crash();
    // While berthd is down the kernel keeps the table as it was.
    assert.match(table(d), new RegExp(`chain ${chain} \\{`));
    await d.restart();
    assert.match(table(d), new RegExp(`chain ${chain} \\{`), "the restarted daemon's table still holds the policy");
    assert.equal((await fetch(d, client, `http://${t}-api:80/`)).code, 0);
    assert.notEqual((await fetch(d, client, `http://${t}-api:8080/`)).code, 0, "api:8080 still blocked after the restart");
    await d.ok(["rm", "-f", client, api]);
    assert.doesNotMatch(table(d), /allow_/);
    await d.ok(["network", "rm", net]);
  });
});
