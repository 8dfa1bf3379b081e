// Hints quote what the code under test did: hosts, paths, package and function names, file names. All
// of it is the app's to choose, so each piece goes into the sentence as a code span (no markdown, link or
// HTML inside one renders on GitHub), on one line, and short.

/** `text` as an inline code span, safe in any markdown. */
export function code(text: string, max = 160): string {
  const flat = text.replace(/[`\r\n\t]+/g, ' ').trim();
  const cut = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
  return `\`${cut || ' '}\``;
}
