/** Volume calls of the Docker API. */
import type { Volume, VolumeCreateRequest, VolumeListResponse, VolumePruneResponse } from "../api/types/volume.js";
import { filtersParam, type FilterObject, type Transport } from "./transport.js";

const enc = encodeURIComponent;

export class VolumesApi {
  constructor(private readonly t: Transport) {}

  list(filters?: FilterObject): Promise<VolumeListResponse> {
    return this.t.json("GET", "/volumes", { query: { filters: filtersParam(filters) } });
  }

  create(request: VolumeCreateRequest): Promise<Volume> {
    return this.t.json("POST", "/volumes/create", { body: request });
  }

  inspect(name: string): Promise<Volume> {
    return this.t.json("GET", `/volumes/${enc(name)}`);
  }

  async remove(name: string, o: { force?: boolean } = {}): Promise<void> {
    await this.t.empty("DELETE", `/volumes/${enc(name)}`, { query: { force: o.force } });
  }

  prune(filters?: FilterObject): Promise<VolumePruneResponse> {
    return this.t.json("POST", "/volumes/prune", { query: { filters: filtersParam(filters) } });
  }
}
