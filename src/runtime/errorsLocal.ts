import { EngineError, type EngineErrorOptions } from "../errors/EngineError.js";

/** Kinds EngineError.ts has no helper for. */
export const unavailable = (msg: string, o?: EngineErrorOptions) => new EngineError("Unavailable", msg, o);
export const notImplemented = (msg: string, o?: EngineErrorOptions) => new EngineError("NotImplemented", msg, o);
