/**
 * The berth-proxy processes running on the host, read from /proc: what restore compares with
 * its records to find proxies nobody recorded (a daemon killed in a window the records do not
 * cover, or a record lost to a failed stop), which would otherwise forward to a container
 * address for as long as the host runs.
 */
import { readdir, readFile } from "node:fs/promises";
import { basename } from "node:path";

export interface RunningProxy {
  pid: number;
  startTime: string;
  /** The container addresses its mappings forward to. */
  targets: string[];
}

const PROXY_NAME = "berth-proxy";

/** Every live (not zombie) berth-proxy process, by its argv (proto:host_ip:host_port:container_ip:container_port). */
export async function runningProxies(): Promise<RunningProxy[]> {
  const out: RunningProxy[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let argv: string[];
    let stat: string;
    try {
      argv = (await readFile(`/proc/${name}/cmdline`, "utf8")).split("\0");
      stat = await readFile(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    if (basename(argv[0] ?? "") !== PROXY_NAME) continue;
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (rest[0] === "Z" || rest[0] === "X") continue;
    const targets = argv.slice(1).map((a) => a.split(":")[3]).filter((ip): ip is string => ip !== undefined && /^\d+\.\d+\.\d+\.\d+$/.test(ip));
    out.push({ pid: Number(name), startTime: rest[22 - 3] ?? "", targets });
  }
  return out;
}
