/** Errors of the recovery engine: how a failure is classified decides whether it is retried. */

/**
 * A step failed for a reason retrying will not fix (object not found, template value
 * missing, member cluster said 4xx, wait timed out). The run is marked Failed.
 */
export class StepError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = this.constructor.name;
  }
}

/**
 * Another worker took the run over (BullMQ re-delivered the job after this worker's
 * lock lapsed). This worker stops touching the run; the new owner continues it.
 */
export class SupersededError extends Error {
  constructor(run: string) {
    super(`run ${run} was taken over by another worker; this worker stops here`);
    this.name = this.constructor.name;
  }
}

/** The engine is stopping; the job is retried later, by this process or another. */
export class StoppingError extends Error {
  constructor() {
    super(
      'lifeboat is shutting down; the run continues after the restart (or on another lifeboat process)',
    );
    this.name = this.constructor.name;
  }
}
