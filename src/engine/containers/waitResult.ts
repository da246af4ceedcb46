import { EngineError } from "../../errors/EngineError.js";

/** The wait answer: exit code, and Docker's Error object only when something failed. */
export interface WaitResult { StatusCode: number; Error: { Message: string } | null }

/**
 * A registered wait as the API answers it: resolves with the code `w` gets, rejects when the
 * client goes away (`signal`), dropping the registration so it cannot leak.
 */
export function waitResult(id: string, w: { promise: Promise<number>; cancel: () => void }, signal: AbortSignal): Promise<WaitResult> {
  const result = new Promise<WaitResult>((resolve, reject) => {
    const onAbort = () => {
      w.cancel();
      reject(new EngineError("Unavailable", `wait ${id}: the client went away`));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    w.promise.then((code) => {
      signal.removeEventListener("abort", onAbort);
      resolve({ StatusCode: code, Error: null });
    });
  });
  result.catch(() => {});
  return result;
}
