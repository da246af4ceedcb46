/**
 * Parses a `WWW-Authenticate` header into challenges (RFC 7235): `Bearer realm="...",
 * service="...",scope="..."` or `Basic realm="..."`. Quoted values may contain commas and
 * backslash escapes; several challenges may share one header.
 */
export interface AuthChallenge {
  scheme: string; // lower-cased: "bearer", "basic"
  params: Record<string, string>;
}

export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let i = 0;
  const s = header;
  const skipWs = () => { while (i < s.length && (s[i] === " " || s[i] === "\t")) i++; };
  const token = () => { const st = i; while (i < s.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(s[i]!)) i++; return s.slice(st, i); };
  while (i < s.length) {
    skipWs();
    while (s[i] === ",") { i++; skipWs(); }
    const scheme = token();
    if (!scheme) break;
    const ch: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(ch);
    for (;;) {
      skipWs();
      const save = i;
      const name = token();
      skipWs();
      if (!name || s[i] !== "=") { i = save; break; } // next challenge starts here
      i++;
      skipWs();
      let value = "";
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === "\\" && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        i++;
      } else {
        value = token();
      }
      ch.params[name.toLowerCase()] = value;
      skipWs();
      if (s[i] === ",") i++;
      else break;
    }
  }
  return out;
}
