import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { EngineError } from "../../errors/EngineError.js";
import type { Spec } from "../../oci/runtime.js";

/** Where Docker puts its init inside the container (moby daemon/oci_linux.go inContainerInitPath). */
export const IN_CONTAINER_INIT_PATH = "/sbin/docker-init";

/**
 * The host's init for --init, as moby's LookupInitPath: `docker-init` on the daemon's PATH or
 * in Docker's libexec directories, then Debian's static tini (the dynamic one would not run in
 * an image without glibc). berthd's --init-path overrides the search.
 */
export function findInitBinary(path = process.env.PATH ?? ""): string {
  const candidates = [
    ...path.split(delimiter).filter(Boolean).map((d) => join(d, "docker-init")),
    "/usr/local/libexec/docker/docker-init", "/usr/libexec/docker/docker-init", "/usr/bin/tini-static",
  ];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch { /* next */ }
  }
  throw new EngineError("InvalidArgument", "--init: failed to find docker-init binary (docker-init on PATH or /usr/bin/tini-static from Debian's tini package)");
}

/** Runs the container's command under the init: bind-mounted read-only, PID 1, `--` then the command. */
export function applyInit(spec: Spec, initBinary: string): void {
  const proc = spec.process!;
  proc.args = [IN_CONTAINER_INIT_PATH, "--", ...(proc.args ?? [])];
  spec.mounts = [...(spec.mounts ?? []), { destination: IN_CONTAINER_INIT_PATH, type: "bind", source: initBinary, options: ["bind", "ro"] }];
}
