export declare const EARLY_DERIVATIONS: unique symbol;
export declare function startKeyPrefetch(args: readonly string[], env: Readonly<Record<string, string | undefined>>): void;
export declare function keyFlag(args: readonly string[]): string | undefined;
export declare const LABELS: readonly string[];
export declare const ACCEPTED_N: readonly number[];
