import type { CredentialHelperOptions } from "./credentialHelper.js";
import type { Credentials } from "./dockerConfig.js";
import { removeCredentials, storeCredentials } from "./dockerConfig.js";
import type { RegistryHostOptions } from "./hostConfig.js";
import { resolveRegistryHost } from "./hostConfig.js";
import { RegistryClient } from "./RegistryClient.js";

/**
 * `docker login` / `docker logout` against a Docker client config file: login verifies the
 * credentials with an authenticated `GET /v2/` (answering the registry's challenge) before
 * saving them where the docker CLI would (the host's credential helper, else the file); logout
 * erases them from both.
 */
export async function login(configPath: string, registry: string, creds: Credentials, hostOptions?: RegistryHostOptions, helperOptions?: CredentialHelperOptions): Promise<{ status: "Login Succeeded" }> {
  const host = await resolveRegistryHost(registry, hostOptions);
  const client = new RegistryClient(host, { credentials: creds, attempts: 2 });
  try {
    // A registry without auth accepts anonymous /v2/; Docker then still saves the entry.
    await client.ping({ op: "login", name: registry });
  } finally {
    client.close();
  }
  await storeCredentials(configPath, host.credentialKey, creds, helperOptions);
  return { status: "Login Succeeded" };
}

export async function logout(configPath: string, registry: string, hostOptions?: RegistryHostOptions, helperOptions?: CredentialHelperOptions): Promise<{ removed: boolean }> {
  const host = await resolveRegistryHost(registry, hostOptions);
  return { removed: await removeCredentials(configPath, host.credentialKey, helperOptions) };
}
