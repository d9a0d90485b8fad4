/**
 * Error raised for a weight file that cannot be read: bad format, refused pickle, missing or
 * mis-shaped tensor. The message always starts with the file it is about.
 */
export class WeightsError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly key?: string,
  ) {
    super(message);
    this.name = "WeightsError";
  }
}
