/** Network calls of the Docker API. */
import type {
  NetworkConnectRequest, NetworkCreateRequest, NetworkCreateResponse, NetworkDisconnectRequest, NetworkPruneResponse,
  NetworkResource,
} from "../api/types/network.js";
import { filtersParam, type FilterObject, type Transport } from "./transport.js";

const enc = encodeURIComponent;

export class NetworksApi {
  constructor(private readonly t: Transport) {}

  list(filters?: FilterObject): Promise<NetworkResource[]> {
    return this.t.json("GET", "/networks", { query: { filters: filtersParam(filters) } });
  }

  inspect(id: string, o: { verbose?: boolean; scope?: string } = {}): Promise<NetworkResource> {
    return this.t.json("GET", `/networks/${enc(id)}`, { query: { verbose: o.verbose, scope: o.scope } });
  }

  create(request: NetworkCreateRequest): Promise<NetworkCreateResponse> {
    return this.t.json("POST", "/networks/create", { body: request });
  }

  async remove(id: string): Promise<void> {
    await this.t.empty("DELETE", `/networks/${enc(id)}`);
  }

  async connect(id: string, request: NetworkConnectRequest): Promise<void> {
    await this.t.empty("POST", `/networks/${enc(id)}/connect`, { body: request });
  }

  async disconnect(id: string, request: NetworkDisconnectRequest): Promise<void> {
    await this.t.empty("POST", `/networks/${enc(id)}/disconnect`, { body: request });
  }

  prune(filters?: FilterObject): Promise<NetworkPruneResponse> {
    return this.t.json("POST", "/networks/prune", { query: { filters: filtersParam(filters) } });
  }
}
