// Path helpers that work the same for POSIX and Windows-style paths (PR file lists use "/").

export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

/** Folder names of a path, without the file name. */
export function dirNames(path: string): string[] {
  const parts = path.split(/[\\/]/).filter((part) => part !== '' && part !== '.');
  return parts.slice(0, -1);
}
