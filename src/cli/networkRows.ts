/** Row objects for `network ls` templates: docker's networkContext fields, its table and sort order. */
import type { NetworkResource } from "../api/types/network.js";
import { shortId } from "./format.js";
import type { FormatSpec, Row } from "./formatter.js";
import { STRICT } from "./template/execute.js";

export const NETWORK_FORMAT: FormatSpec = {
  defaultTable: "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
  headers: {
    ID: "NETWORK ID", Name: "NAME", Driver: "DRIVER", Scope: "SCOPE", IPv4: "IPV4", IPv6: "IPV6", Internal: "INTERNAL",
    Labels: "LABELS", Label: "LABEL", CreatedAt: "CREATED AT",
  },
};

/**
 * Go's time.Time String() of an RFC 3339 timestamp as the API sends it:
 * "2026-11-26T15:17:19.163963327Z" → "2026-11-26 15:17:19.163963327 +0000 UTC" (trailing zeros
 * of the fraction dropped; a numeric offset shows as "+0100 +0100", Go's unnamed zone).
 */
export function goTimeString(rfc3339: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(rfc3339);
  if (!m) return rfc3339;
  const frac = (m[3] ?? "").replace(/0+$/, "");
  const zone = m[4] === "Z" ? "+0000 UTC" : `${m[4]!.replace(":", "")} ${m[4]!.replace(":", "")}`;
  return `${m[1]} ${m[2]}${frac ? `.${frac}` : ""} ${zone}`;
}

/** fvbommel/sortorder's NaturalLess: digit runs compare as numbers ("net2" < "net10"), digits before other characters. */
export function naturalLess(a: string, b: string): boolean {
  const digit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    const da = digit(a[i]), db = digit(b[j]);
    if (da !== db) return da;
    if (!da) {
      if (a[i] !== b[j]) return a[i]! < b[j]!;
      i++;
      j++;
      continue;
    }
    while (a[i] === "0") i++;
    while (b[j] === "0") j++;
    const si = i, sj = j;
    while (digit(a[i])) i++;
    while (digit(b[j])) j++;
    if (i - si !== j - sj) return i - si < j - sj;
    const na = a.slice(si, i), nb = b.slice(sj, j);
    if (na !== nb) return na < nb;
    // The same number: the one with fewer leading zeros first.
    if (si !== sj) return si < sj;
  }
  return a.length < b.length;
}

export const naturalCompare = (a: string, b: string): number => (naturalLess(a, b) ? -1 : naturalLess(b, a) ? 1 : 0);

export function networkRow(n: NetworkResource, o: { trunc: boolean }): Row {
  const labels = n.Labels ?? {};
  return {
    [STRICT]: "*network.networkContext",
    ID: o.trunc ? shortId(n.Id) : n.Id,
    Name: n.Name,
    Driver: n.Driver,
    Scope: n.Scope,
    IPv4: String(Boolean(n.EnableIPv4)),
    IPv6: String(Boolean(n.EnableIPv6)),
    Internal: String(Boolean(n.Internal)),
    Labels: Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(","),
    CreatedAt: goTimeString(n.Created),
    Label(key: string) {
      return labels[key] ?? "";
    },
  };
}
