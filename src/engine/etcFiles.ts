import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { NetworkMode } from "./containerSpec.js";

/**
 * The container's /etc/hosts, /etc/hostname and /etc/resolv.conf, written into its directory
 * and bind-mounted (Docker's way, so images keep their own files untouched). With the host's
 * network the host's resolv.conf applies; a container without a network gets no resolver.
 */
export async function writeEtcFiles(dir: string, hostname: string, network: NetworkMode): Promise<{ hosts: string; hostname: string; resolvConf: string }> {
  const files = { hosts: join(dir, "hosts"), hostname: join(dir, "hostname"), resolvConf: join(dir, "resolv.conf") };
  const hosts = [
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "ff00::0\tip6-mcastprefix",
    "ff02::1\tip6-allnodes",
    "ff02::2\tip6-allrouters",
  ];
  if (network === "none") hosts.push(`127.0.1.1\t${hostname}`);
  let resolv = "";
  if (network === "host") resolv = await readFile("/etc/resolv.conf", "utf8").catch(() => "");
  await Promise.all([
    writeFile(files.hosts, hosts.join("\n") + "\n", { mode: 0o644 }),
    writeFile(files.hostname, hostname + "\n", { mode: 0o644 }),
    writeFile(files.resolvConf, resolv, { mode: 0o644 }),
  ]);
  return files;
}
