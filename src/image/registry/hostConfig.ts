import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { isIP } from "node:net";

/**
 * How to reach one registry host: the scheme (plain http only for loopback and hosts the
 * operator listed as insecure, as Docker does), the API host (docker.io is served from
 * registry-1.docker.io), the key its credentials are stored under in config.json, and the TLS
 * material from `<certsDir>/<host>/` (every `*.crt` is a CA; `*.cert` + `*.key` a client pair:
 * Docker's /etc/docker/certs.d layout).
 */
export interface RegistryHostOptions {
  /** Hosts ("host" or "host:port") reached over plain http. */
  insecureRegistries?: string[];
  /** Directory holding `<host>/ca.crt` etc. Docker's is /etc/docker/certs.d. */
  certsDir?: string;
}

export interface RegistryHost {
  /** The name as written in image references ("docker.io", "127.0.0.1:5000"). */
  name: string;
  /** Where the API lives ("registry-1.docker.io", "127.0.0.1:5000"). */
  apiHost: string;
  scheme: "http" | "https";
  /** Key in config.json `auths` (Docker Hub uses its historical v1 URL). */
  credentialKey: string;
  tls: { ca?: Buffer[]; cert?: Buffer; key?: Buffer };
}

export const DOCKER_HUB = "docker.io";
const HUB_CREDENTIAL_KEY = "https://index.docker.io/v1/";

export function isLoopbackHost(host: string): boolean {
  const bare = hostWithoutPort(host);
  if (bare === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  if (isIP(bare) === 6) return bare === "::1";
  return false;
}

/** "h:5000" → "h"; "[::1]:5000" → "::1"; "::1" → "::1". */
export function hostWithoutPort(host: string): string {
  if (host.startsWith("[")) return host.slice(1, host.indexOf("]"));
  if (isIP(host) === 6) return host;
  const i = host.lastIndexOf(":");
  return i === -1 ? host : host.slice(0, i);
}

export function credentialKeyFor(name: string): string {
  return name === DOCKER_HUB || name === "index.docker.io" || name === "registry-1.docker.io" ? HUB_CREDENTIAL_KEY : name;
}

export async function resolveRegistryHost(name: string, opts: RegistryHostOptions = {}): Promise<RegistryHost> {
  const apiHost = name === DOCKER_HUB || name === "index.docker.io" ? "registry-1.docker.io" : name;
  const insecure = isLoopbackHost(name) || (opts.insecureRegistries ?? []).some((h) => h === name || h === hostWithoutPort(name));
  const host: RegistryHost = { name, apiHost, scheme: insecure ? "http" : "https", credentialKey: credentialKeyFor(name), tls: {} };
  if (!insecure && opts.certsDir) host.tls = await loadCertsDir(join(opts.certsDir, name));
  return host;
}

/** Reads Docker's per-host certificate directory; a missing directory means "system CAs only". */
export async function loadCertsDir(dir: string): Promise<RegistryHost["tls"]> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw e;
  }
  const tls: RegistryHost["tls"] = {};
  for (const n of names) {
    if (n.endsWith(".crt")) (tls.ca ??= []).push(await readFile(join(dir, n)));
    else if (n.endsWith(".cert")) {
      const keyName = n.slice(0, -".cert".length) + ".key";
      if (names.includes(keyName)) {
        tls.cert = await readFile(join(dir, n));
        tls.key = await readFile(join(dir, keyName));
      }
    }
  }
  return tls;
}
