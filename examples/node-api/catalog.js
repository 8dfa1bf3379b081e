// A deterministic catalogue of article titles (the same on every start), with the accents, punctuation
// and mixed case real titles have. Generated rather than stored so the example stays small.

const WORDS = [
  'Crème', 'brûlée', 'façons', 'réussir', 'Édition', 'the', 'quick', 'guide', 'to', 'Node.js',
  'performance', 'in', '2024', 'über', 'naïve', 'café', 'résumé', 'déjà', 'vu', 'API', 'design',
  'patterns', '—', ':', '&', '100%', 'Zürich', 'smörgåsbord', 'coöperate', 'piñata', 'HTTP/2',
  'streams', 'why', 'your', 'cache', 'is', 'lying', 'São', 'Paulo', 'Kraków', 'fjörd', '(part', '2)',
];

/** Park-Miller style generator: the same titles on every start. */
function seeded(seed) {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

export function buildCatalog(size, seed = 20240611) {
  const random = seeded(seed);
  const titles = [];
  for (let i = 0; i < size; i += 1) {
    const length = 6 + Math.floor(random() * 8);
    const words = [];
    for (let w = 0; w < length; w += 1) words.push(WORDS[Math.floor(random() * WORDS.length)]);
    titles.push(words.join(' '));
  }
  return titles;
}
