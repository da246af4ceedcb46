import { readFile, mkdir, chmod } from "node:fs/promises";
import { dirname } from "node:path";
import { atomicWrite } from "../../util/atomicWrite.js";
import { invalidArgument } from "../../errors/EngineError.js";
import { CredentialHelper, type CredentialHelperOptions } from "./credentialHelper.js";

/**
 * Credentials in Docker's client config (`~/.docker/config.json`), where the docker CLI looks:
 * a credential helper named for the host (`credHelpers[<key>]`), else the default helper
 * (`credsStore`), else the file itself (`auths[<key>].auth` = base64("user:password")). A
 * helper is the program `docker-credential-<name>` (credentialHelper.ts); with one configured,
 * `auths[<key>]` keeps only an empty entry, as docker login leaves it. Unknown members of the
 * file are preserved on write; the file is written mode 0600.
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

/** The helper (suffix of docker-credential-<name>) the config delegates `key` to, if any. */
function helperName(cfg: ConfigFile, key: string): string | undefined {
  for (const k of candidateKeys(key)) {
    const h = cfg.credHelpers?.[k];
    if (typeof h === "string" && h !== "") return h;
  }
  return typeof cfg.credsStore === "string" && cfg.credsStore !== "" ? cfg.credsStore : undefined;
}

export async function readCredentials(configPath: string, key: string, helperOptions?: CredentialHelperOptions): Promise<Credentials | undefined> {
  const cfg = await readConfig(configPath);
  const helper = helperName(cfg, key);
  if (helper) {
    // As the docker CLI: with a helper configured, a plain `auth` in the file is not consulted.
    const c = await new CredentialHelper(helper, helperOptions).get(key);
    if (!c) return undefined;
    return c.identityToken ? { username: c.username, password: c.password, identityToken: c.identityToken } : { username: c.username, password: c.password };
  }
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

/** The credential helper program the config delegates this host to, if any. */
export async function credentialHelperFor(configPath: string, key: string): Promise<string | undefined> {
  const name = helperName(await readConfig(configPath), key);
  return name === undefined ? undefined : `docker-credential-${name}`;
}

/**
 * Saves credentials where the docker CLI would: through the host's credential helper (the file
 * then holds an empty `auths[key]`, as docker login leaves it), else base64 in `auths[key]`.
 */
export async function storeCredentials(configPath: string, key: string, creds: Credentials, helperOptions?: CredentialHelperOptions): Promise<void> {
  const cfg = await readConfig(configPath);
  const helper = helperName(cfg, key);
  const auths = (cfg.auths ??= {});
  if (helper) {
    await new CredentialHelper(helper, helperOptions).store(key, creds);
    auths[key] = {};
  } else {
    auths[key] = { auth: Buffer.from(`${creds.username}:${creds.password}`).toString("base64"), ...(creds.identityToken ? { identitytoken: creds.identityToken } : {}) };
  }
  await writeConfig(configPath, cfg);
}

/** Removes the host's credentials (helper and file entry); returns false when there were none. */
export async function removeCredentials(configPath: string, key: string, helperOptions?: CredentialHelperOptions): Promise<boolean> {
  const cfg = await readConfig(configPath);
  const helper = helperName(cfg, key);
  const removed = helper ? await new CredentialHelper(helper, helperOptions).erase(key) : false;
  let changed = false;
  for (const k of candidateKeys(key)) {
    if (cfg.auths && k in cfg.auths) {
      delete cfg.auths[k];
      changed = true;
    }
  }
  if (changed) await writeConfig(configPath, cfg);
  return removed || changed;
}

async function writeConfig(path: string, cfg: ConfigFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await atomicWrite(path, JSON.stringify(cfg, null, "\t") + "\n", 0o600);
  await chmod(path, 0o600);
}
