// Pure statistics for comparing benchmark runs and judging memory trends. Depends on nothing of ours.
export * from './normal.ts';
export * from './mann-whitney.ts';
export * from './hodges-lehmann.ts';
export * from './wilcoxon.ts';
export * from './holm.ts';
export * from './variation.ts';
export * from './decision.ts';
export * from './fisher.ts';
export * from './trend.ts';
export * from './memory-difference.ts';
export { averageRanks, median } from './ranks.ts';
export * from './warm-up.ts';
