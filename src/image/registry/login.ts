import { EngineError } from "../../errors/EngineError.js";
import type { Credentials } from "./dockerConfig.js";
import { removeCredentials, storeCredentials, usesCredentialHelper } from "./dockerConfig.js";
import type { RegistryHostOptions } from "./hostConfig.js";
import { resolveRegistryHost } from "./hostConfig.js";
import { RegistryClient } from "./RegistryClient.js";

/**
 * `docker login` / `docker logout` against a Docker client config file: login verifies the
 * credentials with an authenticated `GET /v2/` (answering the registry's challenge) before
 * writing them; logout removes the entry. Credential helpers are not supported: a host that
 * the config delegates to one is refused rather than silently shadowed.
 */
export async function login(configPath: string, registry: string, creds: Credentials, hostOptions?: RegistryHostOptions): Promise<{ status: "Login Succeeded" }> {
  const host = await resolveRegistryHost(registry, hostOptions);
  const helper = await usesCredentialHelper(configPath, host.credentialKey);
  if (helper) throw new EngineError("NotImplemented", `login to ${registry}: ${configPath} delegates credentials to the helper "docker-credential-${helper}", which berth does not run`);
  const client = new RegistryClient(host, { credentials: creds, attempts: 2 });
  try {
    // A registry without auth accepts anonymous /v2/; Docker then still saves the entry.
    await client.ping({ op: "login", name: registry });
  } finally {
    client.close();
  }
  await storeCredentials(configPath, host.credentialKey, creds);
  return { status: "Login Succeeded" };
}

export async function logout(configPath: string, registry: string, hostOptions?: RegistryHostOptions): Promise<{ removed: boolean }> {
  const host = await resolveRegistryHost(registry, hostOptions);
  return { removed: await removeCredentials(configPath, host.credentialKey) };
}
