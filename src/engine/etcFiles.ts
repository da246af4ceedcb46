import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** The host files bind-mounted over the container's /etc/hosts, /etc/hostname, /etc/resolv.conf. */
export interface EtcFiles { hosts: string; hostname: string; resolvConf: string }

/** The first lines of every container's /etc/hosts (Docker's layout, moby libnetwork/etchosts). */
export const HOSTS_HEADER: readonly string[] = [
  "127.0.0.1\tlocalhost",
  "::1\tlocalhost ip6-localhost ip6-loopback",
  "fe00::0\tip6-localnet",
  "ff00::0\tip6-mcastprefix",
  "ff02::1\tip6-allnodes",
  "ff02::2\tip6-allrouters",
];

export function etcPaths(dir: string): EtcFiles {
  return { hosts: join(dir, "hosts"), hostname: join(dir, "hostname"), resolvConf: join(dir, "resolv.conf") };
}

/** /etc/hosts text: Docker's header, then the given lines (own addresses, then --add-host). */
export function hostsText(lines: readonly string[]): string {
  return [...HOSTS_HEADER, ...lines].join("\n") + "\n";
}

export interface EtcContent {
  hostname: string;
  /** Lines after the header. */
  hosts: string[];
  resolvConf: string;
}

/**
 * Writes the three files into the container's directory. writeFile truncates in place (same
 * inode), so a running container's bind mounts see a rewrite (network connect/disconnect).
 */
export async function writeEtcFiles(dir: string, c: EtcContent): Promise<EtcFiles> {
  const files = etcPaths(dir);
  // Synchronous: the files exist already (made with the container's directory, see
  // premadeDirs.ts), so each is an open, a write and a close of an existing inode (~0.03 ms);
  // the async calls cost three thread-pool round trips each, queued behind the rootfs mount's
  // work on the start path (1.6 ms measured there).
  writeFileSync(files.hosts, hostsText(c.hosts), { mode: 0o644 });
  writeFileSync(files.hostname, c.hostname + "\n", { mode: 0o644 });
  writeFileSync(files.resolvConf, c.resolvConf, { mode: 0o644 });
  return files;
}

/** The host's /etc/resolv.conf ("" when it has none). */
export function hostResolvConf(path = "/etc/resolv.conf"): Promise<string> {
  return readFile(path, "utf8").catch(() => "");
}

/** The host's /etc/hosts lines without its own localhost header lines, for --network host. */
export async function hostHostsLines(path = "/etc/hosts"): Promise<string[]> {
  const text = await readFile(path, "utf8").catch(() => "");
  const header = new Set(HOSTS_HEADER.map((l) => l.split("\t")[0]));
  return text.split("\n").filter((l) => l.trim() !== "" && !header.has(l.trim().split(/\s+/)[0]));
}

export interface DnsOverrides { dns?: readonly string[] | null; search?: readonly string[] | null; options?: readonly string[] | null }

/**
 * resolv.conf with --dns, --dns-search, --dns-option applied over `base` the way Docker does:
 * each given list replaces the base's nameservers / search domains / options; the rest stays.
 * `--dns-search .` means no search domains. Nothing given: `base` unchanged.
 */
export function resolvConfText(base: string, o: DnsOverrides): string {
  const dns = o.dns ?? [];
  const search = o.search ?? [];
  const options = o.options ?? [];
  if (dns.length === 0 && search.length === 0 && options.length === 0) return base;
  const lines = base.split("\n");
  const words = (key: string) => lines.filter((l) => l.trim().split(/\s+/)[0] === key).flatMap((l) => l.trim().split(/\s+/).slice(1));
  const other = lines.filter((l) => {
    const k = l.trim().split(/\s+/)[0];
    return l.trim() !== "" && k !== "nameserver" && k !== "search" && k !== "domain" && k !== "options";
  });
  const ns = dns.length > 0 ? [...dns] : words("nameserver");
  const srch = search.length > 0 ? search.filter((s) => s !== ".") : [...words("search"), ...words("domain")];
  const opts = options.length > 0 ? [...options] : words("options");
  const out = [...other, ...ns.map((n) => `nameserver ${n}`)];
  if (srch.length > 0) out.push(`search ${srch.join(" ")}`);
  if (opts.length > 0) out.push(`options ${opts.join(" ")}`);
  return out.join("\n") + "\n";
}
