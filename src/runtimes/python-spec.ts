// What a Python version as people write it (.python-version, runtime.txt, .tool-versions, a Docker tag, a
// CLI flag) asks for: an implementation (CPython or PyPy) and version prefixes an interpreter must match.

export interface PythonWanted {
  implementation: 'cpython' | 'pypy';
  /** Language version prefix: "3.11", "3.11.7", "3", or "" for any. */
  version: string;
  /** PyPy's own version prefix ("7.3.11"), or "" for any; PyPy only. */
  pypyVersion: string;
  /** "system": the machine's own python3, not one of a version manager's. */
  system: boolean;
}

const VERSION = String.raw`\d+(?:\.\d+){0,2}`;

/** The interpreter a spec asks for, or null when it is not a Python version bumpbench can look for. */
export function parsePythonSpec(spec: string): PythonWanted | null {
  const text = spec.trim().toLowerCase();
  if (text === 'system') return { implementation: 'cpython', version: '', pypyVersion: '', system: true };
  // "3.11", "python3.11", "python-3.11.7" (runtime.txt), "cpython-3.12", "python3", "python".
  const cpython = new RegExp(`^(?:c?python)?[-@:]?(${VERSION})?$`).exec(text);
  if (cpython && text !== '') return { implementation: 'cpython', version: cpython[1] ?? '', pypyVersion: '', system: false };
  // "pypy3", "pypy3.9", "pypy3.9-7.3.11" (pyenv), "pypy3.10-v7.3.15", "pypy-3.9" (setup-python), "pypy".
  const pypy = new RegExp(`^pypy-?(\\d+(?:\\.\\d+)?)?(?:-v?(${VERSION}))?$`).exec(text);
  if (pypy) return { implementation: 'pypy', version: pypy[1] ?? '', pypyVersion: pypy[2] ?? '', system: false };
  return null;
}

/** The spec an official image tag names: python:3.12-slim → "3.12", pypy:3.10-7.3.15 → "pypy3.10-7.3.15"; null for "latest". */
export function pythonImageTagPin(image: 'python' | 'pypy', tag: string | null): string | null {
  if (!tag) return null;
  if (image === 'python') {
    const match = new RegExp(`^(${VERSION})(?:-|$)`).exec(tag);
    return match ? match[1] : null;
  }
  const match = /^(\d+(?:\.\d+)?)(?:-(\d+\.\d+(?:\.\d+)?))?(?:-|$)/.exec(tag);
  if (!match) return null;
  return `pypy${match[1]}${match[2] ? `-${match[2]}` : ''}`;
}

/** How a wanted interpreter reads in messages: "CPython 3.11", "PyPy (Python 3.9)", "the system python3". */
export function describeWanted(wanted: PythonWanted): string {
  if (wanted.system) return 'the system python3';
  if (wanted.implementation === 'cpython') return `CPython${wanted.version ? ` ${wanted.version}` : ''}`;
  const parts = [wanted.pypyVersion && wanted.pypyVersion, wanted.version && `(Python ${wanted.version})`].filter(Boolean);
  return `PyPy${parts.length ? ` ${parts.join(' ')}` : ''}`;
}
