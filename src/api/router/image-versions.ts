/**
 * Image inspect as an older API version shows it (moby api/server/router/image): below 1.44
 * `VirtualSize` (= Size), below 1.45 the legacy `Container` and `ContainerConfig` fields.
 * docker-compose 1.29 reads `ContainerConfig.Volumes` when it recreates a container, so with
 * COMPOSE_API_VERSION=1.44 it recreates against berthd as it does against dockerd; at 1.45 and
 * later both daemons omit the field and compose 1.29 fails with KeyError: 'ContainerConfig'.
 */
import type { ContainerConfig } from "../types/container.js";
import type { ImageInspect } from "../types/image.js";
import { versionAtLeast } from "../version.js";

/**
 * The builder container's config that classic `docker build` stored as `container_config`.
 * Berth's images carry none (as images built by BuildKit or converted from OCI), so moby's Go
 * zero value is what it would serve: every non-omitempty field, empty.
 */
function zeroContainerConfig(): ContainerConfig {
  return {
    Hostname: "", Domainname: "", User: "", AttachStdin: false, AttachStdout: false, AttachStderr: false,
    Tty: false, OpenStdin: false, StdinOnce: false, Env: null, Cmd: null, Image: "", Volumes: null,
    WorkingDir: "", Entrypoint: null, OnBuild: null, Labels: null,
  };
}

/** `img` with the fields `apiVersion` still has, in moby's field order. */
export function imageInspectForVersion(img: ImageInspect, apiVersion: string): ImageInspect {
  const legacyContainer = !versionAtLeast(apiVersion, "1.45");
  const legacySize = !versionAtLeast(apiVersion, "1.44");
  if (!legacyContainer && !legacySize) return img;
  const out: Partial<ImageInspect> = {};
  for (const [k, v] of Object.entries(img) as [keyof ImageInspect, unknown][]) {
    if (k === "DockerVersion" && legacyContainer) {
      out.Container = "";
      out.ContainerConfig = zeroContainerConfig();
    }
    if (k === "GraphDriver" && legacySize) out.VirtualSize = img.Size;
    (out as Record<string, unknown>)[k] = v;
  }
  return out as ImageInspect;
}
