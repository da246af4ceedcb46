import { familiarString, parseReference } from "../../image/reference.js";
import { flagBool, parseFlags } from "../flags.js";
import { humanAge, humanSize, table } from "../format.js";
import type { CliCommand } from "../io.js";

/** `berth images [-q] [--no-trunc]`: docker's image table. */
export const imagesCommand: CliCommand = {
  summary: "List images",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "quiet", short: "q" }, { long: "no-trunc" }, { long: "all", short: "a" }], "images");
    const engine = await ctx.engine();
    const list = await engine.images.list();
    const id = (d: string) => (flagBool(p, "no-trunc") ? d : d.replace(/^sha256:/, "").slice(0, 12));
    if (flagBool(p, "quiet")) {
      ctx.io.out([...new Set(list.map((i) => id(i.Id)))].map((l) => l + "\n").join(""));
      return 0;
    }
    const rows: string[][] = [];
    for (const img of list) {
      const tags = img.RepoTags.length > 0 ? img.RepoTags : ["<none>:<none>"];
      for (const t of tags) {
        const [repo, tag] = splitTag(t);
        rows.push([repo, tag, id(img.Id), humanAge(img.Created), humanSize(img.Size)]);
      }
    }
    ctx.io.out(table(["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], rows));
    return 0;
  },
};

function splitTag(name: string): [string, string] {
  if (name === "<none>:<none>") return ["<none>", "<none>"];
  const familiar = familiarString(parseReference(name));
  const colon = familiar.lastIndexOf(":");
  return colon > familiar.lastIndexOf("/") ? [familiar.slice(0, colon), familiar.slice(colon + 1)] : [familiar, "<none>"];
}
