// A Python candidate takes head's own requirement lines for the pinned package and for what head's
// pip-compile annotations say it pulled in; every other line stays base's.
import { describe, expect, it } from 'vitest';
import { applyHeadPins, pinsWithVia } from '../../src/ecosystems/python/head-pins.ts';

const BASE = `# pip-compile output
certifi==2023.7.22 \\
    --hash=sha256:aaa
    # via requests
flask==2.3.3 \\
    --hash=sha256:bbb
    # via -r requirements.in
requests==2.31.0 \\
    --hash=sha256:ccc
    # via -r requirements.in
urllib3==2.0.7 \\
    --hash=sha256:ddd
    # via requests
`;

const HEAD = `# pip-compile output
certifi==2024.2.2 \\
    --hash=sha256:eee
    # via requests
charset-normalizer==3.3.2 \\
    --hash=sha256:fff
    # via requests
flask==3.0.0 \\
    --hash=sha256:ggg
    # via -r requirements.in
requests==2.32.0 \\
    --hash=sha256:hhh
    # via -r requirements.in
urllib3==2.2.1 \\
    --hash=sha256:iii
    # via
    #   requests
    #   botocore
`;

describe('applyHeadPins', () => {
  it('reads pins with their "# via" annotations, single-line and multi-line', () => {
    const pins = pinsWithVia(HEAD);
    expect(pins.get('urllib3')?.via).toEqual(new Set(['requests', 'botocore']));
    expect(pins.get('flask')?.via).toEqual(new Set());
    expect(pins.get('requests')?.lines).toEqual(['requests==2.32.0 \\', '    --hash=sha256:hhh']);
  });

  it("takes head's lines for the pinned package and its dependencies as head locked them, nothing else", () => {
    const { text, taken } = applyHeadPins(BASE, HEAD, { requests: '2.32.0' });
    expect(Object.fromEntries(taken)).toEqual({ requests: '2.32.0', certifi: '2024.2.2', 'charset-normalizer': '3.3.2', urllib3: '2.2.1' });
    // flask changed at head too, but it is not requests' dependency: base's line stays.
    expect(text).toContain('flask==2.3.3 \\\n    --hash=sha256:bbb');
    expect(text).toContain('requests==2.32.0 \\\n    --hash=sha256:hhh');
    expect(text).toContain('certifi==2024.2.2 \\\n    --hash=sha256:eee');
    // New at head: appended with head's line.
    expect(text).toContain('charset-normalizer==3.3.2 \\\n    --hash=sha256:fff');
    expect(text).not.toContain('sha256:ccc');
  });

  it('leaves the file alone for a version head does not pin', () => {
    const { text, taken } = applyHeadPins(BASE, HEAD, { requests: '2.31.5' });
    expect(taken.size).toBe(0);
    expect(text).toBe(BASE);
  });
});
