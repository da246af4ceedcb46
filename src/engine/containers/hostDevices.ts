import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Device } from "../../oci/runtime.js";

/** Directories of /dev that are filesystems of their own inside a container (Docker skips them). */
const SKIP = new Set(["/dev/pts", "/dev/shm", "/dev/mqueue", "/dev/.lxc", "/dev/.udev", "/dev/hugepages"]);

/**
 * Every character and block device node under the host's /dev, for --privileged (moby
 * oci/devices_linux.go HostDevices): the container gets the same nodes, same modes and owners.
 */
export function hostDevices(root = "/dev"): Device[] {
  const out: Device[] = [];
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(dir, n);
      if (SKIP.has(p)) continue;
      let st;
      try {
        st = lstatSync(p, { bigint: false });
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (st.isCharacterDevice() || st.isBlockDevice()) {
        // /dev/console is the container's own terminal (bind-mounted by the shim when it has one).
        if (p === "/dev/console" || p === "/dev/ptmx" || p === "/dev/tty") continue;
        out.push({
          type: st.isCharacterDevice() ? "c" : "b",
          path: p,
          major: Number((BigInt(st.rdev) >> 8n) & 0xfffn),
          minor: Number((BigInt(st.rdev) & 0xffn) | ((BigInt(st.rdev) >> 12n) & 0xfff00n)),
          fileMode: st.mode & 0o7777,
          uid: st.uid,
          gid: st.gid,
        });
      }
    }
  };
  walk(root);
  return out;
}
