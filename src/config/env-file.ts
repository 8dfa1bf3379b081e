// The dotenv format of a repository's `env_file` (`.env.example`): `KEY=value` lines, `#` comments, an
// optional `export `, single quotes literal, double quotes with \n and \" escapes, `#` after a space ending
// an unquoted value. Values are taken as written, without `${VAR}` expansion, as Node's --env-file and
// the dotenv package do: an example file's `${...}` is meant for another tool.

export interface EnvFileProblem {
  line: number;
  message: string;
}

export function parseEnvFile(text: string): { values: Record<string, string>; problems: EnvFileProblem[] } {
  const values: Record<string, string> = {};
  const problems: EnvFileProblem[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!match) {
      problems.push({ line: lineNo, message: `expected KEY=value, got "${line.slice(0, 40)}"` });
      continue;
    }
    const [, key, rest] = match;
    let value: string;
    const quote = rest[0];
    if (quote === '"' || quote === "'" || quote === '`') {
      // A quoted value may run over several lines; it ends at the next unescaped quote.
      let body = rest.slice(1);
      let end = findClosingQuote(body, quote);
      while (end < 0 && i + 1 < lines.length) {
        body += `\n${lines[++i]}`;
        end = findClosingQuote(body, quote);
      }
      if (end < 0) {
        problems.push({ line: lineNo, message: `the ${quote} quote of ${key} is never closed` });
        continue;
      }
      value = body.slice(0, end);
      if (quote === '"') value = value.replace(/\\([nrt"\\])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
    } else {
      value = rest.replace(/\s+#.*$/, '').trim();
    }
    values[key] = value;
  }
  return { values, problems };
}

function findClosingQuote(body: string, quote: string): number {
  for (let j = 0; j < body.length; j++) {
    if (body[j] === '\\' && quote === '"') j++;
    else if (body[j] === quote) return j;
  }
  return -1;
}
