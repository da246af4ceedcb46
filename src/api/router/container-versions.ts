/**
 * Container inspect as an older API version shows it (moby api/server/router/container):
 * below 1.45 the Aliases of an endpoint on a user-defined network also hold the container's
 * short id (1.45 moved it to DNSNames and left Aliases as the user sent them).
 */
import type { ContainerInspect } from "../types/container.js";
import { versionAtLeast } from "../version.js";

/** Networks whose endpoints never had the short id as an alias (moby: not IsUserDefined). */
const PREDEFINED = new Set(["default", "bridge", "host", "none"]);

/** `c` with the aliases `apiVersion` expects (a copy when they differ; `c` is never changed). */
export function containerInspectForVersion(c: ContainerInspect, apiVersion: string): ContainerInspect {
  if (versionAtLeast(apiVersion, "1.45")) return c;
  const networks = c.NetworkSettings?.Networks;
  if (!networks) return c;
  const shortId = c.Id.slice(0, 12);
  const patched: typeof networks = {};
  for (const [name, ep] of Object.entries(networks)) {
    const userDefined = !PREDEFINED.has(name) && !name.startsWith("container:");
    const aliases = ep.Aliases ?? [];
    patched[name] = userDefined && !aliases.includes(shortId) ? { ...ep, Aliases: [...aliases, shortId] } : ep;
  }
  return { ...c, NetworkSettings: { ...c.NetworkSettings, Networks: patched } };
}
