/** Every route of the API, registered against the backends the daemon was given. */
import type { Backends } from "./backend.js";
import { registerContainerRoutes } from "./router/containers.js";
import { registerContainerStreamRoutes } from "./router/container-streams.js";
import { registerExecRoutes } from "./router/exec.js";
import { registerImageRoutes } from "./router/images.js";
import { registerNetworkRoutes } from "./router/networks.js";
import type { ApiRouter } from "./router/support.js";
import { registerSystemRoutes, type ServerFacts } from "./router/system.js";
import { registerVolumeRoutes } from "./router/volumes.js";

export function registerAllRoutes(router: ApiRouter, backends: Backends, facts: ServerFacts): void {
  registerSystemRoutes(router, backends.system, facts);
  registerContainerRoutes(router, backends.containers);
  registerContainerStreamRoutes(router, backends.containers);
  registerExecRoutes(router, backends.exec);
  registerImageRoutes(router, backends.images);
  registerVolumeRoutes(router, backends.volumes);
  registerNetworkRoutes(router, backends.networks);
}
