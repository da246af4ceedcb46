import { readFile, mkdir, chmod } from "node:fs/promises";
import { dirname } from "node:path";
import { atomicWrite } from "../../util/atomicWrite.js";
import { invalidArgument } from "../../errors/EngineError.js";

/**
 * Credentials in Docker's client config (`~/.docker/config.json`): `auths[<key>].auth` is
 * base64("user:password"). Credential helpers (`credsStore`, `credHelpers`) are not supported:
 * berth does not run external helper programs, so a host configured for one yields no
 * credentials (and `login` refuses to write a plain entry that Docker would ignore).
 * Unknown members of the file are preserved on write; the file is written mode 0600.
 */
export interface Credentials {
  username: string;
  password: string;
  /** An identity token (OAuth refresh token) from the registry, when the file has one. */
  identityToken?: string;
}

type ConfigFile = Record<string, unknown> & {
  auths?: Record<string, { auth?: string; identitytoken?: string; username?: string; password?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
};

async function readConfig(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw e;
  }
  if (text.trim() === "") return {};
  try {
    const v = JSON.parse(text);
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
    return v as ConfigFile;
  } catch (e) {
    throw invalidArgument(`read docker config ${path}: invalid JSON (${(e as Error).message})`);
  }
}

/** Keys under which a host's credentials may appear (Docker accepts URL forms too). */
function candidateKeys(key: string): string[] {
  return [key, `https://${key}`, `http://${key}`, `https://${key}/v1/`, `https://${key}/v2/`];
}

export async function readCredentials(configPath: string, key: string): Promise<Credentials | undefined> {
  const cfg = await readConfig(configPath);
  for (const k of candidateKeys(key)) {
    const entry = cfg.auths?.[k];
    if (!entry) continue;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon < 0) throw invalidArgument(`read docker config ${configPath}: auths[${JSON.stringify(k)}].auth is not base64 of "user:password"`);
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), identityToken: entry.identitytoken || undefined };
    }
    if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  }
  return undefined;
}

/** Whether the config delegates this host to a credential helper (unsupported by berth). */
export async function usesCredentialHelper(configPath: string, key: string): Promise<string | undefined> {
  const cfg = await readConfig(configPath);
  return cfg.credHelpers?.[key] ?? cfg.credsStore;
}

export async function storeCredentials(configPath: string, key: string, creds: Credentials): Promise<void> {
  const cfg = await readConfig(configPath);
  const auths = (cfg.auths ??= {});
  auths[key] = { auth: Buffer.from(`${creds.username}:${creds.password}`).toString("base64") };
  await writeConfig(configPath, cfg);
}

/** Removes the host's entry; returns false when there was none. */
export async function removeCredentials(configPath: string, key: string): Promise<boolean> {
  const cfg = await readConfig(configPath);
  let removed = false;
  for (const k of candidateKeys(key)) {
    if (cfg.auths && k in cfg.auths) {
      delete cfg.auths[k];
      removed = true;
    }
  }
  if (removed) await writeConfig(configPath, cfg);
  return removed;
}

async function writeConfig(path: string, cfg: ConfigFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await atomicWrite(path, JSON.stringify(cfg, null, "\t") + "\n", 0o600);
  await chmod(path, 0o600);
}
