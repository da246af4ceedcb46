import { copyFile, mkdir, symlink, writeFile, chmod } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { Spec } from "../../src/oci/runtime.js";
import { defaultSpec } from "../../src/oci/defaults.js";

export const BUSYBOX = "/bin/busybox";

export interface BusyboxBundleOptions {
  /** process.args (default ["sh"]). */
  args?: string[];
  /** Docker's capability set instead of runc's minimal one (default true). */
  dockerCapabilities?: boolean;
  /** Read-only root (default false, so tests can write; runc's spec default is true). */
  readonlyRoot?: boolean;
  /** Final edits of the spec before it is written. */
  spec?: (s: Spec) => void;
}

export interface BusyboxBundle {
  bundle: string;
  rootfs: string;
  spec: Spec;
  /** Rewrites config.json after editing the spec. */
  writeSpec(edit?: (s: Spec) => void): Promise<void>;
}

let appletCache: string[] | undefined;
function applets(): string[] {
  appletCache ??= execFileSync(BUSYBOX, ["--list"], { encoding: "utf8" }).split("\n").filter((a) => /^[a-z0-9_.\[-]+$/.test(a));
  return appletCache;
}

/**
 * A runnable OCI bundle in `dir`: rootfs with a static busybox, one symlink per applet in
 * /bin, /etc/passwd and /etc/group, and a config.json from the default spec with terminal off
 * (the container's stdio is the caller's). Reusable by any test that needs a container.
 */
export async function makeBusyboxBundle(dir: string, opts: BusyboxBundleOptions = {}): Promise<BusyboxBundle> {
  const rootfs = join(dir, "rootfs");
  for (const d of ["bin", "etc", "proc", "sys", "dev", "tmp", "root", "var", "usr/bin", "sbin"]) await mkdir(join(rootfs, d), { recursive: true });
  await chmod(join(rootfs, "tmp"), 0o1777);
  await copyFile(BUSYBOX, join(rootfs, "bin/busybox"));
  await chmod(join(rootfs, "bin/busybox"), 0o755);
  for (const a of applets()) if (a !== "busybox") await symlink("busybox", join(rootfs, "bin", a)).catch(() => {});
  await writeFile(join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  await writeFile(join(rootfs, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
  const spec = defaultSpec({ args: opts.args ?? ["sh"], terminal: false, dockerCapabilities: opts.dockerCapabilities ?? true });
  spec.root!.readonly = opts.readonlyRoot ?? false;
  opts.spec?.(spec);
  const b: BusyboxBundle = {
    bundle: dir,
    rootfs,
    spec,
    async writeSpec(edit) {
      edit?.(b.spec);
      await writeFile(join(dir, "config.json"), JSON.stringify(b.spec, null, 2));
    },
  };
  await b.writeSpec();
  return b;
}
