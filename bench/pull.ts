#!/usr/bin/env node
/**
 * Pull benchmark: a multi-layer image (a debootstrap'ed Debian minbase rootfs split into four
 * gzip layers, or generated layers when debootstrap is missing) is pushed to a loopback
 * `docker-registry`, then pulled repeatedly by
 *   - berth pull: pullImage into a fresh content store (download only),
 *   - berth pull+unpack: ImageService.pull into a fresh data root, the engine's real path (layers
 *     unpacked into snapshots while later ones download, applied in parallel worker threads),
 *   - berth sequential: pullImage, then every layer applied in order with applyLayer (the path
 *     before pipelining, kept as the same-invocation baseline),
 *   - skopeo: `skopeo copy docker://… oci:DIR` (download only, no unpack),
 *   - docker: Debian's dockerd on a private socket/data root, `docker pull` (download + unpack),
 * printing medians and ratios. Everything it starts (registry, dockerd, temp dirs) is stopped
 * and removed at the end, also on failure.
 *
 * Usage: node dist/bench/pull.js [--runs N] [--rootfs DIR] [--no-docker] [--no-sequential] [--generated]
 */
import { spawn, spawnSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { FsContentStore } from "../src/image/content/FsContentStore.js";
import { ImageService } from "../src/image/ImageService.js";
import { openTestDatabase } from "../src/image/metadata/testDatabase.js";
import { RegistryClient } from "../src/image/registry/RegistryClient.js";
import { pullImage } from "../src/image/registry/pull.js";
import { pushImage } from "../src/image/registry/push.js";
import { parseReference } from "../src/image/reference.js";
import { applyLayer } from "../src/image/unpack/applyLayer.js";
import type { Descriptor } from "../src/oci/image.js";
import { fileDigest, imageConfig, layerFiles, ownsRootfs, rootfs } from "./lib/debianLayers.js";
import { dockerdSkipReason, startRegistry, startTestDockerd, type TestDockerd, type TestRegistry } from "../test/helpers/registry.js";

const args = process.argv.slice(2);
const flag = (n: string) => args.includes(n);
const opt = (n: string) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined; };
const RUNS = Number(opt("--runs") ?? 3);

const cleanups: (() => Promise<void>)[] = [];
const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sha = (b: Buffer) => "sha256:" + createHash("sha256").update(b).digest("hex");

