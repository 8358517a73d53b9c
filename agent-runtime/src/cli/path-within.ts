import { isAbsolute, relative, sep } from 'node:path';

/** Whether `path` lies strictly below `root` (both absolute; symlinks are the caller's to resolve). */
export function isWithin(root: string, path: string): boolean {
  const inside = relative(root, path);
  return inside !== '' && inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside);
}
