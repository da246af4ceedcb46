/**
 * testcontainers (npm, v11, unchanged) against a private berthd: a busybox web server with an
 * exposed port and a wait strategy, the mapped port fetched from the host, exec with its
 * streams and exit code, logs, copying content in and an archive out, a user network with an
 * alias another container resolves, restart, stop. testcontainers keeps one client per process
 * (found from DOCKER_HOST on first use), so this file runs against one daemon.
 */
import { after, before, test } from "node:test";
import { strict as assert } from "node:assert";
import { daemonSkipReason, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { token } from "./network-support.js";

type TC = typeof import("testcontainers");

const skip = daemonSkipReason() ?? false;
let daemon: TestDaemon | undefined;
let tc: TC;

before(async () => {
  if (skip) return;
  daemon = await startTestDaemon();
  process.env.DOCKER_HOST = `unix://${daemon.sock}`;
  // Ryuk, testcontainers' reaper, is an image from Docker Hub, which this machine cannot reach;
  // the tests stop what they start (and the daemon's cleanup removes anything left).
  process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
  tc = await import("testcontainers");
});

after(async () => {
  if (!daemon) return;
  assert.deepEqual(await daemon.cleanup(), [], `berthd left these behind:\n${daemon.log()}`);
});

/** busybox httpd in the foreground serving `text`, after a line on stdout. */
const httpdCommand = (text: string) => ["sh", "-c", `echo web-starting; mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`];

async function fetchText(host: string, port: number): Promise<string> {
  const res = await fetch(`http://${host}:${port}/`, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200);
  return (await res.text()).trim();
}

async function readLogs(stream: NodeJS.ReadableStream, until: string): Promise<string> {
  let text = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`logs: no ${JSON.stringify(until)} in ${JSON.stringify(text)}`)), 10_000);
    stream.on("data", (d: Buffer | string) => {
      text += d;
      if (text.includes(until)) {
        clearTimeout(timer);
        resolve();
      }
    });
    stream.on("error", reject);
  });
  (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  return text;
}

test("testcontainers: GenericContainer with an exposed port, HTTP wait, mapped port from the host, exec, logs, stop", { skip, timeout: 30_000 }, async () => {
  const started = await new tc.GenericContainer("busybox")
    .withCommand(httpdCommand("tc-hello"))
    .withExposedPorts(80)
    .withLabels({ "berth.test": token() })
    .withWaitStrategy(tc.Wait.forHttp("/", 80).forStatusCode(200))
    .withStartupTimeout(20_000)
    .start();
  let stopped = false;
  try {
    const port = started.getMappedPort(80);
    assert.ok(port > 0);
    // The mapped port as testcontainers reports it, and docker's own view of the binding.
    const inspect = JSON.parse(await daemon!.ok(["inspect", started.getId()]))[0];
    assert.equal(inspect.NetworkSettings.Ports["80/tcp"][0].HostPort, String(port));
    assert.equal(await fetchText(started.getHost(), port), "tc-hello");
    assert.equal(await fetchText("127.0.0.1", port), "tc-hello");

    const ok = await started.exec(["sh", "-c", "cat /www/index.html; echo to-stderr >&2"]);
    assert.deepEqual([ok.exitCode, ok.stdout, ok.stderr], [0, "tc-hello\n", "to-stderr\n"]);
    const failed = await started.exec(["sh", "-c", "exit 3"]);
    assert.equal(failed.exitCode, 3);

    assert.match(await readLogs(await started.logs(), "web-starting"), /web-starting/);

    const result = await started.stop();
    stopped = true;
    assert.ok(result);
    // testcontainers removes what it stopped (no ryuk needed for that).
    assert.equal((await daemon!.docker(["inspect", started.getId()])).code, 1);
  } finally {
    if (!stopped) await started.stop().catch(() => undefined);
  }
});

test("testcontainers: listening-ports wait, content copied before and after start, a network alias resolved by another container, archive out, restart", { skip, timeout: 30_000 }, async () => {
  const network = await new tc.Network().start();
  const running: { stop(): Promise<unknown> }[] = [];
  try {
    const web = await new tc.GenericContainer("busybox")
      .withCommand(["sh", "-c", "mkdir -p /www && cp /tmp/index.txt /www/index.html && exec httpd -f -p 80 -h /www"])
      .withExposedPorts(80)
      .withEnvironment({ BERTH_TEST: "1" })
      .withCopyContentToContainer([{ content: "copied-in\n", target: "/tmp/index.txt" }])
      .withNetwork(network)
      .withNetworkAliases("websrv")
      .withWaitStrategy(tc.Wait.forListeningPorts())
      .withStartupTimeout(20_000)
      .start();
    running.push(web);
    assert.equal(await fetchText(web.getHost(), web.getMappedPort(80)), "copied-in");
    assert.match(web.getIpAddress(network.getName()), /^\d+\.\d+\.\d+\.\d+$/);

    // A second container on the network reaches the first by its alias (berthd's DNS).
    const client = await new tc.GenericContainer("busybox")
      .withCommand(["sh", "-c", "wget -q -O - http://websrv/ && echo fetched-by-alias; exec sleep 300"])
      .withNetwork(network)
      .withWaitStrategy(tc.Wait.forLogMessage("fetched-by-alias"))
      .withStartupTimeout(20_000)
      .start();
    running.push(client);
    assert.match(await readLogs(await client.logs(), "fetched-by-alias"), /copied-in\nfetched-by-alias/);

    // GET /containers/{id}/archive: a tar holding the file.
    const chunks: Buffer[] = [];
    for await (const chunk of await web.copyArchiveFromContainer("/www/index.html")) chunks.push(chunk as Buffer);
    const tar = Buffer.concat(chunks);
    assert.equal(tar.subarray(0, 10).toString("latin1"), "index.html");
    assert.ok(tar.includes("copied-in\n"));

    // Copying into the running container: PUT /containers/{id}/archive?path=/ (testcontainers
    // always extracts at "/", with the target inside the tar).
    await web.copyContentToContainer([{ content: "copied-later\n", target: "/www/later.html" }]);
    assert.equal((await web.exec(["cat", "/www/later.html"])).stdout, "copied-later\n");

    // restart re-reads the mapped port (it may change) and waits again.
    await web.restart();
    assert.equal(await fetchText(web.getHost(), web.getMappedPort(80)), "copied-in");
  } finally {
    for (const c of running.reverse()) await c.stop().catch(() => undefined);
    await network.stop();
  }
  assert.equal(await daemon!.ok(["ps", "-aq"]), "");
  assert.equal(await daemon!.ok(["network", "ls", "-q", "--filter", `name=${network.getName()}`]), "");
});