async function buildImage(store: FsContentStore, files: string[]): Promise<Descriptor> {
  const layers: Descriptor[] = [];
  const diffIds: string[] = [];
  for (const f of files) {
    const blob = await fileDigest(f, false);
    diffIds.push((await fileDigest(f, true)).digest);
    await store.write(blob, createReadStream(f));
    layers.push({ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", digest: blob.digest, size: blob.size });
  }
  const config = imageConfig(diffIds);
  await store.write({ digest: sha(config), size: config.length }, config);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.docker.distribution.manifest.v2+json", config: { mediaType: "application/vnd.docker.container.image.v1+json", digest: sha(config), size: config.length }, layers }));
  await store.write({ digest: sha(manifest), size: manifest.length }, manifest);
  return { mediaType: "application/vnd.docker.distribution.manifest.v2+json", digest: sha(manifest), size: manifest.length };
}

/**
 * Every timed step starts from a settled disk: the previous step's dirty data is written out
 * first (so no tool pays for another's writeback), and, once before the runs, a pause lets
 * ext4 forget the inodes deleted before (its allocator avoids inodes deleted in the last 60 s,
 * 300 s while their inode table block is dirty; see "Nothing is deleted" below).
 */
async function settle(pauseMs = 0): Promise<void> {
  spawnSync("sync");
  if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
}

async function timeIt(f: () => Promise<void>): Promise<number> {
  await settle();
  const t0 = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function startDockerd(registry: string): Promise<TestDockerd | undefined> {
  if (dockerdSkipReason()) return undefined;
  try {
    const d = await startTestDockerd({ insecureRegistries: [registry] });
    cleanups.push(() => d.stop());
    return d;
  } catch (e) {
    log(`dockerd could not start (${(e as Error).message.slice(0, 200)}); skipping docker`);
    return undefined;
  }
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "berth-bench-pull-"));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  const rootfsOpts = { ...(opt("--rootfs") ? { rootfs: opt("--rootfs")! } : {}), generated: flag("--generated"), log };
  const root = await rootfs(work, rootfsOpts);
  const files = await layerFiles(work, root);
  if (ownsRootfs(root, rootfsOpts)) await rm(root!, { recursive: true, force: true });
  const srcStore = new FsContentStore(join(work, "src"));
  const manifest = await buildImage(srcStore, files);
  const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
  const raw = await Promise.all(files.map(async (f) => (await fileDigest(f, true)).size));
  log(`image: ${files.length} layers, ${(sizes.reduce((a, b) => a + b) / 1048576).toFixed(1)} MiB compressed, ${(raw.reduce((a, b) => a + b) / 1048576).toFixed(1)} MiB uncompressed (${root ? "debootstrap minbase" : "generated"})`);

  const reg: TestRegistry = await startRegistry();
  cleanups.push(() => reg.stop());
  const ref = parseReference(`${reg.host}/berth-bench/debian:1`);
  const client = await RegistryClient.forHost(reg.host);
  cleanups.push(async () => client.close());
  await pushImage(client, srcStore, ref, manifest);
  // Nothing is deleted between runs (each run has its own directories and its own dockerd;
  // all are removed at the end): on ext4 without a journal, creating inodes right after
  // thousands were deleted is several times slower (the allocator skips "recently deleted"
  // inodes one by one for 60 to 300 s), which would penalise whichever tool runs next.
  const useDocker = !flag("--no-docker") && !dockerdSkipReason();

  await settle(65_000);
  const sequential = !flag("--no-sequential");
  const results: Record<string, number[]> = { "berth pull": [], "berth pull+unpack": [], "berth sequential (before)": [], "skopeo copy (no unpack)": [], "docker pull (+unpack)": [] };
  for (let r = 0; r < RUNS; r++) {
    const dir = join(work, `run${r}`);
    await mkdir(dir, { recursive: true });
    const docker = useDocker ? await startDockerd(reg.host) : undefined;
    // dockerd answers /_ping before it and its containerd are done starting (plugins, network
    // controller): let that finish so it does not land in whichever step is timed next.
    if (docker) await settle(3000);
    const dockerPull = async () => {
      if (!docker) return;
      results["docker pull (+unpack)"]!.push(await timeIt(async () => {
        await new Promise<void>((resolve, reject) => {
          const p = spawn("docker", ["-H", `unix://${docker.sock}`, "pull", "-q", `${reg.host}/berth-bench/debian:1`], { stdio: "ignore" });
          p.on("exit", (c) => (c === 0 ? resolve() : reject(new Error(`docker pull exited ${c}`))));
        });
      }));
    };
    // Odd runs time docker first, so neither engine always follows the other's writes.
    if (r % 2 === 1) await dockerPull();
    results["berth pull"]!.push(await timeIt(async () => {
      await pullImage(client, new FsContentStore(join(dir, "berth-pull")), ref);
    }));
    const engine = async () => {
      // The engine's path: ImageService.pull unpacks into snapshots as layers arrive.
      const db = openTestDatabase(join(dir, "berth.db"));
      try {
        const service = await ImageService.open({ root: join(dir, "berth"), db });
        results["berth pull+unpack"]!.push(await timeIt(async () => {
          await service.pull(`${reg.host}/berth-bench/debian:1`);
        }));
      } finally {
        db.close();
      }
    };
    const oneByOne = async () => {
      const store = new FsContentStore(join(dir, "berth-seq"));
      results["berth sequential (before)"]!.push(await timeIt(async () => {
        const pulled = await pullImage(client, store, ref);
        // In order, after the download, as the image service did before pipelining.
        for (const [i, l] of pulled.manifest.layers.entries()) {
          const target = join(dir, "berth-seq", "layers", String(i));
          await mkdir(target, { recursive: true });
          await applyLayer(target, createReadStream(store.blobPath(l.digest)), { mediaType: l.mediaType, expectedDiffId: pulled.config.rootfs.diff_ids[i] });
        }
      }));
    };
    // Alternate which goes first, so neither always meets the other's dirty inode tables.
    if (!sequential) await engine();
    else if (r % 2 === 0) { await engine(); await oneByOne(); }
    else { await oneByOne(); await engine(); }
    results["skopeo copy (no unpack)"]!.push(await timeIt(async () => {
      await new Promise<void>((resolve, reject) => {
        const p = spawn("skopeo", ["copy", "-q", "--src-tls-verify=false", `docker://${reg.host}/berth-bench/debian:1`, `oci:${join(dir, "skopeo")}:1`], { stdio: "ignore" });
        p.on("exit", (c) => (c === 0 ? resolve() : reject(new Error(`skopeo exited ${c}`))));
      });
    }));
    if (r % 2 === 0) await dockerPull();
    // Idle daemons (and their containerds) left running slow every later step a little.
    await docker?.halt();
    log(`run ${r + 1}/${RUNS} done: ${Object.entries(results).filter(([, v]) => v.length > 0).map(([k, v]) => `${k} ${v[v.length - 1]!.toFixed(0)}`).join(", ")} (load ${loadavg()[0]!.toFixed(1)})`);
  }

  const med = (k: string) => (results[k]!.length ? median(results[k]!) : undefined);
  console.log(`work dirs in ${tmpdir()}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} at the end`);
  console.log(`pull benchmark: ${files.length} layers, ${(sizes.reduce((a, b) => a + b) / 1048576).toFixed(1)} MiB gzip / ${(raw.reduce((a, b) => a + b) / 1048576).toFixed(1)} MiB plain (${root ? "Debian bookworm minbase" : "generated"}), loopback registry, median of ${RUNS} runs`);
  for (const k of Object.keys(results)) {
    const m = med(k);
    console.log(`  ${k.padEnd(26)}${m === undefined ? "n/a".padStart(10) : `${m.toFixed(0).padStart(8)} ms`}`);
  }
  // Like for like: download only, and download + unpack. >1 means berth is slower.
  const ratio = (a?: number, b?: number) => (a !== undefined && b !== undefined ? `${(a / b).toFixed(2)}x` : "n/a");
  console.log(`ratio berth pull / skopeo copy:               ${ratio(med("berth pull"), med("skopeo copy (no unpack)"))}`);
  console.log(`ratio berth pull+unpack / docker pull:        ${ratio(med("berth pull+unpack"), med("docker pull (+unpack)"))}`);
  console.log(`ratio berth pull+unpack / sequential:         ${ratio(med("berth pull+unpack"), med("berth sequential (before)"))}`);
}

main().catch((e) => {
  process.exitCode = 1;
  console.error(e);
}).finally(async () => {
  for (const c of cleanups.reverse()) await c().catch((e) => console.error("cleanup:", e));
});
