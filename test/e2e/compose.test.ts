/**
 * docker-compose (Debian's python 1.29.2, /usr/bin/docker-compose, unchanged) against a private
 * berthd: a web service (busybox httpd with a published port on 127.0.0.1, a named volume, a
 * healthcheck, environment, labels) and a client that waits for web to be healthy and fetches
 * http://web/ by service name over the project's user network (berthd's DNS). Compose drives
 * the API through docker-py at the daemon's newest version (label filters on /containers/json,
 * network create/connect with aliases, attach, logs, events) and runs `exec` and `run` through
 * the docker CLI.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { daemonSkipReason, DOCKER_CLI, type TestDaemon } from "../helpers/daemon.js";
import { eventually, freePort, httpGet, token, withDaemon } from "./network-support.js";

const COMPOSE = "/usr/bin/docker-compose";
const skip = daemonSkipReason() ?? (existsSync(COMPOSE) ? false : `${COMPOSE} not installed (apt install docker-compose)`);

interface Run { code: number | null; stdout: string; stderr: string }

interface Project {
  name: string;
  dir: string;
  /** Runs docker-compose in the project directory against the daemon; never throws. */
  compose(args: string[], env?: Record<string, string>): Promise<Run>;
  /** Like compose(), but throws with the output unless the exit status is 0; returns stdout. */
  ok(args: string[], env?: Record<string, string>): Promise<string>;
}

