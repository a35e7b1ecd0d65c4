/**
 * A lab service (PostgreSQL, FerretDB, HAProxy, Prometheus, Alertmanager, a stand-in)
 * could not be prepared, started, reached or stopped. The message says what to do.
 */
export class LabServiceError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = this.constructor.name;
  }
}
