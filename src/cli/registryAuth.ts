/**
 * Credentials the CLI sends with pull/push (X-Registry-Auth) and logs in with: read from and
 * written to the docker client config (`<configDir>/config.json`) or the credential helper it
 * names (credsStore, credHelpers), like the docker CLI does.
 * Loaded only by the commands that talk to registries.
 */
import { join } from "node:path";
import type { AuthConfig } from "../api/types/system.js";
import { readCredentials } from "../image/registry/dockerConfig.js";
import { credentialKeyFor } from "../image/registry/hostConfig.js";
import { parseReference } from "../image/reference.js";

export const configFile = (configDir: string) => join(configDir, "config.json");

/** The registry host of an image reference ("docker.io" for Hub images). */
export function registryOf(image: string): string {
  return parseReference(image).domain;
}

/** AuthConfig for the image's registry, or undefined when the config holds none. */
export async function authFor(configDir: string, image: string): Promise<AuthConfig | undefined> {
  const host = registryOf(image);
  const key = credentialKeyFor(host);
  // Through the config's credential helper when it names one (credentialHelper.ts), as docker does.
  const c = await readCredentials(configFile(configDir), key);
  if (!c) return undefined;
  return { username: c.username, password: c.password, serveraddress: key, ...(c.identityToken ? { identitytoken: c.identityToken } : {}) };
}
