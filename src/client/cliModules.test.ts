// The CLI's transport is node:net alone (http1.ts): `berth version` and `berth ps` must not load
// node:http (or https/tls), whose parser and agent machinery cost milliseconds of every
// command's start. Both forms of the CLI (tsc's tree and the bundle the installed `berth` runs)
// are run against a stand-in daemon; a preloaded probe records the builtins the process loaded.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const TSC_ENTRY = resolve(here, "../bin/berth.js");
const BUNDLE_ENTRY = resolve(here, "../../berth-cli.cjs");

/** Builtins that must stay unloaded: node:http and what only it (or TLS) pulls in. */
const FORBIDDEN = /^NativeModule (https?|_http_\w+|http2|tls|_tls_\w+|internal\/http)$/;

/** Serves what `version` and `ps` ask for, as berthd would. */
function standInDaemon() {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const json = (x: unknown) => res.writeHead(200, { "Content-Type": "application/json", "Api-Version": "1.45" }).end(JSON.stringify(x));
    if (req.url === "/_ping") return void res.writeHead(200, { "Api-Version": "1.45", "Content-Type": "text/plain" }).end("OK");
    if (req.url === "/v1.45/version") {
      return void json({ Version: "0.1.0", ApiVersion: "1.45", MinAPIVersion: "1.24", GitCommit: "x", GoVersion: "node", Os: "linux", Arch: "amd64", BuildTime: "", Platform: { Name: "berth stand-in" }, Components: [{ Name: "Engine", Version: "0.1.0", Details: {} }] });
    }
    if (req.url?.startsWith("/v1.45/containers/json")) return void json([]);
    res.writeHead(404, { "Content-Type": "application/json" }).end('{"message":"page not found"}');
  });
  return { server, seen };
}

function runCli(entry: string, sock: string, home: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; modules: string[] }> {
  const probe = join(home, "probe.cjs");
  const out = join(home, `modules-${args[0]}.json`);
  // Written at exit (the CLI ends with process.exit): everything the command loaded by then.
  writeFileSync(probe, `process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.moduleLoadList)));\n`);
  return new Promise((done, reject) => {
    const p = spawn(process.execPath, ["--require", probe, entry, ...args], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(home, ".docker") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), 30_000);
    p.on("error", reject);
    p.on("close", (code) => {
      clearTimeout(timer);
      const modules = existsSync(out) ? (JSON.parse(readFileSync(out, "utf8")) as string[]) : [];
      done({ code, stdout, stderr, modules });
    });
  });
}

for (const [form, entry] of [["tsc tree", TSC_ENTRY], ["bundle", BUNDLE_ENTRY]] as const) {
  const skip = existsSync(entry) ? false : `${entry} is not built (npx tsc -p . && npm run build:cli)`;
  test(`berth version and ps (${form}) never load node:http`, { skip }, async () => {
    const home = mkdtempSync(join(tmpdir(), "berth-test-climodules-"));
    const sock = join(home, "d.sock");
    const { server, seen } = standInDaemon();
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      for (const args of [["version"], ["ps"]]) {
        const r = await runCli(entry, sock, home, args);
        assert.equal(r.code, 0, `berth ${args[0]}: ${r.stderr}`);
        if (args[0] === "version") assert.match(r.stdout, /Server: berth stand-in\n/);
        else assert.match(r.stdout, /^CONTAINER ID\s+IMAGE\s+COMMAND/);
        // The probe saw the command's own loads (its transport is node:net), so an empty list
        // cannot pass for a clean one.
        assert.ok(r.modules.includes("NativeModule net"), `berth ${args[0]}: the probe recorded no module list`);
        assert.deepEqual(r.modules.filter((m) => FORBIDDEN.test(m)), [], `berth ${args[0]} loaded these`);
      }
      assert.ok(seen.includes("GET /v1.45/version") && seen.some((s) => s.startsWith("GET /v1.45/containers/json")), `the daemon was asked: ${seen.join(", ")}`);
    } finally {
      await new Promise((r) => server.close(r));
      rmSync(home, { recursive: true, force: true });
    }
  });
}
