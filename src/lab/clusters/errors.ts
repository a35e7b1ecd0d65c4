/** A lab cluster could not be built, started, reached or stopped; the message says what to do. */
export class LabClustersError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = this.constructor.name;
  }
}
