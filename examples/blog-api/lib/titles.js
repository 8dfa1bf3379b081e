// Deterministic article titles and bodies for the seed: the same data on every run, so a benchmark's
// scenarios can name real articles. Titles carry the accents and punctuation real ones have (textkit's
// slugify handles those differently from release to release, so scenarios address articles by id).

const WORDS = [
  'Crème', 'brûlée', 'café', 'résumé', 'déjà', 'vu', 'naïve', 'über', 'Zürich', 'Kraków', 'São', 'Paulo',
  'node', 'postgres', 'redis', 'latency', 'throughput', 'cache', 'index', 'query', 'planner', 'pool',
  'connection', 'stream', 'backpressure', 'benchmark', 'regression', 'dependency', 'upgrade', 'semver',
  'why', 'how', 'your', 'the', 'a', 'fast', 'slow', 'guide', 'notes', '—', '&', 'HTTP/2', '(part', '2)',
];

function seeded(seed) {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

function capitalise(word) {
  return word[0].toUpperCase() + word.slice(1);
}

/** `count` titles, bodies and tags; article i has title titles[i]. */
export function buildArticles(count, seed = 20241130) {
  const random = seeded(seed);
  const pick = () => WORDS[Math.floor(random() * WORDS.length)];
  const articles = [];
  for (let i = 0; i < count; i++) {
    const words = Array.from({ length: 5 + Math.floor(random() * 6) }, pick);
    const title = `${capitalise(words[0])} ${words.slice(1).join(' ')}: part ${i + 1}`;
    const body = Array.from({ length: 60 }, pick).join(' ');
    const tags = [pick(), pick()].join(',');
    articles.push({ title, body, tags });
  }
  return articles;
}
