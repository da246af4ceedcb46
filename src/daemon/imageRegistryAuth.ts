/**
 * Credentials a client sends with pull/push (`X-Registry-Auth`: base64url JSON of an AuthConfig,
 * moby's registry.DecodeAuthConfig) and the registry host a login's `serveraddress` names.
 */
import { EngineError, invalidArgument } from "../errors/EngineError.js";
import type { AuthConfig } from "../api/types/system.js";
import type { Credentials } from "../image/registry/dockerConfig.js";

/**
 * Decodes the header; an empty or `{}` header means anonymous. Like moby, a header that is not
 * valid base64 JSON is a 400 rather than a silent anonymous pull.
 */
export function decodeRegistryAuth(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  let config: AuthConfig;
  try {
    // Buffer's base64 decoder takes both alphabets, with or without padding.
    const parsed: unknown = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not a JSON object");
    config = parsed as AuthConfig;
  } catch (e) {
    throw invalidArgument(`decode X-Registry-Auth: invalid registry credentials header: ${(e as Error).message}`);
  }
  return credentialsOf(config);
}

/** Username/password (or an identity token) of an AuthConfig; undefined when anonymous. */
export function credentialsOf(config: AuthConfig): Credentials | undefined {
  const username = config.username ?? "";
  const password = config.password ?? "";
  // An OAuth identity token needs the token-refresh flow, which the registry client lacks.
  if (config.identitytoken && password === "") throw new EngineError("NotImplemented", "registry credentials: identity tokens are not supported; log in with a username and password");
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
