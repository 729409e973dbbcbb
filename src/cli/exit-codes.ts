/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  /** `nhi check`: findings at or above --fail-on. */
  violations: 1,
  /** Bad flag, bad config, unknown id, missing credentials, unusable catalog. */
  usage: 2,
  /** A scan in which some provider or scope failed; what succeeded is in the catalog. */
  partial: 3,
  /** A scan in which nothing could be scanned. */
  scanFailed: 4,
  /** `nhi doctor`: no connector could authenticate. */
  noAuthentication: 5,
  /** A bug in nhi: the stack is printed. */
  internal: 70,
  /** Stopped by Ctrl-C (128 + SIGINT): what was committed is in the catalog. */
  interrupted: 130,
} as const;
