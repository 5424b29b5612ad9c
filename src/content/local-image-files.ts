import { realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { LocalImageRef } from './local-images.ts';
import type { ContentProblem } from './problems.ts';

/** A local image whose file exists inside the content folder. */
export interface LocalImage extends LocalImageRef {
  /** Absolute path of the file (symbolic links resolved). */
  path: string;
  /** The file relative to the working folder, for reports ("content/issues/images/chart.jpg"). */
  source: string;
}

export interface ImageFileOptions {
  /** The issue file, relative to cwd (problems name it with the image's line). */
  issueFile: string;
  cwd: string;
  /** Absolute path of the content folder: no image may come from outside it. */
  contentDir: string;
}

/** `path` lies strictly inside `dir`: not above it, and not on another drive (relative() is then absolute). A file named `..top.png` is inside. */
const inside = (dir: string, path: string) => {
  const rel = relative(dir, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
};

/**
 * Find each local image's file. Whatever is read here is published, so a path that leads out
 * of the content folder (`../../etc/passwd`, or a symbolic link to elsewhere) is refused
 * before anything reads it; a missing file or a folder is a problem at the image's line.
 */
export async function findImageFiles(refs: readonly LocalImageRef[], options: ImageFileOptions): Promise<{ images: LocalImage[]; problems: ContentProblem[] }> {
  const realContent = await realpath(options.contentDir).catch(() => options.contentDir);
  const found = await Promise.all(refs.map((ref) => findOne(ref, options, realContent)));
  return {
    images: found.filter((f): f is LocalImage => !('severity' in f)),
    problems: found.filter((f): f is ContentProblem => 'severity' in f),
  };
}

async function findOne(ref: LocalImageRef, { issueFile, cwd, contentDir }: ImageFileOptions, realContent: string): Promise<LocalImage | ContentProblem> {
  const path = resolve(cwd, dirname(issueFile), ref.file);
  const shown = relative(cwd, path);
  const contentShown = relative(cwd, contentDir) || '.';
  const problem = (message: string, fix: string): ContentProblem => ({ severity: 'error', file: issueFile, line: ref.line, field: ref.field, message, received: JSON.stringify(ref.src), fix });
  const keepInside = `Keep images inside ${contentShown}/ (e.g. next to the issue in an images/ folder) and write the path relative to the issue file; or use an https:// URL. (If the issue belongs to another content folder, pass it: --content DIR.)`;
  if (!inside(contentDir, path)) return problem(`the image path leads outside the content folder ${contentShown}/ (to ${shown}); only files inside it are published`, keepInside);
  let real: string;
  try {
    real = await realpath(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return problem(`the image file ${shown} does not exist`, `Put the file at ${shown}, or use an https:// URL.`);
    return problem(`the image file ${shown} cannot be read (${code ?? String(cause)})`, 'Check the file permissions.');
  }
  if (!inside(realContent, real)) return problem(`the image file ${shown} is a link to ${real}, outside the content folder ${contentShown}/; only files inside it are published`, keepInside);
  const info = await stat(real);
  if (info.isDirectory()) return problem(`${shown} is a folder, not an image file`, `Name the image file inside it, e.g. ${ref.file.replace(/\/?$/, '/')}chart.png.`);
  // A FIFO would block the read forever and a device has no end: only a regular file is read.
  if (!info.isFile()) return problem(`${shown} is not a regular file (a FIFO, socket or device), so it cannot be an image`, 'Put the image file itself at this path.');
  return { ...ref, path: real, source: shown };
}
