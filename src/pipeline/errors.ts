// Expected failures of a job: each says what went wrong and what the user can do. Unexpected errors are
// left to propagate and fail the job visibly.

/** An error the user can fix (bad input, failing install, server that never starts). */
export class UserFacingError extends Error {
  constructor(
    message: string,
    /** Extra detail for the report, e.g. the last lines of a command's output. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'UserFacingError';
  }
}

export class CancelledError extends Error {
  constructor(message = 'the job was cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}
