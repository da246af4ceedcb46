/** Row objects for `images` templates: docker's imageContext fields. */
import type { ImageSummary } from "../api/types/image.js";
import { familiarString, parseReference } from "../image/reference.js";
import { humanDuration, humanSize, shortId } from "./format.js";
import type { FormatSpec, Row } from "./formatter.js";
import { STRICT } from "./template/execute.js";
import { goTime } from "./containerRows.js";

export const IMAGES_FORMAT: FormatSpec = {
  defaultTable: "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}",
  headers: {
    Repository: "REPOSITORY", Tag: "TAG", Digest: "DIGEST", ID: "IMAGE ID", CreatedSince: "CREATED", CreatedAt: "CREATED AT",
    Size: "SIZE", Containers: "CONTAINERS", SharedSize: "SHARED SIZE", UniqueSize: "UNIQUE SIZE", VirtualSize: "VIRTUAL SIZE",
  },
};
export const IMAGES_DIGEST_TABLE = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";

/** "repo:tag" (familiar) → [repo, tag]. */
function splitTag(name: string): [string, string] {
  const f = familiarString(parseReference(name));
  const at = f.indexOf("@");
  const base = at < 0 ? f : f.slice(0, at);
  const colon = base.lastIndexOf(":");
  return colon > base.lastIndexOf("/") ? [base.slice(0, colon), base.slice(colon + 1)] : [base, "<none>"];
}

/**
 * One row per repository tag (docker's imageFormat): an untagged image is one `<none>` row, or
 * one row per digest when it has repo digests.
 */
export function imageRows(img: ImageSummary, o: { trunc: boolean; now?: number }): Row[] {
  const now = o.now ?? Date.now();
  const digestsByRepo = new Map<string, string>();
  for (const d of img.RepoDigests ?? []) {
    const at = d.indexOf("@");
    if (at > 0) digestsByRepo.set(d.slice(0, at), d.slice(at + 1));
  }
  const base = {
    [STRICT]: "*formatter.imageContext",
    ID: o.trunc ? shortId(img.Id) : img.Id,
    CreatedSince: `${humanDuration(Math.max(0, now - img.Created * 1000))} ago`,
    CreatedAt: goTime(img.Created),
    Size: humanSize(img.Size),
    VirtualSize: humanSize(img.Size),
    // docker prints these two with HumanSize (4 digits), the others with 3.
    SharedSize: img.SharedSize < 0 ? "N/A" : humanSize(img.SharedSize, 4),
    UniqueSize: img.SharedSize < 0 ? "N/A" : humanSize(img.Size - img.SharedSize, 4),
    Containers: img.Containers < 0 ? "N/A" : String(img.Containers),
  };
  const tags = img.RepoTags ?? [];
  if (tags.length === 0) {
    if (digestsByRepo.size === 0) return [{ ...base, Repository: "<none>", Tag: "<none>", Digest: "<none>" }];
    return [...digestsByRepo].map(([repo, digest]) => ({ ...base, Repository: repo, Tag: "<none>", Digest: digest }));
  }
  return tags.map((t) => {
    const [repo, tag] = splitTag(t);
    return { ...base, Repository: repo, Tag: tag, Digest: digestsByRepo.get(repo) ?? "<none>" };
  });
}
