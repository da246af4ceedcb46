import { execFile } from "node:child_process";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { promisify } from "node:util";
import { EngineError } from "../errors/EngineError.js";
import type { ImageConfig } from "../oci/image.js";
import { storeImage, storeLayer } from "./buildImage.js";
import type { ImageService } from "./ImageService.js";
import type { ImageRecord } from "./metadata/ImageRecords.js";
import { dataPadding, encodeHeader, endOfArchive, type TarHeaderInput } from "./unpack/tarWriter.js";

const run = promisify(execFile);

/**
 * The embedded default image: `busybox:latest` built locally from Debian's busybox-static, so a
 * fresh install runs containers with no registry. The layer is deterministic — sorted entries,
 * fixed owner and times, gzip without a timestamp — so the same busybox binary always gives the
 * same image ID and manifest digest.
 */
export const DEFAULT_IMAGE_NAME = "docker.io/library/busybox:latest";
export const DEFAULT_BUSYBOX_PATH = "/bin/busybox";
/** Fixed timestamp for every entry and the config (the image has no meaningful build time). */
export const DEFAULT_IMAGE_EPOCH = new Date("2024-01-01T00:00:00Z");
const PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n";
const GROUP = "root:x:0:\nnobody:x:65534:\n";

interface Item {
  header: TarHeaderInput;
  data?: Buffer | { file: string };
}

async function listApplets(busybox: string): Promise<string[]> {
  let out: string;
  try {
    out = (await run(busybox, ["--list"])).stdout;
  } catch (e) {
    throw new EngineError("FailedPrecondition", `build default image: cannot run ${busybox} --list (install busybox-static): ${(e as Error).message}`, { cause: e });
  }
  const names = out.split("\n").map((s) => s.trim()).filter((s) => s !== "" && s !== "busybox" && !s.includes("/"));
  return [...new Set(names)];
}

/** The entries of the layer, sorted so parents come first and order never varies. */
async function layerItems(busybox: string): Promise<Item[]> {
  const size = (await stat(busybox)).size;
  const base = { uid: 0, gid: 0, mtime: DEFAULT_IMAGE_EPOCH, size: 0 };
  const dir = (path: string, mode = 0o755): Item => ({ header: { ...base, path, type: "dir", mode } });
  const file = (path: string, content: string): Item => {
    const data = Buffer.from(content);
    return { header: { ...base, path, type: "file", mode: 0o644, size: data.length }, data };
  };
  const items: Item[] = [
    dir("bin"),
    { header: { ...base, path: "bin/busybox", type: "file", mode: 0o755, size }, data: { file: busybox } },
    ...(await listApplets(busybox)).map((a): Item => ({ header: { ...base, path: `bin/${a}`, type: "symlink", mode: 0o777, linkpath: "busybox" } })),
    dir("dev"),
    dir("etc"),
    file("etc/group", GROUP),
    file("etc/passwd", PASSWD),
    dir("home"),
    dir("proc", 0o555),
    dir("root", 0o700),
    dir("sys", 0o555),
    dir("tmp", 0o1777),
    dir("usr"),
    dir("var"),
  ];
  const key = (p: string) => p.split("/");
  items.sort((a, b) => {
    const x = key(a.header.path);
    const y = key(b.header.path);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
    return x.length - y.length;
  });
  return items;
}

export async function* defaultImageLayerTar(busybox = DEFAULT_BUSYBOX_PATH): AsyncGenerator<Buffer> {
  for (const item of await layerItems(busybox)) {
    yield encodeHeader(item.header);
    if (item.data === undefined) continue;
    if (Buffer.isBuffer(item.data)) yield item.data;
    else {
      let n = 0;
      for await (const c of createReadStream(item.data.file)) {
        n += (c as Buffer).length;
        yield c as Buffer;
      }
      if (n !== item.header.size) throw new EngineError("Internal", `build default image: ${item.data.file} changed while being read`);
    }
    yield dataPadding(item.header.size);
  }
  yield endOfArchive();
}

/**
 * Makes sure `busybox:latest` exists, building it on first use. Idempotent: an existing image
 * under that name (built here or pulled) is returned as is.
 */
export async function ensureDefaultImage(service: ImageService, opts: { busyboxPath?: string } = {}): Promise<ImageRecord> {
  const existing = service.records.byName(DEFAULT_IMAGE_NAME);
  if (existing) return existing;
  const busybox = opts.busyboxPath ?? DEFAULT_BUSYBOX_PATH;
  return service.lock.shared(async () => {
    const layer = await storeLayer(service.content, defaultImageLayerTar(busybox));
    const created = DEFAULT_IMAGE_EPOCH.toISOString().replace(".000Z", "Z");
    const config: ImageConfig = {
      created,
      architecture: service.platform.architecture,
      os: "linux",
      config: { Env: [PATH_ENV], Cmd: ["sh"] },
      rootfs: { type: "layers", diff_ids: [layer.diffId] },
      history: [{ created, created_by: `berth: busybox from ${busybox}`, comment: "embedded default image" }],
    };
    if (service.platform.variant) config.variant = service.platform.variant;
    const stored = await storeImage(service.content, [layer.descriptor], config);
    return service.recordImage(stored.manifest, [DEFAULT_IMAGE_NAME]);
  });
}
