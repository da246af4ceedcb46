/** A progress message of pull/push/load/import streams (moby pkg/jsonmessage.JSONMessage). */
export interface JSONProgress {
  current?: number;
  total?: number;
  start?: number;
  hidecounts?: boolean;
  units?: string;
}

export interface JSONError {
  code?: number;
  message: string;
}

export interface JSONMessage {
  stream?: string;
  status?: string;
  progressDetail?: JSONProgress;
  /** Deprecated human-readable bar; still sent by moby for old clients. */
  progress?: string;
  id?: string;
  from?: string;
  time?: number;
  timeNano?: number;
  errorDetail?: JSONError;
  /** Deprecated copy of errorDetail.message, still read by old clients. */
  error?: string;
  aux?: unknown;
}
