/**
 * A local image of an issue (a relative `src` next to the issue file) after processing:
 * resized, oriented, metadata stripped, JPEG or PNG, named by the hash of its bytes.
 */
export interface ImageAsset {
  /** Path inside the output folder and the archive: `assets/<hash>.<jpg|png>`. */
  name: string;
  /** The processed file's bytes. */
  data: Buffer;
  bytes: number;
  /** Pixel size of the processed file. */
  width: number;
  height: number;
  type: 'image/jpeg' | 'image/png';
  /** The source file as the issue names it, relative to the working folder (for reports). */
  source: string;
  /** Where mail clients load it: newsletter.yml assetsBaseUrl (default siteUrl) + name. */
  url: string;
}
