export declare const VERSION: string;
export declare function slugify(text: string): string;
export declare function wordCount(text: string): number;
export declare function truncate(text: string, maxLength: number, options?: { ellipsis?: string }): string;
