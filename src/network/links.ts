/**
 * Legacy links (`--link name:alias`) on a user-defined network, as Docker's embedded resolver
 * serves them: an alias of the linked container that only the linking container resolves, on
 * that network only. The link names a container, not an address: the alias is looked up like
 * the name at each query (moby's sandbox maps alias → name, then resolves the name on the
 * endpoint's network), so a link to a container that is missing, stopped or on another network
 * is accepted and simply does not resolve until that container is on the network (moby's
 * TestUserDefinedNetworkLinks: `--link=third:bar` before `third` exists).
 */
import { invalidArgument } from "../errors/EngineError.js";

export interface LinkAlias {
  /** The linked container's name (or id), as the network's DNS knows it. */
  name: string;
  alias: string;
}

/**
 * One `name[:alias]` entry (moby's opts.ParseLink): `name` alone aliases the name to itself; the
 * `/name:/parent/alias` form an older HostConfig holds is accepted. InvalidArgument otherwise.
 */
export function parseLink(value: string): LinkAlias {
  if (value === "") throw invalidArgument("invalid link: empty string specified for links");
  const parts = value.split(":");
  if (parts.length > 2) throw invalidArgument(`invalid link: bad format for links: ${value}`);
  let [name, alias] = [parts[0]!, parts[1] ?? parts[0]!];
  if (name.startsWith("/")) {
    name = name.slice(1);
    alias = alias.slice(alias.lastIndexOf("/") + 1);
  }
  if (name === "" || alias === "") throw invalidArgument(`invalid link: bad format for links: ${value}`);
  return { name, alias };
}

/** The endpoint config's Links parsed (validated at create/connect, so this does not throw then). */
export function linkAliases(links: string[] | null | undefined): LinkAlias[] {
  return (links ?? []).map(parseLink);
}

/**
 * The linked name `query` stands for through one of `links` on network `networkName` (bare, or
 * qualified with the network's name like every name of it), or undefined.
 */
export function linkTarget(links: LinkAlias[] | undefined, networkName: string, query: string): string | undefined {
  if (!links || links.length === 0) return undefined;
  const suffix = `.${networkName.toLowerCase()}`;
  const bare = query.endsWith(suffix) ? query.slice(0, -suffix.length) : query;
  const hit = links.find((l) => l.alias.toLowerCase() === query || l.alias.toLowerCase() === bare);
  return hit?.name.toLowerCase();
}
