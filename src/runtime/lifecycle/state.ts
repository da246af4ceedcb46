import type { State } from "../../oci/runtime.js";
import { validateId } from "../../util/ids.js";
import { loadContainer, ociState } from "../status.js";
import type { RuntimeContext } from "../RuntimeContext.js";

/** `state`: the runtime-spec state of one container. */
export async function containerState(ctx: RuntimeContext, id: string): Promise<State> {
  return ociState(await loadContainer(ctx, validateId(id)));
}
