/** Row objects for `volume ls` templates: docker's volumeContext fields and its default table. */
import type { Volume } from "../api/types/volume.js";
import { humanSize } from "./format.js";
import type { FormatSpec, Row } from "./formatter.js";
import { STRICT } from "./template/execute.js";

export const VOLUME_FORMAT: FormatSpec = {
  defaultTable: "table {{.Driver}}\t{{.Name}}",
  headers: {
    Name: "VOLUME NAME", Driver: "DRIVER", Scope: "SCOPE", Mountpoint: "MOUNTPOINT", Labels: "LABELS", Label: "LABEL",
    Links: "LINKS", Size: "SIZE", Group: "GROUP", Availability: "AVAILABILITY", Status: "STATUS",
  },
};

export function volumeRow(v: Volume): Row {
  const labels = v.Labels ?? {};
  const usage = v.UsageData ?? undefined;
  return {
    [STRICT]: "*formatter.volumeContext",
    Name: v.Name,
    Driver: v.Driver,
    Scope: v.Scope,
    Mountpoint: v.Mountpoint,
    // Go's map order is random; sorted here so the column is stable.
    Labels: Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(","),
    Links: usage ? String(usage.RefCount) : "N/A",
    Size: usage ? humanSize(usage.Size) : "N/A",
    // Swarm cluster volumes only; a local daemon has none.
    Group: "N/A",
    Availability: "N/A",
    Status: "N/A",
    Label(key: string) {
      return labels[key] ?? "";
    },
  };
}