/** A compose project in a temporary directory (removed afterwards, also on failure). */
async function withProject(d: TestDaemon, yaml: (name: string) => string, fn: (p: Project) => Promise<void>): Promise<void> {
  const dir = await mkdtemp("/tmp/berth-test-compose-");
  // Compose names everything <project>_<thing>: a random project name keeps parallel runs apart.
  const name = token().replace(/-/g, "");
  const compose = (args: string[], env: Record<string, string> = {}) =>
    new Promise<Run>((resolve, reject) => {
      const p = spawn(COMPOSE, args, {
        cwd: dir,
        // `exec` and `run` call the docker CLI: it must be found on PATH, with its config in the test directory.
        env: {
          PATH: `${join(DOCKER_CLI, "..")}:${process.env.PATH ?? "/usr/bin:/bin"}`, HOME: dir, DOCKER_CONFIG: join(dir, ".docker"),
          DOCKER_HOST: `unix://${d.sock}`, COMPOSE_PROJECT_NAME: name, ...env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      p.stdout.on("data", (b) => (stdout += b));
      p.stderr.on("data", (b) => (stderr += b));
      const timer = setTimeout(() => p.kill("SIGKILL"), 30_000);
      p.on("error", reject);
      p.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  const project: Project = {
    name, dir, compose,
    async ok(args, env) {
      const r = await compose(args, env);
      if (r.code !== 0) throw new Error(`docker-compose ${args.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    },
  };
  try {
    await writeFile(join(dir, "docker-compose.yml"), yaml(name));
    await fn(project);
  } finally {
    // Containers, networks and volumes also go with the daemon's cleanup; the directory is ours.
    await rm(dir, { recursive: true, force: true });
  }
}

/** The two-service application; `greeting` is web's environment (changing it makes compose recreate web). */
function webAndClient(port: number, greeting = "berth"): string {
  return `version: "3.8"
services:
  web:
    image: busybox
    # PID 1 ignores SIGTERM unless it handles it: the shell does, so stop is quick.
    command: ["sh", "-c", "echo web-starting; mkdir -p /www && echo hello-$$GREETING > /www/index.html && trap 'exit 0' TERM; httpd -f -p 80 -h /www & wait"]
    environment:
      GREETING: ${greeting}
    ports:
      - "127.0.0.1:${port}:80"
    volumes:
      - data:/data
    networks:
      - front
    labels:
      berth.test.role: web
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"]
      interval: 1s
      timeout: 2s
      retries: 10
  client:
    image: busybox
    depends_on:
      web:
        condition: service_healthy
    command: ["sh", "-c", "wget -q -O - http://web/; trap 'exit 0' TERM; sleep 300 & wait"]
    networks:
      - front
    labels:
      berth.test.role: client
volumes:
  data:
    labels:
      berth.test.kind: data
networks:
  front:
    labels:
      berth.test.kind: net
`;
}

/** `docker-compose ps` rows as service container name -> state text. */
function psStates(out: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of out.split("\n").slice(2)) {
    const m = /^(\S+)\s+.*?\s{2,}(Up(?: \(\w+\))?|Exit -?\d+|Paused)(?:\s|$)/.exec(line);
    if (m) rows.set(m[1], m[2]);
  }
  return rows;
}

test("docker-compose: up, ps, logs, exec, run, published port, DNS by service name, stop/start, down -v", { skip, timeout: 60_000 }, async () => {
  await withDaemon(async (d) => {
    const port = await freePort();
    await withProject(d, () => webAndClient(port), async (p) => {
      const web = `${p.name}_web_1`;
      const client = `${p.name}_client_1`;
      const up = await p.compose(["up", "-d"]);
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stderr, new RegExp(`Creating network "${p.name}_front" with the default driver`));
      assert.match(up.stderr, new RegExp(`Creating volume "${p.name}_data" with default driver`));

      // depends_on: service_healthy made compose wait: web is healthy before the client exists.
      const ps = await p.ok(["ps"]);
      const states = psStates(ps);
      assert.equal(states.get(web), "Up (healthy)");
      assert.equal(states.get(client), "Up");
      assert.match(ps, new RegExp(`127\\.0\\.0\\.1:${port}->80/tcp`));
      assert.equal((await p.ok(["port", "web", "80"])).trim(), `127.0.0.1:${port}`);

      // What compose recorded is what the API shows: its labels, the user network with the
      // service name as alias, the labelled network and volume.
      const ids = (await d.ok(["ps", "-q", "--filter", `label=com.docker.compose.project=${p.name}`, "--filter", "label=com.docker.compose.service=web"])).split("\n");
      assert.equal(ids.length, 1);
      const info = JSON.parse(await d.ok(["inspect", web]))[0];
      assert.equal(info.Config.Labels["berth.test.role"], "web");
      assert.equal(info.Config.Labels["com.docker.compose.oneoff"], "False");
      assert.ok(info.Config.Env.includes("GREETING=berth"));
      assert.deepEqual(Object.keys(info.NetworkSettings.Networks), [`${p.name}_front`]);
      assert.ok(info.NetworkSettings.Networks[`${p.name}_front`].Aliases.includes("web"));
      assert.deepEqual(info.Mounts.map((m: { Type: string; Name: string; Destination: string }) => [m.Type, m.Name, m.Destination]), [["volume", `${p.name}_data`, "/data"]]);
      const net = JSON.parse(await d.ok(["network", "inspect", `${p.name}_front`]))[0];
      assert.equal(net.Labels["berth.test.kind"], "net");
      assert.equal(net.Labels["com.docker.compose.network"], "front");
      const vol = JSON.parse(await d.ok(["volume", "inspect", `${p.name}_data`]))[0];
      assert.equal(vol.Labels["com.docker.compose.volume"], "data");

      // The published port from the host, and the client's fetch of http://web/ by name.
      assert.equal((await httpGet("127.0.0.1", port)).trim(), "hello-berth");
      const logs = await eventually(async () => {
        const out = await p.ok(["logs", "--no-color"]);
        assert.match(out, /client_1\s+\| hello-berth/);
        return out;
      });
      assert.match(logs, /web_1\s+\| web-starting/);

      // exec (through the docker CLI): environment, the volume, exit status.
      assert.equal((await p.ok(["exec", "-T", "web", "sh", "-c", "echo $GREETING > /data/mark && cat /data/mark"])).trim(), "berth");
      assert.equal((await p.compose(["exec", "-T", "web", "sh", "-c", "exit 7"])).code, 7);
      // A one-off container on the project network resolves the service too.
      assert.match(await p.ok(["run", "--rm", "-T", "client", "wget", "-q", "-O", "-", "http://web/"]), /hello-berth/);

      await p.ok(["stop", "-t", "1"]);
      assert.deepEqual([...psStates(await p.ok(["ps"])).values()], ["Exit 0", "Exit 0"]);
      await assert.rejects(httpGet("127.0.0.1", port), "a stopped service publishes nothing");
      await p.ok(["start"]);
      assert.equal((await eventually(() => httpGet("127.0.0.1", port))).trim(), "hello-berth");
      assert.equal((await p.ok(["exec", "-T", "web", "cat", "/data/mark"])).trim(), "berth", "the named volume outlives stop/start");

      const down = await p.compose(["down", "-v", "-t", "1"]);
      assert.equal(down.code, 0, down.stderr);
      assert.equal(await d.ok(["ps", "-aq"]), "");
      assert.equal(await d.ok(["network", "ls", "-q", "--filter", `name=${p.name}`]), "");
      assert.equal(await d.ok(["volume", "ls", "-q"]), "");
    });
  });
});

test("docker-compose: a recreate after a config change keeps the volume; attached up with --exit-code-from", { skip, timeout: 60_000 }, async () => {
  await withDaemon(async (d) => {
    const port = await freePort();
    await withProject(d, () => webAndClient(port), async (p) => {
      await p.ok(["up", "-d"]);
      await p.ok(["exec", "-T", "web", "sh", "-c", "echo kept > /data/mark"]);
      const oldId = await d.ok(["inspect", "--format", "{{.Id}}", `${p.name}_web_1`]);
      await writeFile(join(p.dir, "docker-compose.yml"), webAndClient(port, "again"));
      // Compose 1.29 reads the image's ContainerConfig when it recreates; dockerd and berthd serve
      // that field only below API 1.45 (it is gone from 1.45 on: compose 1.29 then fails with
      // KeyError: 'ContainerConfig' against both), so the version is pinned as users do.
      const recreate = await p.compose(["up", "-d", "-t", "1"], { COMPOSE_API_VERSION: "1.44" });
      assert.equal(recreate.code, 0, recreate.stderr);
      assert.match(recreate.stderr, new RegExp(`Recreating ${p.name}_web_1`));
      // The old container was renamed aside, the new one took its name, the old one is gone.
      const newId = await d.ok(["inspect", "--format", "{{.Id}}", `${p.name}_web_1`]);
      assert.notEqual(newId, oldId);
      assert.equal((await d.docker(["inspect", oldId])).code, 1);
      assert.equal((await p.ok(["exec", "-T", "web", "sh", "-c", "echo $GREETING; cat /data/mark"])).trim(), "again\nkept");
      assert.equal((await eventually(() => httpGet("127.0.0.1", port))).trim(), "hello-again");

      await p.ok(["down", "-t", "1"]);

      // Attached: compose streams both services through POST /containers/{id}/attach and
      // returns the client's exit status.
      await writeFile(join(p.dir, "docker-compose.override.yml"), `version: "3.8"
services:
  client:
    command: ["sh", "-c", "wget -q -O - http://web/ && echo to-stderr >&2; exit 4"]
`);
      const attached = await p.compose(["up", "--no-color", "--exit-code-from", "client", "-t", "1"]);
      assert.equal(attached.code, 4, attached.stderr);
      assert.match(attached.stdout, /client_1\s+\| hello-again/);
      assert.match(attached.stdout, /client_1\s+\| to-stderr/);
      assert.match(attached.stdout, /exited with code 4/);

      await p.ok(["down", "-v", "-t", "1"]);
      assert.equal(await d.ok(["ps", "-aq"]), "");
      assert.equal(await d.ok(["volume", "ls", "-q"]), "");
    });
  });
});
