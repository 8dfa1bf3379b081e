export type ParsedQuery = Record<string, string | string[]>;
export declare function parse(query: string): ParsedQuery;
export declare function stringify(object: Record<string, unknown>): string;
