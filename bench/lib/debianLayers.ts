/**
 * The multi-layer test image of the image benchmarks (pull.ts, load.ts): a Debian minbase rootfs
 * made with debootstrap (or given) split into four layer tars, or, without debootstrap,
 * generated layers of mixed text and random data of a small distro's size; also that image
 * as a `docker save` archive. Everything is written under a work directory the caller owns
 * (and removes).
 */
import { spawnSync } from "node:child_process";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { randomBytes, createHash } from "node:crypto";
import { join } from "node:path";
import { createGunzip } from "node:zlib";

export type LayerCompression = "gzip" | "none";

export interface RootfsOptions {
  /** An existing rootfs to use as it is (never removed). */
  rootfs?: string;
  /** Skip debootstrap and use generated layers. */
  generated?: boolean;
  log?: (line: string) => void;
}

export interface LayerFilesOptions {
  /** "gzip" (-6, as a registry would hold them; the default) or "none" (`docker save`'s layer.tar). */
  compression?: LayerCompression;
}

const sh = (cmd: string, a: string[]) => {
  const r = spawnSync(cmd, a, { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${a.join(" ")} failed: ${r.stderr || r.error}`);
  return r.stdout;
};

/** sha256 and size of a file, or of its gunzipped content with `gunzip`. */
export async function fileDigest(path: string, gunzip: boolean): Promise<{ digest: string; size: number }> {
  const h = createHash("sha256");
  let size = 0;
  const src = createReadStream(path);
  const s = gunzip ? src.pipe(createGunzip()) : src;
  for await (const c of s) { h.update(c as Buffer); size += (c as Buffer).length; }
  return { digest: "sha256:" + h.digest("hex"), size };
}

/**
 * The rootfs: `opts.rootfs` if given; else debootstrapped into `work/rootfs` (the caller removes
 * it, see ownsRootfs); undefined when generated layers are asked for or debootstrap is missing
 * or fails.
 */
export async function rootfs(work: string, opts: RootfsOptions = {}): Promise<string | undefined> {
  const log = opts.log ?? (() => {});
  if (opts.rootfs) return opts.rootfs;
  if (opts.generated || !existsSync("/usr/sbin/debootstrap")) return undefined;
  const dir = join(work, "rootfs");
  log("debootstrap --variant=minbase bookworm (from the machine's Debian mirror) ...");
  const mirror = /URIs:\s*(\S+)/.exec(await readFile("/etc/apt/sources.list.d/debian.sources", "utf8").catch(() => ""))?.[1] ?? "http://deb.debian.org/debian";
  const r = spawnSync("debootstrap", ["--variant=minbase", "bookworm", dir, mirror], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    log(`debootstrap failed (${r.stderr.split("\n").slice(-3).join(" ")}); using generated layers`);
    return undefined;
  }
  return dir;
}

/** True when `root` was made by rootfs() (and is the caller's to delete), not given. */
export function ownsRootfs(root: string | undefined, opts: RootfsOptions): boolean {
  return root !== undefined && !opts.rootfs;
}

/**
 * Four layer tars in `work` (layer<i>.tar.gz, or layer<i>.tar uncompressed): the rootfs split
 * into everything but usr/, usr/lib, usr/share, the rest of usr/; or, without a rootfs,
 * generated layers of 4, 24, 16 and 8 MiB. Tars are made by GNU tar with numeric owners and
 * sorted names, so the same tree always gives the same bytes.
 */
export async function layerFiles(work: string, root: string | undefined, opts: LayerFilesOptions = {}): Promise<string[]> {
  const gzip = (opts.compression ?? "gzip") === "gzip";
  const name = (i: number) => join(work, gzip ? `layer${i}.tar.gz` : `layer${i}.tar`);
  const pipeTo = (f: string) => (gzip ? `| gzip -n -6 > ${f}` : `> ${f}`);
  const out: string[] = [];
  if (root) {
    const groups: string[][] = [
      ["--exclude=./usr", "--exclude=./proc/*", "--exclude=./sys/*", "--exclude=./dev/*", "."],
      ["./usr/lib"],
      ["./usr/share"],
      ["--exclude=./usr/lib", "--exclude=./usr/share", "./usr"],
    ];
    for (const [i, g] of groups.entries()) {
      const f = name(i);
      sh("sh", ["-c", `tar --numeric-owner --sort=name -C "$0" -cf - "$@" ${pipeTo(f)}`, root, ...g]);
      out.push(f);
    }
    return out;
  }
  // Generated: mixed compressible text and incompressible data, sizes like a small distro.
  const sizes = [4, 24, 16, 8].map((m) => m * 1024 * 1024);
  for (const [i, size] of sizes.entries()) {
    const dir = join(work, `gen${i}`);
    await mkdir(join(dir, "files"), { recursive: true });
    let left = size;
    let n = 0;
    while (left > 0) {
      const sz = Math.min(left, 64 * 1024 + ((n * 7919) % (512 * 1024)));
      const data = n % 3 === 0 ? randomBytes(sz) : Buffer.from(("line of text " + n + " ").repeat(Math.ceil(sz / 20)).slice(0, sz));
      await writeFile(join(dir, "files", `f${n}`), data);
      left -= sz;
      n++;
    }
    const f = name(i);
    sh("sh", ["-c", `tar --numeric-owner --sort=name -C "$0" -cf - . ${pipeTo(f)}`, dir]);
    await rm(dir, { recursive: true, force: true });
    out.push(f);
  }
  return out;
}

/**
 * The image config of the benchmark image for layers with these diff_ids (amd64/linux, bash as
 * the command, one history entry per layer).
 */
const hex = (digest: string) => digest.slice("sha256:".length);

export function imageConfig(diffIds: readonly string[]): Buffer {
  return Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: { Cmd: ["/bin/bash"] }, rootfs: { type: "layers", diff_ids: diffIds }, history: diffIds.map(() => ({ created_by: "berth bench" })) }));
}

export interface DockerSaveArchive {
  /** The archive file (work/debian.tar). */
  path: string;
  /** The image's config digest, i.e. its image ID after `docker load`. */
  configDigest: string;
  layers: number;
  /** Bytes of the layer tars together. */
  plainBytes: number;
  /** "Debian bookworm minbase" or "generated". */
  source: string;
}

/**
 * Writes the archive as Docker 20.10's `docker save` does: a directory per layer holding its
 * plain tar, the config as `<hex>.json`, manifest.json; tarred in name order (so manifest.json
 * comes after every layer, as in Docker's archives).
 */
export async function dockerSaveArchive(work: string, tag: string, rootfsOpts: RootfsOptions = {}): Promise<DockerSaveArchive> {
  const root = await rootfs(work, rootfsOpts);
  const files = await layerFiles(work, root, { compression: "none" });
  if (ownsRootfs(root, rootfsOpts)) await rm(root!, { recursive: true, force: true });
  const stage = join(work, "archive");
  await mkdir(stage);
  const diffIds: string[] = [];
  const layerPaths: string[] = [];
  let plainBytes = 0;
  for (const f of files) {
    const { digest, size } = await fileDigest(f, false);
    diffIds.push(digest);
    plainBytes += size;
    // Docker names the directories by v1 layer ids; any unique hex does for `docker load`.
    const dir = createHash("sha256").update(diffIds.join(",")).digest("hex");
    await mkdir(join(stage, dir));
    await rename(f, join(stage, dir, "layer.tar"));
    layerPaths.push(`${dir}/layer.tar`);
  }
  const config = imageConfig(diffIds);
  const configDigest = "sha256:" + createHash("sha256").update(config).digest("hex");
  await writeFile(join(stage, `${hex(configDigest)}.json`), config);
  await writeFile(join(stage, "manifest.json"), JSON.stringify([{ Config: `${hex(configDigest)}.json`, RepoTags: [tag], Layers: layerPaths }]));
  const path = join(work, "debian.tar");
  const names = (await readdir(stage)).sort(); // no "./" prefix, as Docker writes them
  const r = spawnSync("tar", ["--sort=name", "--numeric-owner", "-C", stage, "-cf", path, ...names], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tar the archive: ${r.stderr}`);
  await rm(stage, { recursive: true, force: true });
  return { path, configDigest, layers: files.length, plainBytes, source: root ? "Debian bookworm minbase" : "generated" };
}
