/**
 * Credentials a client sent with pull/push (the API edge decodes X-Registry-Auth into an
 * AuthConfig, src/api/registry-auth.ts) as the registry client's Credentials, and the registry
 * host a login's `serveraddress` names.
 */
import type { AuthConfig } from "../api/types/system.js";
import type { Credentials } from "../image/registry/dockerConfig.js";

/** Username/password (or an identity token) of an AuthConfig; undefined when anonymous. */
export function credentialsOf(config: AuthConfig | undefined): Credentials | undefined {
  if (!config) return undefined;
  const username = config.username ?? "";
  const password = config.password ?? "";
  // An identity token (OAuth refresh token) is traded for registry tokens by the client.
  if (config.identitytoken) return { username, password, identityToken: config.identitytoken };
  if (username === "" && password === "") return undefined;
  return { username, password };
}

/**
 * The registry host of a login's server address, as moby's ConvertToHostname: scheme and path
 * stripped; Docker Hub's historical URL (and an empty address) mean docker.io.
 */
export function registryHostname(serverAddress: string | undefined): string {
  let s = (serverAddress ?? "").trim();
  if (s === "" || /^(https?:\/\/)?(index\.)?docker\.io(\/v1\/?)?$/.test(s) || s === "https://index.docker.io/v1/") return "docker.io";
  s = s.replace(/^[a-z]+:\/\//i, "");
  const slash = s.indexOf("/");
  return slash === -1 ? s : s.slice(0, slash);
}
