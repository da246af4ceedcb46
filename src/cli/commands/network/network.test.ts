/**
 * The network commands and `port` through main() against a fake daemon on a unix socket: the
 * requests they send (docker's bodies and queries) and the output and exit codes they give.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { main } from "../../main.js";

interface Seen { method: string; path: string; query: URLSearchParams; body: unknown }
type Handler = (s: Seen) => { status?: number; json?: unknown } | undefined;

async function withDaemon(handler: Handler, fn: (cli: (argv: string[], stdin?: string) => Promise<{ code: number; stdout: string; stderr: string }>, seen: Seen[]) => Promise<void>, apiVersion = "1.47"): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "berth-test-netcli-"));
  const sock = join(dir, "d.sock");
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      res.setHeader("Api-Version", apiVersion);
      const url = new URL(req.url!, "http://d");
      if (url.pathname === "/_ping") return void res.end("OK");
      const s: Seen = { method: req.method!, path: url.pathname.replace(/^\/v[\d.]+/, ""), query: url.searchParams, body: body ? JSON.parse(body) : undefined };
      seen.push(s);
      const r = handler(s) ?? { status: 404, json: { message: "page not found" } };
      res.statusCode = r.status ?? 200;
      if (r.json === undefined) return void res.end();
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify(r.json));
    });
  });
  await new Promise<void>((r) => server.listen(sock, r));
  try {
    await fn(async (argv, stdin) => {
      const out = new PassThrough(), err = new PassThrough(), input = new PassThrough();
      let stdout = "", stderr = "";
      out.on("data", (d) => (stdout += d));
      err.on("data", (d) => (stderr += d));
      input.end(stdin ?? "");
      const code = await main(argv, { stdin: input, stdout: out, stderr: err, env: { DOCKER_HOST: `unix://${sock}`, HOME: dir } });
      return { code, stdout, stderr };
    }, seen);
  } finally {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const net = (name: string, id: string, extra: Record<string, unknown> = {}) => ({
  Name: name, Id: id, Created: "2026-11-26T15:17:19.163963327Z", Scope: "local", Driver: "bridge", EnableIPv6: false,
  IPAM: { Driver: "default", Options: {}, Config: [] }, Internal: false, Attachable: false, Ingress: false, ConfigFrom: { Network: "" },
  ConfigOnly: false, Containers: {}, Options: {}, Labels: {}, ...extra,
});
const ID = (c: string) => c.repeat(64);
const notFound = (what: string) => ({ status: 404, json: { message: `network ${what} not found` } });

test("network create sends docker's request (IPAM grouped per subnet) and prints the ID", async () => {
  await withDaemon((s) => (s.path === "/networks/create" ? { status: 201, json: { Id: ID("a"), Warning: "" } } : undefined), async (cli, seen) => {
    const r = await cli(["network", "create", "--subnet", "10.201.0.0/16,10.202.0.0/16", "--gateway", "10.202.0.1", "--ip-range", "10.201.1.0/24",
      "--aux-address", "a=10.201.0.5", "-o", "com.docker.network.bridge.name=br-x", "-o", "k2", "--label", "x=1", "--internal", "--attachable",
      "--ipv6", "--ipam-opt", "z=1", "berth-test-n"]);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, `${ID("a")}\n`, ""]);
    assert.deepEqual(seen[0]!.body, {
      Name: "berth-test-n", Driver: "bridge", Scope: "", Internal: true, Attachable: true, Ingress: false, ConfigOnly: false, EnableIPv6: true,
      IPAM: { Driver: "default", Options: { z: "1" }, Config: [
        { Subnet: "10.201.0.0/16", IPRange: "10.201.1.0/24", AuxiliaryAddresses: { a: "10.201.0.5" } },
        { Subnet: "10.202.0.0/16", Gateway: "10.202.0.1" },
      ] },
      Options: { "com.docker.network.bridge.name": "br-x", k2: "" }, Labels: { x: "1" },
    });
    const plain = await cli(["network", "create", "-d", "bridge", "berth-test-m"]);
    assert.equal(plain.code, 0);
    assert.deepEqual(seen[1]!.body, {
      Name: "berth-test-m", Driver: "bridge", Scope: "", Internal: false, Attachable: false, Ingress: false, ConfigOnly: false,
      IPAM: { Driver: "default", Options: {}, Config: [] }, Options: {}, Labels: {},
    });
    // The CLI's own checks (exit 1, nothing sent).
    const bad: [string[], string][] = [
      [["--gateway", "10.0.0.1"], "every ip-range or gateway must have a corresponding subnet"],
      [["--subnet", "10.1.0.0/16", "--ip-range", "10.2.0.0/24"], "no matching subnet for range 10.2.0.0/24"],
      [["--subnet", "10.1.0.0/16", "--subnet", "10.1.2.0/24"], "multiple overlapping subnet configuration is not supported"],
      [["--subnet", "10.1.0.0/16", "--ip-range", "10.1.0.0"], "invalid CIDR address: 10.1.0.0"],
      [["--subnet", "10.1.0.0/16", "--gateway", "10.1.0.300"], "no matching subnet for gateway 10.1.0.300"],
      [["--subnet", "10.1.0.0/16", "--aux-address", "a=1.2.3.4"], "no matching subnet for aux-address 1.2.3.4"],
      [["--subnet", "10.1.0.0/36", "--ip-range", "10.1.0.0/24"], "invalid subnet: invalid CIDR address: 10.1.0.0/36"],
      [["--subnet", "fd00::/64", "--gateway", "fd00::1", "--subnet", "10.1.0.0/16", "--gateway", "10.1.0.254"], ""],
    ];
    for (const [flags, message] of bad) {
      const before = seen.length;
      const res = await cli(["network", "create", ...flags, "x"]);
      if (message === "") {
        assert.equal(res.code, 0, res.stderr);
        assert.deepEqual((seen.at(-1)!.body as { IPAM: unknown }).IPAM, { Driver: "default", Options: {}, Config: [{ Subnet: "fd00::/64", Gateway: "fd00::1" }, { Subnet: "10.1.0.0/16", Gateway: "10.1.0.254" }] });
        continue;
      }
      assert.deepEqual([res.code, res.stderr], [1, `${message}\n`], flags.join(" "));
      assert.equal(seen.length, before);
    }
    assert.equal((seen[0]!.body as { CheckDuplicate?: boolean }).CheckDuplicate, undefined);
    const args = await cli(["network", "create"]);
    assert.equal(args.code, 1);
    assert.match(args.stderr, /"berth network create" requires exactly 1 argument/);
  });
});

test("network create asks an API < 1.44 daemon to refuse a duplicate name, as docker's client does", async () => {
  await withDaemon((s) => (s.path === "/networks/create" ? { status: 201, json: { Id: ID("a"), Warning: "" } } : undefined), async (cli, seen) => {
    assert.equal((await cli(["network", "create", "berth-test-n"])).code, 0);
    assert.equal((seen[0]!.body as { CheckDuplicate?: boolean }).CheckDuplicate, true);
  }, "1.41");
});

test("network ls: docker's table sorted by name, -q, --no-trunc, --filter, --format", async () => {
  const list = [net("net10", ID("c"), { Labels: { b: "2", a: "1" } }), net("host", ID("b"), { Driver: "host" }), net("net2", ID("a"), { Internal: true })];
  await withDaemon((s) => (s.path === "/networks" ? { json: list } : undefined), async (cli, seen) => {
    const t = await cli(["network", "ls"]);
    assert.equal(t.stdout, [
      "NETWORK ID     NAME      DRIVER    SCOPE",
      "bbbbbbbbbbbb   host      host      local",
      "aaaaaaaaaaaa   net2      bridge    local",
      "cccccccccccc   net10     bridge    local", ""].join("\n"));
    assert.equal((await cli(["network", "ls", "-q"])).stdout, "bbbbbbbbbbbb\naaaaaaaaaaaa\ncccccccccccc\n");
    assert.equal((await cli(["network", "ls", "-q", "--no-trunc"])).stdout, `${ID("b")}\n${ID("a")}\n${ID("c")}\n`);
    assert.equal((await cli(["network", "ls", "-q", "--format", "{{.Name}}"])).stdout, "host\nnet2\nnet10\n");
    assert.equal((await cli(["network", "ls", "--format", "{{.Name}} {{.Internal}} {{.Labels}} {{.Label \"b\"}} {{.CreatedAt}}"])).stdout.split("\n")[2],
      "net10 false a=1,b=2 2 2026-11-26 15:17:19.163963327 +0000 UTC");
    assert.equal((await cli(["network", "ls", "--format", "table {{.Name}}\t{{.IPv6}}"])).stdout, "NAME      IPV6\nhost      false\nnet2      false\nnet10     false\n");
    assert.deepEqual(JSON.parse((await cli(["network", "ls", "--format", "json"])).stdout.split("\n")[1]!), {
      CreatedAt: "2026-11-26 15:17:19.163963327 +0000 UTC", Driver: "bridge", ID: "aaaaaaaaaaaa", IPv4: "false", IPv6: "false", Internal: "true",
      Labels: "", Name: "net2", Scope: "local",
    });
    await cli(["network", "ls", "-f", "driver=bridge", "--filter", "name=net"]);
    assert.deepEqual(JSON.parse(seen.at(-1)!.query.get("filters")!), { driver: ["bridge"], name: ["net"] });
    const bad = await cli(["network", "ls", "--format", "{{.Nope}}"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /can't evaluate field Nope/);
  });
});

test("network inspect: JSON array, --format per network, the daemon's words for a missing one (exit 1)", async () => {
  await withDaemon((s) => {
    if (s.path === `/networks/berth-test-a`) return { json: net("berth-test-a", ID("a")) };
    if (s.path.startsWith("/networks/")) return notFound(s.path.slice("/networks/".length));
    return undefined;
  }, async (cli, seen) => {
    const one = await cli(["network", "inspect", "berth-test-a"]);
    assert.equal(one.code, 0);
    assert.equal(JSON.parse(one.stdout)[0].Id, ID("a"));
    assert.match(one.stdout, /^\[\n {4}\{\n {8}"Name": "berth-test-a",/);
    assert.equal(seen.at(-1)!.query.get("verbose"), null);
    const two = await cli(["network", "inspect", "-f", "{{.Name}} {{.Driver}}", "berth-test-a", "berth-test-nosuch"]);
    assert.deepEqual([two.code, two.stdout, two.stderr], [1, "berth-test-a bridge\n", "Error response from daemon: network berth-test-nosuch not found\n"]);
    const none = await cli(["network", "inspect", "-v", "berth-test-nosuch"]);
    assert.deepEqual([none.code, none.stdout], [1, "[]\n"]);
    assert.match(seen.at(-1)!.query.get("verbose") ?? "", /^(1|true)$/);
  });
});

test("network rm: each removed name printed, each failure on stderr, exit 1; -f ignores missing ones", async () => {
  await withDaemon((s) => {
    if (s.method !== "DELETE") return undefined;
    const name = s.path.slice("/networks/".length);
    if (name === "host") return { status: 403, json: { message: "host is a pre-defined network and cannot be removed" } };
    return name.includes("nosuch") ? notFound(name) : { status: 204 };
  }, async (cli) => {
    const r = await cli(["network", "rm", "berth-test-a", "berth-test-nosuch", "host", "berth-test-b"]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "berth-test-a\nberth-test-b\n");
    assert.equal(r.stderr, "Error response from daemon: network berth-test-nosuch not found\nError response from daemon: host is a pre-defined network and cannot be removed\n");
    const f = await cli(["network", "remove", "-f", "berth-test-nosuch", "berth-test-a"]);
    assert.deepEqual([f.code, f.stdout, f.stderr], [0, "berth-test-a\n", ""]);
  });
});

test("network connect/disconnect send docker's endpoint settings; --link is refused clearly", async () => {
  await withDaemon((s) => (s.method === "POST" && /\/(dis)?connect$/.test(s.path) ? { status: 200 } : undefined), async (cli, seen) => {
    const c = await cli(["network", "connect", "--ip", "10.203.0.9", "--alias", "a", "--alias", "b,c", "--driver-opt", "x=y",
      "--mac-address", "02:42:ac:11:00:09", "berth-test-n", "ctr"]);
    assert.deepEqual([c.code, c.stdout, c.stderr], [0, "", ""]);
    assert.equal(seen[0]!.path, "/networks/berth-test-n/connect");
    assert.deepEqual(seen[0]!.body, { Container: "ctr", EndpointConfig: {
      IPAMConfig: { IPv4Address: "10.203.0.9" }, Aliases: ["a", "b", "c"], DriverOpts: { x: "y" }, MacAddress: "02:42:ac:11:00:09",
    } });
    await cli(["network", "connect", "berth-test-n", "ctr"]);
    assert.deepEqual(seen[1]!.body, { Container: "ctr", EndpointConfig: {} });
    const d = await cli(["network", "disconnect", "-f", "berth-test-n", "ctr"]);
    assert.equal(d.code, 0);
    assert.deepEqual(seen[2]!.body, { Container: "ctr", Force: true });
    await cli(["network", "disconnect", "berth-test-n", "ctr"]);
    assert.deepEqual(seen[3]!.body, { Container: "ctr", Force: false });
    const link = await cli(["network", "connect", "--link", "x:y", "n", "c"]);
    assert.equal(link.code, 125);
    assert.match(link.stderr, /--link is not supported by berth/);
    const opt = await cli(["network", "connect", "--driver-opt", "x", "n", "c"]);
    assert.deepEqual([opt.code, opt.stderr], [1, "invalid key/value pair format in driver options\n"]);
    const mac = await cli(["network", "connect", "--mac-address", "zz", "n", "c"]);
    assert.deepEqual([mac.code, mac.stderr], [1, 'invalid MAC address: "zz"\n']);
    assert.equal(seen.length, 4, "refused commands send nothing");
    assert.equal((await cli(["network", "connect", "n"])).code, 1);
  });
});

test("network prune: docker's prompt, a 'no' sends nothing; -f and --filter", async () => {
  await withDaemon((s) => (s.path === "/networks/prune" ? { json: { NetworksDeleted: ["berth-test-a", "berth-test-b"] } } : undefined), async (cli, seen) => {
    const no = await cli(["network", "prune"], "n\n");
    assert.deepEqual([no.code, no.stdout], [0, "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] "]);
    assert.equal(seen.length, 0);
    const yes = await cli(["network", "prune"], "y\n");
    assert.match(yes.stdout, /\[y\/N\] Deleted Networks:\nberth-test-a\nberth-test-b\n\n$/);
    const f = await cli(["network", "prune", "-f", "--filter", "until=1h"]);
    assert.equal(f.stdout, "Deleted Networks:\nberth-test-a\nberth-test-b\n\n");
    assert.deepEqual(JSON.parse(seen.at(-1)!.query.get("filters")!), { until: ["1h"] });
  });
  await withDaemon((s) => (s.path === "/networks/prune" ? { json: { NetworksDeleted: null } } : undefined), async (cli) => {
    assert.deepEqual(await cli(["network", "prune", "-f"]), { code: 0, stdout: "", stderr: "" });
  });
});

test("port: docker's listing, one port's host addresses, and its errors", async () => {
  const Ports = {
    "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "32768" }, { HostIp: "::", HostPort: "32768" }],
    "9/tcp": [{ HostIp: "127.0.0.1", HostPort: "9000" }],
    "53/udp": [{ HostIp: "0.0.0.0", HostPort: "5353" }],
    "443/tcp": null,
  };
  await withDaemon((s) => (s.path === "/containers/c1/json" ? { json: { Id: ID("e"), Name: "/c1", NetworkSettings: { Ports } } } : undefined), async (cli) => {
    const all = await cli(["port", "c1"]);
    assert.equal(all.stdout, "9/tcp -> 127.0.0.1:9000\n53/udp -> 0.0.0.0:5353\n80/tcp -> 0.0.0.0:32768\n80/tcp -> [::]:32768\n");
    assert.equal((await cli(["port", "c1", "80"])).stdout, "0.0.0.0:32768\n[::]:32768\n");
    assert.equal((await cli(["container", "port", "c1", "53/udp"])).stdout, "0.0.0.0:5353\n");
    const missing = await cli(["port", "c1", "81"]);
    assert.deepEqual([missing.code, missing.stderr], [1, "Error: No public port '81' published for c1\n"]);
    const unpublished = await cli(["port", "c1", "443/tcp"]);
    assert.deepEqual([unpublished.code, unpublished.stderr], [1, "Error: No public port '443/tcp' published for c1\n"]);
    const bad = await cli(["port", "c1", "http"]);
    assert.deepEqual([bad.code, bad.stderr], [1, 'Error: invalid port (http): strconv.ParseUint: parsing "http": invalid syntax\n']);
  });
});
