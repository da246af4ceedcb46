/**
 * Image events for the daemon's event bus (GET /events), as moby's LogImageEvent names them.
 * The bus belongs to the container engine (src/engine/events/EventBus.ts); the image backend
 * only needs a function to publish to: its input has the shape of EventBus.publish's, so the
 * daemon passes `(e) => bus.publish(e)`.
 */
export type ImageAction = "pull" | "push" | "tag" | "untag" | "delete" | "load" | "import" | "save";

export interface ImageEventInput {
  Type: "image";
  Action: ImageAction;
  /** Actor.ID: the image ID, or the reference for pull/push (as moby). */
  id: string;
  attributes: Record<string, string>;
}

export type EmitEvent = (event: ImageEventInput) => void;

export function imageEvent(action: ImageAction, id: string, attributes: Record<string, string> = {}): ImageEventInput {
  return { Type: "image", Action: action, id, attributes };
}
