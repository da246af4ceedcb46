/**
 * The X-Registry-Auth header: base64url (or, from old clients, standard base64) of a JSON
 * AuthConfig. Like moby, an undecodable header means "no credentials", not an error: the pull
 * then fails at the registry with its own message if credentials were needed.
 */
import type { AuthConfig } from "./types/system.js";

export function decodeRegistryAuth(header: string | undefined): AuthConfig | undefined {
  if (!header) return undefined;
  try {
    const json = Buffer.from(header.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8");
    const v = JSON.parse(json) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    const out: AuthConfig = {};
    for (const k of ["username", "password", "email", "serveraddress", "identitytoken", "registrytoken"] as const) {
      const x = (v as Record<string, unknown>)[k];
      if (typeof x === "string" && x !== "") out[k] = x;
    }
    return Object.keys(out).length ? out : undefined;
  } catch {
    return undefined;
  }
}
