/**
 * Container image references: the one definition of "pinned by digest" every layer uses (model
 * servers, helper images, platform specs), so a reference accepted in one place is accepted in all.
 */
export class ImageReference {
  /**
   * `<registry/repository>[:<tag>]@sha256:<64 hex>`.
   */
  public static readonly PINNED_PATTERN = '^[a-z0-9]+(?:[._/:-][a-zA-Z0-9]+)*@sha256:[a-f0-9]{64}$';

  /**
   * Whether `image` is pinned by digest (a tag alone can be moved to other content).
   */
  public static isPinnedByDigest(image: string): boolean {
    return typeof image === 'string' && PINNED.test(image);
  }

  private constructor() {}
}

const PINNED = new RegExp(ImageReference.PINNED_PATTERN);
