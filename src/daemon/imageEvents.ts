/**
 * Image events for the daemon's event bus (GET /events): the shape moby's LogImageEvent
 * writes. The bus itself belongs to the container engine (src/engine/events); the image
 * backend only needs a function to hand events to.
 */
import type { EventMessage } from "../api/types/system.js";

export type ImageAction = "pull" | "push" | "tag" | "untag" | "delete" | "load" | "import" | "save";

/** Where events go; the daemon passes its bus's publish function. */
export type EmitEvent = (event: EventMessage) => void;

export function imageEvent(action: ImageAction, id: string, attributes: Record<string, string> = {}, now = Date.now()): EventMessage {
  const timeNano = BigInt(now) * 1_000_000n;
  return {
    Type: "image",
    Action: action,
    Actor: { ID: id, Attributes: attributes },
    scope: "local",
    time: Math.floor(now / 1000),
    timeNano: Number(timeNano),
    status: action,
    id,
  };
}
